//! The narrow layer that touches the hardware: CP0 access, caches, start-up
//! and exception entry. Everything above it is portable Rust.

#[macro_use]
pub mod cp0;
pub mod cache;
pub mod flash;
pub mod fpu;
pub mod refill;
pub mod start;
pub mod tlb;
pub mod trap;

/// Physical address to its uncached KSEG1 address (sign-extended on MIPS64).
pub const fn kseg1(phys: u64) -> usize {
    (0xa000_0000u32 | (phys as u32 & 0x1fff_ffff)) as i32 as isize as usize
}

/// Physical address to its cached KSEG0 address (sign-extended on MIPS64).
pub const fn kseg0(phys: u64) -> usize {
    (0x8000_0000u32 | (phys as u32 & 0x1fff_ffff)) as i32 as isize as usize
}

/// KSEG0/KSEG1 address back to physical.
pub const fn phys_of(addr: usize) -> u64 {
    (addr as u64) & 0x1fff_ffff
}

/// The Rust target this image was built for (as the board files name it).
pub const TARGET: &str = if cfg!(target_pointer_width = "64") {
    "targets/mips64r6el-none.json"
} else if cfg!(target_endian = "big") {
    "mips-mti-none-elf"
} else {
    "mipsel-mti-none-elf"
};

/// Idles until one of the interrupt lines in `mask` (Cause.IP bit layout)
/// is raised. The interrupt is taken in monitor context; `trap::handle`
/// masks it and, since it may land anywhere between enabling interrupts and
/// the `wait` (the line may already be up), resumes at the region's end.
pub fn wait_for_interrupt(mask: u8) {
    use mipsvisor::cp0::{self as regs, fields::Status};
    let saved = Status::from_bits_retain(mfc0!(regs::STATUS));
    // SAFETY: the routine only writes Status and idles.
    unsafe { arch_wait_with_status((saved.with_im(mask) | Status::IE).bits() as usize) };
    mtc0!(regs::STATUS, saved.bits());
}

core::arch::global_asm!(
    r#"
    .text
    .set noreorder
    .globl arch_wait_with_status
arch_wait_with_status:
    .globl __wait_region_start
__wait_region_start:
    mtc0    $a0, $12, 0
    ehb
    wait
    .globl __wait_region_end
__wait_region_end:
    jr      $ra
    nop
    .set reorder
    "#
);

extern "C" {
    fn arch_wait_with_status(status: usize);
    static __wait_region_start: u8;
    static __wait_region_end: u8;
}

/// Where an interrupt taken at `epc` should resume: past the `wait` if it
/// landed inside the wait region.
pub fn resume_after_wait_region(epc: usize) -> usize {
    let start = core::ptr::addr_of!(__wait_region_start) as usize;
    let end = core::ptr::addr_of!(__wait_region_end) as usize;
    if (start..end).contains(&epc) {
        end
    } else {
        epc
    }
}

/// Stops the CPU for good with interrupts off: the monitor's known final state.
pub fn halt() -> ! {
    cp0::disable_interrupts();
    loop {
        // SAFETY: `wait` only idles the CPU.
        unsafe { core::arch::asm!("wait") };
    }
}

/// Ends QEMU with exit code `code`: the MIPS UHI `exit` operation, SDBBP
/// with code 1 in kernel mode, which QEMU's `-semihosting-config enable=on`
/// takes before it would raise a debug exception (it never does so for user
/// mode, where guests run). Returns only if the SDBBP was handled elsewhere.
pub fn uhi_exit(code: u8) {
    // SAFETY: under semihosting QEMU exits here; otherwise the SDBBP is a
    // debug (or, with Config5.SBRI, RI) exception the monitor reports.
    unsafe {
        core::arch::asm!(
            "sdbbp 1",
            in("$25") mipsvisor::exit_status::UHI_EXIT,
            in("$4") code as usize,
        )
    };
}
