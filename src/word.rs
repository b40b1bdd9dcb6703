//! The host's register width, kept explicit so portable code serves both
//! MIPS32 and MIPS64 monitors whatever `usize` is on the machine running it.

/// Width of a host general register, pointer and page-table entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WordSize {
    /// MIPS32: 4-byte registers, pointers and PTEs.
    W32,
    /// MIPS64: 8-byte registers, pointers and PTEs.
    W64,
}

impl WordSize {
    pub const fn bytes(self) -> u32 {
        match self {
            WordSize::W32 => 4,
            WordSize::W64 => 8,
        }
    }

    /// log2 of `bytes()`: the shift that turns an index into a byte offset.
    pub const fn shift(self) -> u32 {
        match self {
            WordSize::W32 => 2,
            WordSize::W64 => 3,
        }
    }

    /// The width of the machine this code is compiled for.
    pub const fn native() -> Self {
        if core::mem::size_of::<usize>() == 8 {
            WordSize::W64
        } else {
            WordSize::W32
        }
    }
}
