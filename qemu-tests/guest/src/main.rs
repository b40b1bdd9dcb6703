//! mipsvisor-guest: a small MIPS32r2 kernel in the KVM-guest layout.
//!
//! It runs natively in QEMU (which maps 0x40000000-0x5FFFFFFF like KSEG0 for
//! a kernel linked there) and unchanged under mipsvisor, where it runs in
//! user mode and every privileged instruction traps. So it touches hardware
//! only through architectural interfaces: CP0, the TLB, and the UART.
#![no_std]
#![no_main]
#![feature(asm_experimental_arch)]

#[macro_use]
mod console;
mod bench;
mod bootargs;
mod cache;
mod commands;
#[allow(dead_code)] // the full register catalogue, used piecemeal
mod cp0;
mod mm;
mod pci;
mod platform;
mod sched;
mod selftest;
mod shell;
mod start;
mod syscall;
mod timer;
mod trap;
mod uart;
mod user;

use core::panic::PanicInfo;

/// Called by `_start` with the boot loader's arguments.
#[no_mangle]
extern "C" fn kernel_main(argc: u32, argv: u32, envp: u32, ram_size: u32) -> ! {
    // Kernel mode, interrupts off, EXL/ERL clear, boot-time vectors (BEV)
    // until ours are installed; the loader may leave ERL set from reset.
    cp0::set_status(cp0::status::BEV);
    uart::init();
    let ram_size = bootargs::ram_size(envp, ram_size);
    // SAFETY: written once here, before anything reads it.
    unsafe { BOOT_INFO = BootInfo { ram_size } };
    println!(
        "mipsvisor-guest {}: PRId {:#010x}, {} MiB RAM",
        env!("CARGO_PKG_VERSION"),
        cp0::prid(),
        ram_size >> 20
    );
    mm::frames::init(ram_size);
    init_mmu();
    trap::install();
    // User programs may read CPUNum, SYNCI_Step, CC and CCRes with RDHWR.
    cp0::set_hwrena(0xf);
    timer::start();
    autorun(argc, argv);
    shell::run();
}

/// Runs the commands on the boot command line (`-append "selftest; halt"`:
/// `;` separates commands), echoing each after a prompt as if typed.
fn autorun(argc: u32, argv: u32) {
    for argument in bootargs::arguments(argc, argv) {
        let Ok(text) = core::str::from_utf8(argument) else {
            continue;
        };
        for command in text.split(';').map(str::trim).filter(|command| !command.is_empty()) {
            println!("guest> {command}");
            commands::execute(command);
        }
    }
}

/// A clean TLB, 4 KiB pages, ASID 0 and the empty page table.
fn init_mmu() {
    cp0::set_page_mask(0);
    cp0::set_wired(0);
    cp0::set_context(0);
    cp0::set_entry_hi(0);
    mm::tlb::flush_all();
    mm::space::activate(mm::space::empty_root());
}

/// What the boot loader told us.
#[derive(Clone, Copy)]
pub struct BootInfo {
    pub ram_size: u32,
}

static mut BOOT_INFO: BootInfo = BootInfo { ram_size: 0 };

pub fn boot_info() -> BootInfo {
    // SAFETY: written once at boot before the shell starts.
    unsafe { BOOT_INFO }
}

/// Idles until the next interrupt when interrupts can wake us; else returns.
pub fn idle() {
    let status = cp0::status();
    if status & cp0::status::IE != 0 && status & cp0::status::im(timer::line()) != 0 {
        // SAFETY: WAIT only idles the CPU until an interrupt.
        unsafe { core::arch::asm!("wait") }
    }
}

/// Stops for good: interrupts off and every line masked, then `wait`
/// forever. With IM = 0 no interrupt can end the WAIT (not even with
/// Config7.WII), which is how a monitor knows the guest has stopped.
pub fn halt() -> ! {
    println!("guest: halted");
    cp0::set_status(cp0::status() & !(cp0::status::IE | (0xff << cp0::status::IM_SHIFT)));
    loop {
        // SAFETY: WAIT only idles the CPU.
        unsafe { core::arch::asm!("wait") }
    }
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    println!("guest: panic: {info}");
    halt();
}
