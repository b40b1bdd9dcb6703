//! What the monitor requires of a guest image: the board's byte order, the
//! guest CPU model's ISA, and the size of guest RAM.

use core::fmt;

use elf::abi;

use crate::uasm::Endian;

/// The instruction set the virtual CPU presents to the guest (the decoder's
/// type: one concept, one place).
pub use crate::isa::GuestIsa;

impl GuestIsa {
    /// Whether a guest CPU of this ISA executes code built for `level`.
    pub fn runs(self, level: IsaLevel) -> bool {
        match self {
            GuestIsa::Mips32r2 => {
                matches!(level, IsaLevel::Mips1 | IsaLevel::Mips2 | IsaLevel::Mips32 | IsaLevel::Mips32r2)
            }
            GuestIsa::Mips32r6 => level == IsaLevel::Mips32r6,
        }
    }
}

impl fmt::Display for GuestIsa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GuestIsa::Mips32r2 => "MIPS32r2",
            GuestIsa::Mips32r6 => "MIPS32r6",
        })
    }
}

/// The ISA level an image was built for: its e_flags EF_MIPS_ARCH field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsaLevel {
    Mips1,
    Mips2,
    Mips3,
    Mips4,
    Mips5,
    Mips32,
    Mips64,
    Mips32r2,
    Mips64r2,
    Mips32r6,
    Mips64r6,
    /// A value the MIPS ELF ABI does not define (the raw field, unshifted).
    Unknown(u32),
}

impl IsaLevel {
    pub fn from_e_flags(e_flags: u32) -> Self {
        match e_flags & abi::EF_MIPS_ARCH {
            abi::EF_MIPS_ARCH_1 => IsaLevel::Mips1,
            abi::EF_MIPS_ARCH_2 => IsaLevel::Mips2,
            abi::EF_MIPS_ARCH_3 => IsaLevel::Mips3,
            abi::EF_MIPS_ARCH_4 => IsaLevel::Mips4,
            abi::EF_MIPS_ARCH_5 => IsaLevel::Mips5,
            abi::EF_MIPS_ARCH_32 => IsaLevel::Mips32,
            abi::EF_MIPS_ARCH_64 => IsaLevel::Mips64,
            abi::EF_MIPS_ARCH_32R2 => IsaLevel::Mips32r2,
            abi::EF_MIPS_ARCH_64R2 => IsaLevel::Mips64r2,
            abi::EF_MIPS_ARCH_32R6 => IsaLevel::Mips32r6,
            abi::EF_MIPS_ARCH_64R6 => IsaLevel::Mips64r6,
            other => IsaLevel::Unknown(other),
        }
    }

    /// MIPS III, IV, V and MIPS64 have 64-bit registers and instructions.
    pub fn is_64bit(self) -> bool {
        matches!(
            self,
            IsaLevel::Mips3
                | IsaLevel::Mips4
                | IsaLevel::Mips5
                | IsaLevel::Mips64
                | IsaLevel::Mips64r2
                | IsaLevel::Mips64r6
        )
    }
}

impl fmt::Display for IsaLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            IsaLevel::Mips1 => "MIPS I",
            IsaLevel::Mips2 => "MIPS II",
            IsaLevel::Mips3 => "MIPS III",
            IsaLevel::Mips4 => "MIPS IV",
            IsaLevel::Mips5 => "MIPS V",
            IsaLevel::Mips32 => "MIPS32",
            IsaLevel::Mips64 => "MIPS64",
            IsaLevel::Mips32r2 => "MIPS32r2",
            IsaLevel::Mips64r2 => "MIPS64r2",
            IsaLevel::Mips32r6 => "MIPS32r6",
            IsaLevel::Mips64r6 => "MIPS64r6",
            IsaLevel::Unknown(raw) => return write!(f, "an unknown ISA level (EF_MIPS_ARCH {raw:#010x})"),
        };
        f.write_str(name)
    }
}

/// What a guest image must match to run on this monitor and board.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuestExpectations {
    /// The board's name, for messages ("malta-el").
    pub board: &'static str,
    /// The board's byte order, which the guest shares with the host CPU.
    pub endian: Endian,
    pub isa: GuestIsa,
    /// Guest RAM is guest physical 0..ram_bytes (at most 512 MiB: guest
    /// KSEG0 reaches no further).
    pub ram_bytes: u32,
}
