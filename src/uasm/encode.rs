//! Bit-level instruction formats (MIPS32/MIPS64 Volume II, "Instruction
//! Formats"). Operands arrive already range-checked; these only pack fields.

use super::Gpr;

/// Major opcodes (bits 31:26).
pub(super) mod op {
    pub const SPECIAL: u32 = 0x00;
    pub const REGIMM: u32 = 0x01;
    pub const J: u32 = 0x02;
    pub const JAL: u32 = 0x03;
    pub const BEQ: u32 = 0x04;
    pub const BNE: u32 = 0x05;
    pub const BLEZ: u32 = 0x06;
    pub const BGTZ: u32 = 0x07;
    pub const ADDIU: u32 = 0x09;
    pub const SLTI: u32 = 0x0a;
    pub const SLTIU: u32 = 0x0b;
    pub const ANDI: u32 = 0x0c;
    pub const ORI: u32 = 0x0d;
    pub const XORI: u32 = 0x0e;
    pub const LUI: u32 = 0x0f;
    pub const COP0: u32 = 0x10;
    pub const DADDIU: u32 = 0x19;
    pub const SPECIAL3: u32 = 0x1f;
    pub const LB: u32 = 0x20;
    pub const LH: u32 = 0x21;
    pub const LW: u32 = 0x23;
    pub const LBU: u32 = 0x24;
    pub const LHU: u32 = 0x25;
    pub const LWU: u32 = 0x27;
    pub const SB: u32 = 0x28;
    pub const SH: u32 = 0x29;
    pub const SW: u32 = 0x2b;
    /// Pre-R6 CACHE; R6 moved it to SPECIAL3.
    pub const CACHE: u32 = 0x2f;
    pub const LD: u32 = 0x37;
    pub const SD: u32 = 0x3f;
}

/// SPECIAL function codes (bits 5:0).
pub(super) mod special {
    pub const SLL: u32 = 0x00;
    pub const SRL: u32 = 0x02;
    pub const SRA: u32 = 0x03;
    pub const LSA: u32 = 0x05;
    /// Removed in R6, where `jr` is `jalr $zero`.
    pub const JR: u32 = 0x08;
    pub const JALR: u32 = 0x09;
    pub const SYSCALL: u32 = 0x0c;
    pub const BREAK: u32 = 0x0d;
    pub const SYNC: u32 = 0x0f;
    pub const DLSA: u32 = 0x15;
    pub const ADDU: u32 = 0x21;
    pub const SUBU: u32 = 0x23;
    pub const AND: u32 = 0x24;
    pub const OR: u32 = 0x25;
    pub const XOR: u32 = 0x26;
    pub const NOR: u32 = 0x27;
    pub const SLT: u32 = 0x2a;
    pub const SLTU: u32 = 0x2b;
    pub const DADDU: u32 = 0x2d;
    pub const DSUBU: u32 = 0x2f;
    pub const DSLL: u32 = 0x38;
    pub const DSRL: u32 = 0x3a;
    pub const DSRA: u32 = 0x3b;
    pub const DSLL32: u32 = 0x3c;
    pub const DSRL32: u32 = 0x3e;
    pub const DSRA32: u32 = 0x3f;
}

/// SPECIAL3 function codes.
pub(super) mod special3 {
    pub const EXT: u32 = 0x00;
    pub const DEXT: u32 = 0x03;
    pub const INS: u32 = 0x04;
    pub const DINS: u32 = 0x07;
    /// R6 CACHE, with a 9-bit offset.
    pub const CACHE_R6: u32 = 0x25;
    /// GINVI/GINVT (Release 6 with Config5.GI); bits 7:6 choose which.
    pub const GINV: u32 = 0x3d;
}

/// GINVT's function in bits 7:6 of a GINV instruction.
const GINV_TLB: u32 = 2;

/// What a GINVT invalidates on every CPU: its `type` field (bits 9:8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Ginvt {
    /// Every entry that is not wired.
    All = 0,
    /// Entries matching the address in `rs`, whatever their MemoryMapID.
    Va = 1,
    /// Non-global entries of the current MemoryMapID.
    Mmid = 2,
    /// Entries matching the address in `rs` that are global or of the current MemoryMapID.
    VaMmid = 3,
}

/// `ginvt rs, kind`: a constant, so the firmware can place it in inline assembly.
pub const fn ginvt_word(rs: Gpr, kind: Ginvt) -> u32 {
    r_type(op::SPECIAL3, rs.field(), 0, 0, 0, special3::GINV) | ((kind as u32) << 8) | (GINV_TLB << 6)
}

/// The SYNC stype that orders GINVI/GINVT: it completes once every CPU has
/// performed the invalidation (MIPS64 Volume II, SYNC).
pub const SYNC_GINV: u8 = 0x14;

/// `sync stype` (stype in 0..=31; higher bits are dropped).
pub const fn sync_word(stype: u8) -> u32 {
    r_type(op::SPECIAL, 0, 0, 0, (stype & 0x1f) as u32, special::SYNC)
}

/// REGIMM rt codes.
pub(super) mod regimm {
    pub const BLTZ: u32 = 0x00;
    pub const BGEZ: u32 = 0x01;
    /// SYNCI keeps this encoding in R6.
    pub const SYNCI: u32 = 0x1f;
}

/// COP0 rs codes for moves, and CO-format function codes.
pub(super) mod cop0 {
    pub const MF: u32 = 0x00;
    pub const DMF: u32 = 0x01;
    pub const MT: u32 = 0x04;
    pub const DMT: u32 = 0x05;
    /// rs field of the CO format (bit 25 set).
    pub const CO: u32 = 0x10;
    pub const TLBR: u32 = 0x01;
    pub const TLBWI: u32 = 0x02;
    pub const TLBWR: u32 = 0x06;
    pub const TLBP: u32 = 0x08;
    pub const ERET: u32 = 0x18;
}

/// Register format: `op rs rt rd sa funct`.
pub(super) const fn r_type(op: u32, rs: u32, rt: u32, rd: u32, sa: u32, funct: u32) -> u32 {
    (op << 26) | (rs << 21) | (rt << 16) | (rd << 11) | (sa << 6) | funct
}

/// SPECIAL register format with GPR operands.
pub(super) const fn special(rs: Gpr, rt: Gpr, rd: Gpr, sa: u32, funct: u32) -> u32 {
    r_type(op::SPECIAL, rs.field(), rt.field(), rd.field(), sa, funct)
}

/// Immediate format: `op rs rt imm16`.
pub(super) const fn i_type(op: u32, rs: u32, rt: u32, imm: u16) -> u32 {
    (op << 26) | (rs << 21) | (rt << 16) | imm as u32
}

/// Jump format: `op instr_index26`.
pub(super) const fn j_type(op: u32, index: u32) -> u32 {
    (op << 26) | (index & 0x03ff_ffff)
}
