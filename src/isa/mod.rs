//! MIPS instruction decoding for the trap-and-emulate vCPU.
//!
//! When the guest traps, the monitor reads the faulting instruction word
//! (and, with Cause.BD set, the branch before it), [`decode`]s it into a typed
//! [`Insn`], and then emulates it: COP0 and CACHE instructions, RDHWR, loads
//! and stores to the monitor-served segments ([`mem`]), and the branch whose
//! delay slot held the trapping instruction ([`branch_outcome`]).
//!
//! The guest is always 32-bit: MIPS32 Release 2 (Malta) or Release 6 (I6500).
//! Field layouts and semantics follow the MIPS32 Instruction Set manual
//! (MD00086); the tests check them against GNU as/objdump.

mod branch;
mod decode;
mod display;
mod gpr;
mod insn;
pub mod mem;

pub use branch::{
    branch_outcome, BranchError, BranchOutcome, DelaySlotFate, FpuConditionRead, FpuConditions, Link,
};
pub use decode::decode;
pub use display::DisplayAt;
pub use gpr::{Gpr, GprRead};
pub use insn::{
    hwr, Branch, CacheOp, CacheOperation, CacheTarget, CompareOp, Cop0Insn, Insn, Mips64Insn, Mips64MemOp,
    Slot, TrapCond, ZeroOp, ZeroTest,
};
pub use mem::{AccessKind, Endian, MemAccess, MemOp, Unaligned, Width};

/// The instruction set the guest kernel was built for; decoding differs
/// because Release 6 removed and reused several encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GuestIsa {
    /// MIPS32 Release 2 (and its Release 3/5 optional additions such as
    /// TLBINV, ERETNC and XPA, which the virtual CPU model gates by Config bits).
    Mips32r2,
    /// MIPS32 Release 6: no branch-likely, no LWL/LWR/SWL/SWR, compact branches,
    /// CACHE/PREF/LL/SC moved to SPECIAL3 with 9-bit offsets.
    Mips32r6,
}

#[cfg(test)]
pub(crate) mod tests;
