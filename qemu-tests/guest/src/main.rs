//! mipsvisor-guest: a small MIPS32r2 kernel in the KVM-guest layout.
//!
//! It runs natively in QEMU (which maps 0x40000000-0x5FFFFFFF like KSEG0 for
//! a kernel linked there) and unchanged under mipsvisor, where it runs in
//! user mode and every privileged instruction traps. So it touches hardware
//! only through architectural interfaces: CP0, the TLB, and the UART.
#![no_std]
#![no_main]
#![feature(asm_experimental_arch)]

mod console;
#[allow(dead_code)] // the full register catalogue, used piecemeal
mod cp0;
mod start;
mod uart;

use core::panic::PanicInfo;

/// Called by `_start` with the boot loader's arguments.
#[no_mangle]
extern "C" fn kernel_main(argc: u32, argv: u32, envp: u32, ram_size: u32) -> ! {
    uart::init();
    println!("mipsvisor-guest: booting");
    println!("boot args: argc={argc} argv={argv:#010x} envp={envp:#010x} ram={ram_size:#x}");
    println!("PRId {:#010x} Status {:#010x} EBase {:#010x}", cp0::prid(), cp0::status(), cp0::ebase());
    halt();
}

/// Stops for good: interrupts off, then `wait` forever.
pub fn halt() -> ! {
    println!("guest: halted");
    cp0::set_status(cp0::status() & !cp0::status::IE);
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
