//! The registers an exception entry saves, and their dump for the console.

use core::fmt;

use crate::cp0::fields::{Cause, Status};
use crate::isa::Gpr;

/// Which exception vector slot was entered (offset from EBase).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Vector {
    TlbRefill = 0x000,
    XtlbRefill = 0x080,
    CacheError = 0x100,
    General = 0x180,
    Interrupt = 0x200,
    /// Not an EBase slot: the flash debug vector's exit (arch::flash), an
    /// EJTAG debug exception (SDBBP) taken at 0xBFC00480.
    Debug = 0x480,
}

impl Vector {
    pub fn from_offset(offset: usize) -> Option<Vector> {
        [
            Vector::TlbRefill,
            Vector::XtlbRefill,
            Vector::CacheError,
            Vector::General,
            Vector::Interrupt,
            Vector::Debug,
        ]
        .into_iter()
        .find(|v| *v as usize == offset)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Vector::TlbRefill => "TLB refill vector",
            Vector::XtlbRefill => "XTLB refill vector",
            Vector::CacheError => "cache error vector",
            Vector::General => "general exception vector",
            Vector::Interrupt => "interrupt vector",
            Vector::Debug => "debug vector (SDBBP)",
        }
    }
}

/// Saved state, laid out for the assembly entry (offsets from `field_offset`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrapFrame {
    pub gpr: [usize; 32],
    pub hi: usize,
    pub lo: usize,
    pub epc: usize,
    pub bad_vaddr: usize,
    pub status: usize,
    pub cause: usize,
    /// Vector offset the exception came through (a `Vector` value).
    pub vector: usize,
    _align: usize,
}

/// Byte offsets of the fields the assembly stores, for `global_asm!` consts.
pub mod offset {
    use super::TrapFrame;
    use core::mem::offset_of;
    pub const fn gpr(n: usize) -> usize {
        offset_of!(TrapFrame, gpr) + n * core::mem::size_of::<usize>()
    }
    pub const HI: usize = offset_of!(TrapFrame, hi);
    pub const LO: usize = offset_of!(TrapFrame, lo);
    pub const EPC: usize = offset_of!(TrapFrame, epc);
    pub const BAD_VADDR: usize = offset_of!(TrapFrame, bad_vaddr);
    pub const STATUS: usize = offset_of!(TrapFrame, status);
    pub const CAUSE: usize = offset_of!(TrapFrame, cause);
    pub const VECTOR: usize = offset_of!(TrapFrame, vector);
    pub const SIZE: usize = core::mem::size_of::<TrapFrame>();
}

impl TrapFrame {
    pub const ZERO: TrapFrame = TrapFrame {
        gpr: [0; 32],
        hi: 0,
        lo: 0,
        epc: 0,
        bad_vaddr: 0,
        status: 0,
        cause: 0,
        vector: 0,
        _align: 0,
    };

    pub fn cause(&self) -> Cause {
        Cause::from_bits_retain(self.cause as u32)
    }

    pub fn status(&self) -> Status {
        Status::from_bits_retain(self.status as u32)
    }
}

/// The 32 GPRs by name, four to a line, each `digits` hex digits wide
/// (shared by the monitor's and the guest's register dumps).
pub fn write_gpr_rows(f: &mut fmt::Formatter<'_>, digits: usize, value: impl Fn(Gpr) -> u64) -> fmt::Result {
    for row in Gpr::ALL.chunks(4) {
        f.write_str(" ")?;
        for &reg in row {
            write!(f, " {:>4} {:0digits$x}", reg.abi_name(), value(reg))?;
        }
        writeln!(f)?;
    }
    Ok(())
}

/// A register dump: cause name, vector, EPC, BadVAddr, Status, Cause, GPRs.
pub struct Dump<'a>(pub &'a TrapFrame);

impl fmt::Display for Dump<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let frame = self.0;
        let width = core::mem::size_of::<usize>() * 2;
        let vector = Vector::from_offset(frame.vector).map_or("unknown vector", Vector::describe);
        writeln!(f, "exception: {} via {vector}", frame.cause().exc_code().describe())?;
        writeln!(
            f,
            "  EPC {:#0w$x}  BadVAddr {:#0w$x}  Status {:#010x}  Cause {:#010x}{}",
            frame.epc,
            frame.bad_vaddr,
            frame.status as u32,
            frame.cause as u32,
            if frame.cause().contains(Cause::BD) { "  (in branch delay slot)" } else { "" },
            w = width + 2,
        )?;
        write_gpr_rows(f, width, |reg| frame.gpr[reg.number() as usize] as u64)?;
        write!(f, "    hi {:0w$x}    lo {:0w$x}", frame.hi, frame.lo, w = width)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn dump_names_cause_vector_and_every_register() {
        let mut frame = TrapFrame::default();
        frame.cause = (1 << 31) | (2 << 2); // BD, ExcCode 2 = TLBL
        frame.vector = Vector::TlbRefill as usize;
        frame.epc = 0x8010_0040;
        frame.bad_vaddr = 0xc000_1230;
        frame.gpr[31] = 0x1234;
        let text = Dump(&frame).to_string();
        assert!(text.starts_with("exception: TLBL"), "{text}");
        assert!(text.contains("via TLB refill vector"));
        assert!(text.contains("BadVAddr 0x00000000c0001230"));
        assert!(text.contains("(in branch delay slot)"));
        assert!(text.contains("  ra 0000000000001234"));
        assert_eq!(text.lines().count(), 2 + 8 + 1);
    }

    #[test]
    fn frame_layout_is_what_the_assembly_assumes() {
        let w = core::mem::size_of::<usize>();
        assert_eq!(offset::gpr(31), 31 * w);
        assert_eq!(offset::HI, 32 * w);
        assert_eq!(offset::VECTOR, 38 * w);
        assert_eq!(offset::SIZE % 16, 0, "the frame keeps the stack 16-byte aligned");
    }
}
