//! Loads and stores a 32-bit guest executes: their effective address and the
//! register/memory merges the monitor needs to emulate one against MMIO or
//! monitor-served guest memory.
//!
//! "Memory word" below means the naturally aligned word containing the
//! address, as the guest's own LW would load it (bytes combined in the guest's
//! endianness). Byte lane `k` of a word is bits `8k+7..8k`; it lives at
//! offset `k` in memory on a little-endian guest and `3 - k` on a big-endian one.

use super::gpr::{read_gpr, Gpr, GprRead};

/// The guest's byte order: big on `malta`, little on `malta-el`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endian {
    Big,
    Little,
}

impl Endian {
    /// The word a guest LW reads from these four bytes (in address order).
    pub const fn word_from_bytes(self, bytes: [u8; 4]) -> u32 {
        match self {
            Endian::Big => u32::from_be_bytes(bytes),
            Endian::Little => u32::from_le_bytes(bytes),
        }
    }

    /// The four bytes, in address order, a guest SW of `word` writes.
    pub const fn word_to_bytes(self, word: u32) -> [u8; 4] {
        match self {
            Endian::Big => word.to_be_bytes(),
            Endian::Little => word.to_le_bytes(),
        }
    }
}

/// Access size of a 32-bit guest load or store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    Byte,
    Half,
    Word,
}

impl Width {
    pub const fn bytes(self) -> u32 {
        match self {
            Width::Byte => 1,
            Width::Half => 2,
            Width::Word => 4,
        }
    }
}

/// Direction of an access; loads say whether they sign-extend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessKind {
    Load { signed: bool },
    Store,
}

/// The unaligned-word half an LWL/SWL (`Left`) or LWR/SWR (`Right`) moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unaligned {
    /// The most-significant part of the register (LWL, SWL).
    Left,
    /// The least-significant part of the register (LWR, SWR).
    Right,
}

/// Every load and store a 32-bit guest can execute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemOp {
    Lb,
    Lbu,
    Lh,
    Lhu,
    Lw,
    /// Pre-R6 only.
    Lwl,
    /// Pre-R6 only.
    Lwr,
    Ll,
    Sb,
    Sh,
    Sw,
    /// Pre-R6 only.
    Swl,
    /// Pre-R6 only.
    Swr,
    Sc,
}

impl MemOp {
    pub const fn kind(self) -> AccessKind {
        use MemOp::*;
        match self {
            Lb | Lh | Lw | Lwl | Lwr | Ll => AccessKind::Load { signed: true },
            Lbu | Lhu => AccessKind::Load { signed: false },
            Sb | Sh | Sw | Swl | Swr | Sc => AccessKind::Store,
        }
    }

    pub const fn width(self) -> Width {
        use MemOp::*;
        match self {
            Lb | Lbu | Sb => Width::Byte,
            Lh | Lhu | Sh => Width::Half,
            Lw | Lwl | Lwr | Ll | Sw | Swl | Swr | Sc => Width::Word,
        }
    }

    pub const fn unaligned(self) -> Option<Unaligned> {
        match self {
            MemOp::Lwl | MemOp::Swl => Some(Unaligned::Left),
            MemOp::Lwr | MemOp::Swr => Some(Unaligned::Right),
            _ => None,
        }
    }

    /// LL and SC: the monitor must keep the guest's LLbit semantics.
    pub const fn is_linked(self) -> bool {
        matches!(self, MemOp::Ll | MemOp::Sc)
    }

    pub const fn mnemonic(self) -> &'static str {
        use MemOp::*;
        match self {
            Lb => "lb",
            Lbu => "lbu",
            Lh => "lh",
            Lhu => "lhu",
            Lw => "lw",
            Lwl => "lwl",
            Lwr => "lwr",
            Ll => "ll",
            Sb => "sb",
            Sh => "sh",
            Sw => "sw",
            Swl => "swl",
            Swr => "swr",
            Sc => "sc",
        }
    }
}

/// A decoded load or store: `op rt, offset(base)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemAccess {
    pub op: MemOp,
    /// The loaded register, or the stored one.
    pub rt: Gpr,
    pub base: Gpr,
    /// Sign-extended displacement (16 bits, or 9 for Release 6 LL/SC).
    pub offset: i16,
}

impl MemAccess {
    /// `GPR[base] + sign_extend(offset)`, wrapping as the 32-bit adder does.
    pub fn effective_address(&self, regs: &impl GprRead) -> u32 {
        read_gpr(regs, self.base).wrapping_add(self.offset as i32 as u32)
    }

    pub const fn kind(&self) -> AccessKind {
        self.op.kind()
    }

    pub const fn width(&self) -> Width {
        self.op.width()
    }

    pub const fn unaligned(&self) -> Option<Unaligned> {
        self.op.unaligned()
    }

    /// Whether `addr` satisfies the access's alignment rule: naturally aligned,
    /// except LWL/LWR/SWL/SWR which take any byte address. A misaligned
    /// address is an Address Error for the guest.
    pub const fn is_aligned(&self, addr: u32) -> bool {
        self.op.unaligned().is_some() || addr & (self.op.width().bytes() - 1) == 0
    }
}

/// The register value a load of `width` bytes leaves, from the `raw` value
/// read (in its low bits): sign- or zero-extended to 32 bits.
pub const fn load_result(width: Width, signed: bool, raw: u32) -> u32 {
    match (width, signed) {
        (Width::Byte, true) => raw as u8 as i8 as i32 as u32,
        (Width::Byte, false) => raw & 0xff,
        (Width::Half, true) => raw as u16 as i16 as i32 as u32,
        (Width::Half, false) => raw & 0xffff,
        (Width::Word, _) => raw,
    }
}

/// The value a store of `width` bytes writes: the low bytes of `rt`.
pub const fn store_data(width: Width, rt: u32) -> u32 {
    match width {
        Width::Byte => rt & 0xff,
        Width::Half => rt & 0xffff,
        Width::Word => rt,
    }
}

/// The MD00086 `byte` index of LWL/LWR/SWL/SWR: `vAddr[1:0] xor BigEndianCPU^2`.
const fn lane_index(addr: u32, endian: Endian) -> u32 {
    match endian {
        Endian::Big => (addr & 3) ^ 3,
        Endian::Little => addr & 3,
    }
}

/// LWL: the register after loading the most-significant part of an unaligned
/// word from `mem_word`, the aligned word containing `addr`.
/// MD00086: `GPR[rt] = memword[7+8*byte..0] || GPR[rt][23-8*byte..0]`.
pub const fn merge_lwl(rt: u32, mem_word: u32, addr: u32, endian: Endian) -> u32 {
    let kept_bits = 24 - 8 * lane_index(addr, endian);
    let kept = if kept_bits == 0 { 0 } else { rt & (u32::MAX >> (32 - kept_bits)) };
    (mem_word << kept_bits) | kept
}

/// LWR: the register after loading the least-significant part of an unaligned
/// word from `mem_word`, the aligned word containing `addr`.
/// MD00086: `GPR[rt] = GPR[rt][31..32-8*byte] || memword[31..8*byte]`.
pub const fn merge_lwr(rt: u32, mem_word: u32, addr: u32, endian: Endian) -> u32 {
    let dropped_bits = 8 * lane_index(addr, endian);
    let kept = if dropped_bits == 0 { 0 } else { rt & (u32::MAX << (32 - dropped_bits)) };
    (mem_word >> dropped_bits) | kept
}

/// The bytes of an aligned memory word an SWL or SWR writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartialWord {
    /// New contents of the written lanes (zero elsewhere).
    pub value: u32,
    /// Bit mask of the written lanes, whole bytes only.
    pub mask: u32,
}

impl PartialWord {
    /// The memory word after the store, given its old contents.
    pub const fn merge_into(self, old_word: u32) -> u32 {
        (old_word & !self.mask) | self.value
    }

    /// Number of bytes written (1 to 4).
    pub const fn byte_count(self) -> u32 {
        self.mask.count_ones() / 8
    }
}

/// SWL: the most-significant part of `rt` into the aligned word containing `addr`.
/// MD00086: stores `GPR[rt][31..24-8*byte]` into memory lanes `byte..0`.
pub const fn swl(rt: u32, addr: u32, endian: Endian) -> PartialWord {
    let byte = lane_index(addr, endian);
    let shift = 24 - 8 * byte;
    PartialWord { value: rt >> shift, mask: u32::MAX >> shift }
}

/// SWR: the least-significant part of `rt` into the aligned word containing `addr`.
/// MD00086: stores `GPR[rt][31-8*byte..0]` into memory lanes `3..byte`.
pub const fn swr(rt: u32, addr: u32, endian: Endian) -> PartialWord {
    let shift = 8 * lane_index(addr, endian);
    PartialWord { value: rt << shift, mask: u32::MAX << shift }
}

/// The memory bytes `[start, start + len)` an LWL/SWL (`Left`) or LWR/SWR
/// (`Right`) at `addr` touches; all lie in the aligned word containing `addr`.
/// For a device behind MMIO this is the exact byte range to read or write.
pub const fn unaligned_span(side: Unaligned, addr: u32, endian: Endian) -> (u32, u32) {
    let word = addr & !3;
    let offset = addr & 3;
    // Left takes the word's most-significant bytes: from addr up on big-endian,
    // from the word start up to addr on little-endian; Right the opposite.
    let from_addr_up =
        matches!((side, endian), (Unaligned::Left, Endian::Big) | (Unaligned::Right, Endian::Little));
    if from_addr_up {
        (addr, 4 - offset)
    } else {
        (word, offset + 1)
    }
}
