//! CP0 register access. Register numbers come from `mipsvisor::cp0`.
//!
//! Each access is wrapped in `.set noat`: the register allocator may hand
//! an operand `$at`, which the assembler otherwise warns it might clobber.

use mipsvisor::cp0;
use mipsvisor::cp0::fields::{Config0, Config5};

/// `mfc0` of a register named by a `Cp0Reg` constant.
#[macro_export]
macro_rules! mfc0 {
    ($r:expr) => {{
        const R: mipsvisor::cp0::Cp0Reg = $r;
        let value: u32;
        // SAFETY: reading CP0 has no side effect on the registers we name.
        unsafe {
            core::arch::asm!(".set push", ".set noat", "mfc0 {v}, ${reg}, {sel}", ".set pop", v = out(reg) value, reg = const R.reg, sel = const R.sel)
        };
        value
    }};
}

/// `mtc0` followed by `ehb`, so the write is seen by the next instruction.
#[macro_export]
macro_rules! mtc0 {
    ($r:expr, $value:expr) => {{
        const R: mipsvisor::cp0::Cp0Reg = $r;
        let value: u32 = $value;
        // SAFETY: the caller chose the register and value; ehb clears the hazard.
        unsafe {
            core::arch::asm!(".set push", ".set noat", "mtc0 {v}, ${reg}, {sel}", "ehb", ".set pop", v = in(reg) value, reg = const R.reg, sel = const R.sel)
        };
    }};
}

/// Reads a register that is as wide as the host word (EPC, BadVAddr, ...).
#[macro_export]
macro_rules! mfc0_word {
    ($r:expr) => {{
        const R: mipsvisor::cp0::Cp0Reg = $r;
        let value: usize;
        #[cfg(target_pointer_width = "64")]
        // SAFETY: as `mfc0!`.
        unsafe {
            core::arch::asm!(".set push", ".set noat", "dmfc0 {v}, ${reg}, {sel}", ".set pop", v = out(reg) value, reg = const R.reg, sel = const R.sel)
        };
        #[cfg(target_pointer_width = "32")]
        // SAFETY: as `mfc0!`.
        unsafe {
            core::arch::asm!(".set push", ".set noat", "mfc0 {v}, ${reg}, {sel}", ".set pop", v = out(reg) value, reg = const R.reg, sel = const R.sel)
        };
        value
    }};
}

/// Writes a register that is as wide as the host word (EntryHi, EntryLo, ...).
#[macro_export]
macro_rules! mtc0_word {
    ($r:expr, $value:expr) => {{
        const R: mipsvisor::cp0::Cp0Reg = $r;
        let value: usize = $value;
        #[cfg(target_pointer_width = "64")]
        // SAFETY: as `mtc0!`.
        unsafe {
            core::arch::asm!(".set push", ".set noat", "dmtc0 {v}, ${reg}, {sel}", "ehb", ".set pop", v = in(reg) value, reg = const R.reg, sel = const R.sel)
        };
        #[cfg(target_pointer_width = "32")]
        // SAFETY: as `mtc0!`.
        unsafe {
            core::arch::asm!(".set push", ".set noat", "mtc0 {v}, ${reg}, {sel}", "ehb", ".set pop", v = in(reg) value, reg = const R.reg, sel = const R.sel)
        };
    }};
}

pub fn disable_interrupts() {
    // SAFETY: `di` only clears Status.IE.
    unsafe { core::arch::asm!("di", "ehb") };
}

/// The identification registers the probe decodes.
pub fn snapshot() -> mipsvisor::cpu::Cp0Snapshot {
    mipsvisor::cpu::Cp0Snapshot::read_with(mfc0!(cp0::PRID), |n| match n {
        0 => mfc0!(cp0::CONFIG0),
        1 => mfc0!(cp0::CONFIG1),
        2 => mfc0!(cp0::CONFIG2),
        3 => mfc0!(cp0::CONFIG3),
        4 => mfc0!(cp0::CONFIG4),
        _ => config5_with_mmids_requested(),
    })
}

/// Config5 as it reads after asking for MemoryMapIDs: Config5.MI is their
/// enable, and only a CPU that implements them keeps it set (Linux probes
/// the same way). The register is put back as it was; Release 6 only, as
/// the bit is reserved before it.
fn config5_with_mmids_requested() -> u32 {
    let config5 = mfc0!(cp0::CONFIG5);
    if Config0::from_bits_retain(mfc0!(cp0::CONFIG0)).arch_revision() < 2 {
        return config5;
    }
    mtc0!(cp0::CONFIG5, (Config5::from_bits_retain(config5) | Config5::MI).bits());
    let probed = mfc0!(cp0::CONFIG5);
    mtc0!(cp0::CONFIG5, config5);
    probed
}
