//! The instruction-set revisions the emitter targets.

use core::fmt;

use crate::word::WordSize;

/// An ISA revision, chosen by what encodings the monitor's CPU decodes.
///
/// MIPS32r5 cores such as the P5600 use `Mips32r2`: every instruction the
/// emitter offers has the same encoding in r2 and r5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Isa {
    Mips32r2,
    Mips64r2,
    Mips64r6,
}

impl Isa {
    pub const fn word_size(self) -> WordSize {
        match self {
            Isa::Mips32r2 => WordSize::W32,
            Isa::Mips64r2 | Isa::Mips64r6 => WordSize::W64,
        }
    }

    /// Whether 64-bit instructions (ld, sd, dsll, dmfc0, ...) exist.
    pub const fn is_64bit(self) -> bool {
        matches!(self.word_size(), WordSize::W64)
    }

    /// Release 6 re-encoded some instructions (jr, cache) and added lsa/dlsa.
    pub const fn is_r6(self) -> bool {
        matches!(self, Isa::Mips64r6)
    }

    /// The name GNU as takes in `-march=`.
    pub const fn name(self) -> &'static str {
        match self {
            Isa::Mips32r2 => "mips32r2",
            Isa::Mips64r2 => "mips64r2",
            Isa::Mips64r6 => "mips64r6",
        }
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Isa {
    /// The encodings to emit for a probed CPU. MIPS32 Release 3 and 5 cores
    /// (P5600) run Release 2 encodings; Release 6 changed them.
    pub fn for_cpu(cpu: &crate::cpu::CpuInfo) -> Isa {
        match (cpu.isa.word, cpu.isa.release) {
            (WordSize::W32, _) => Isa::Mips32r2,
            (WordSize::W64, 6) => Isa::Mips64r6,
            (WordSize::W64, _) => Isa::Mips64r2,
        }
    }
}
