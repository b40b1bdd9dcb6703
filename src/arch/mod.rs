//! The narrow layer that touches the hardware: CP0 access, caches, start-up
//! and exception entry. Everything above it is portable Rust.

#[macro_use]
pub mod cp0;
pub mod cache;
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
/// is raised. The interrupt is taken in monitor context (`trap::handle`
/// masks it and returns), after which execution continues here.
pub fn wait_for_interrupt(mask: u8) {
    use mipsvisor::cp0::{self as regs, fields::Status};
    let saved = Status::from_bits_retain(mfc0!(regs::STATUS));
    mtc0!(regs::STATUS, (saved.with_im(mask) | Status::IE).bits());
    // SAFETY: `wait` only idles the CPU until an interrupt.
    unsafe { core::arch::asm!("wait") };
    mtc0!(regs::STATUS, saved.bits());
}

/// Stops the CPU for good with interrupts off: the monitor's known final state.
pub fn halt() -> ! {
    cp0::disable_interrupts();
    loop {
        // SAFETY: `wait` only idles the CPU.
        unsafe { core::arch::asm!("wait") };
    }
}
