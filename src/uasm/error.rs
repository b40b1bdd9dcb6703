//! What can go wrong while assembling.

use core::fmt;

use super::{Isa, Label};

/// The first problem an [`Assembler`](super::Assembler) met; `finish()` returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AsmError {
    /// The instruction does not exist in the target ISA (a 64-bit
    /// instruction on MIPS32, or an R6-only one before R6).
    NotInIsa { mnemonic: &'static str, isa: Isa },
    /// An operand lies outside what its field can encode.
    ImmediateOutOfRange { mnemonic: &'static str, operand: &'static str, value: i64, min: i64, max: i64 },
    /// A branch target is more than 2^15 instructions away from the delay slot.
    BranchOutOfRange { at: usize, offset: i64 },
    /// A branch names a label that was never bound.
    UnboundLabel(Label),
    /// `bind` was called twice for the same label.
    LabelBoundTwice(Label),
    /// `j`/`jal` encode absolute addresses: the assembler needs an origin.
    JumpWithoutOrigin { at: usize },
    /// `j`/`jal` reach only the 256 MiB region of their delay slot.
    JumpOutOfRegion { at: usize, target: u64 },
    /// A jump target must be word-aligned.
    MisalignedJumpTarget { at: usize, target: u64 },
}

impl fmt::Display for AsmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AsmError::NotInIsa { mnemonic, isa } => write!(f, "{mnemonic} does not exist in {isa}"),
            AsmError::ImmediateOutOfRange { mnemonic, operand, value, min, max } => {
                write!(f, "{mnemonic}: {operand} {value} outside {min}..={max}")
            }
            AsmError::BranchOutOfRange { at, offset } => {
                write!(f, "branch at word {at}: offset {offset} words does not fit 16 bits")
            }
            AsmError::UnboundLabel(label) => write!(f, "label {} used but never bound", label.0),
            AsmError::LabelBoundTwice(label) => write!(f, "label {} bound twice", label.0),
            AsmError::JumpWithoutOrigin { at } => write!(f, "jump at word {at} needs an origin address"),
            AsmError::JumpOutOfRegion { at, target } => {
                write!(f, "jump at word {at}: {target:#x} is outside its 256 MiB region")
            }
            AsmError::MisalignedJumpTarget { at, target } => {
                write!(f, "jump at word {at}: target {target:#x} is not word-aligned")
            }
        }
    }
}
