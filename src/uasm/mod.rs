//! Micro-assembler: a typed emitter for the MIPS instructions the monitor
//! generates at run time (the TLB refill handler, and later fast paths).
//!
//! ```text
//! let mut a = Assembler::new(Isa::Mips32r2);
//! let done = a.new_label();
//! a.beqz(Gpr::K0, done);
//! a.nop();                 // delay slot: always the caller's to fill
//! a.tlbwr();
//! a.bind(done);
//! a.eret();
//! let words = a.finish()?; // resolves branches, reports the first error
//! ```
//!
//! Every encoding is checked against GNU as for each [`Isa`] by the oracle
//! test in `oracle_tests.rs`.

mod assembler;
mod encode;
mod error;
mod isa;
mod output;

#[cfg(test)]
pub(crate) mod binutils;
#[cfg(test)]
mod oracle_tests;
#[cfg(test)]
mod tests;

/// Registers are the decoder's type: one enum of the 32 GPRs for the whole crate.
pub use crate::isa::Gpr;
pub use assembler::{Assembler, Label};
pub use encode::{ginvt_word, sync_word, Ginvt, SYNC_GINV};
pub use error::AsmError;
pub use isa::Isa;
pub use output::{words_to_bytes, write_words, BufferTooSmall, Endian};
