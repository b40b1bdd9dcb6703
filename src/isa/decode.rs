//! Instruction word → [`Insn`], for MIPS32 Release 2 and Release 6.
//!
//! Encodings follow the opcode tables of MD00086. Fields the manual fixes to
//! zero are checked: a word with garbage there decodes as `Unknown`, so the
//! monitor answers it with a Reserved Instruction rather than guessing.

use super::gpr::Gpr;
use super::insn::{Branch, CacheOp, CompareOp, Cop0Insn, Insn, Mips64Insn, Mips64MemOp, TrapCond, ZeroOp};
use super::mem::{MemAccess, MemOp};
use super::GuestIsa;
use crate::cp0::Cp0Reg;

/// Decode one instruction word for a guest of the given ISA.
pub fn decode(word: u32, isa: GuestIsa) -> Insn {
    let f = Fields(word);
    let r6 = isa == GuestIsa::Mips32r6;
    let decoded = match f.opcode() {
        0x00 => special(f, r6),
        0x01 => regimm(f, r6),
        0x02 => Some(Insn::Branch(Branch::Jump { link: false, index: f.index26() })),
        0x03 => Some(Insn::Branch(Branch::Jump { link: true, index: f.index26() })),
        0x04 => Some(compare(CompareOp::Beq, f)),
        0x05 => Some(compare(CompareOp::Bne, f)),
        0x06 if f.rt_bits() == 0 => Some(zero(ZeroOp::Blez, f.rs(), f)),
        0x07 if f.rt_bits() == 0 => Some(zero(ZeroOp::Bgtz, f.rs(), f)),
        0x06 if r6 => Some(pop_with_link(f, ZeroOp::Blezalc, ZeroOp::Bgezalc, CompareOp::Bgeuc)),
        0x07 if r6 => Some(pop_with_link(f, ZeroOp::Bgtzalc, ZeroOp::Bltzalc, CompareOp::Bltuc)),
        0x08 if r6 => Some(pop_overflow(f, CompareOp::Bovc, ZeroOp::Beqzalc, CompareOp::Beqc)),
        0x18 if r6 => Some(pop_overflow(f, CompareOp::Bnvc, ZeroOp::Bnezalc, CompareOp::Bnec)),
        0x10 => cop0(f, r6),
        0x11 => cop1(f, r6),
        0x14 if !r6 => Some(compare(CompareOp::Beql, f)),
        0x15 if !r6 => Some(compare(CompareOp::Bnel, f)),
        0x16 if !r6 && f.rt_bits() == 0 => Some(zero(ZeroOp::Blezl, f.rs(), f)),
        0x17 if !r6 && f.rt_bits() == 0 => Some(zero(ZeroOp::Bgtzl, f.rs(), f)),
        // Release 6 reuses BLEZL/BGTZL for compact compares; rt = 0 stays reserved.
        0x16 if r6 && f.rt_bits() != 0 => {
            Some(pop_with_link(f, ZeroOp::Blezc, ZeroOp::Bgezc, CompareOp::Bgec))
        }
        0x17 if r6 && f.rt_bits() != 0 => {
            Some(pop_with_link(f, ZeroOp::Bgtzc, ZeroOp::Bltzc, CompareOp::Bltc))
        }
        0x1c if !r6 => special2(f),
        0x1f => special3(f, r6),
        0x20 => Some(mem(MemOp::Lb, f)),
        0x21 => Some(mem(MemOp::Lh, f)),
        0x23 => Some(mem(MemOp::Lw, f)),
        0x24 => Some(mem(MemOp::Lbu, f)),
        0x25 => Some(mem(MemOp::Lhu, f)),
        0x28 => Some(mem(MemOp::Sb, f)),
        0x29 => Some(mem(MemOp::Sh, f)),
        0x2b => Some(mem(MemOp::Sw, f)),
        0x22 if !r6 => Some(mem(MemOp::Lwl, f)),
        0x26 if !r6 => Some(mem(MemOp::Lwr, f)),
        0x2a if !r6 => Some(mem(MemOp::Swl, f)),
        0x2e if !r6 => Some(mem(MemOp::Swr, f)),
        0x30 if !r6 => Some(mem(MemOp::Ll, f)),
        0x38 if !r6 => Some(mem(MemOp::Sc, f)),
        0x2f if !r6 => {
            Some(Insn::Cache { op: CacheOp::from_field(f.rt_bits()), base: f.rs(), offset: f.imm16() })
        }
        0x33 if !r6 => Some(Insn::Pref { hint: f.rt_bits() as u8, base: f.rs(), offset: f.imm16() }),
        0x27 => Some(mem64(Mips64MemOp::Lwu, f)),
        0x37 => Some(mem64(Mips64MemOp::Ld, f)),
        0x3f => Some(mem64(Mips64MemOp::Sd, f)),
        0x1a if !r6 => Some(mem64(Mips64MemOp::Ldl, f)),
        0x1b if !r6 => Some(mem64(Mips64MemOp::Ldr, f)),
        0x2c if !r6 => Some(mem64(Mips64MemOp::Sdl, f)),
        0x2d if !r6 => Some(mem64(Mips64MemOp::Sdr, f)),
        0x34 if !r6 => Some(mem64(Mips64MemOp::Lld, f)),
        0x3c if !r6 => Some(mem64(Mips64MemOp::Scd, f)),
        0x32 if r6 => Some(Insn::Branch(Branch::Compact { link: false, offset: f.offset26() })),
        0x3a if r6 => Some(Insn::Branch(Branch::Compact { link: true, offset: f.offset26() })),
        0x36 if r6 => Some(pop_indexed(f, false, ZeroOp::Beqzc)),
        0x3e if r6 => Some(pop_indexed(f, true, ZeroOp::Bnezc)),
        _ => None,
    };
    decoded.unwrap_or(Insn::Unknown(word))
}

/// Field accessors for the standard MIPS32 instruction formats.
#[derive(Clone, Copy)]
struct Fields(u32);

impl Fields {
    fn opcode(self) -> u32 {
        self.0 >> 26
    }
    fn rs_bits(self) -> u32 {
        (self.0 >> 21) & 0x1f
    }
    fn rt_bits(self) -> u32 {
        (self.0 >> 16) & 0x1f
    }
    fn rd_bits(self) -> u32 {
        (self.0 >> 11) & 0x1f
    }
    fn sa_bits(self) -> u32 {
        (self.0 >> 6) & 0x1f
    }
    fn function(self) -> u32 {
        self.0 & 0x3f
    }
    fn rs(self) -> Gpr {
        Gpr::from_field(self.rs_bits())
    }
    fn rt(self) -> Gpr {
        Gpr::from_field(self.rt_bits())
    }
    fn rd(self) -> Gpr {
        Gpr::from_field(self.rd_bits())
    }
    fn imm16(self) -> i16 {
        self.0 as u16 as i16
    }
    /// Bits `high..=low` of the word.
    fn bits(self, high: u32, low: u32) -> u32 {
        (self.0 >> low) & (u32::MAX >> (31 - (high - low)))
    }
    /// The 20-bit code field of SYSCALL, BREAK and SDBBP (bits 25..6).
    fn code20(self) -> u32 {
        self.bits(25, 6)
    }
    /// Bits `high..=low` sign-extended, shifted left by `shift`.
    fn signed(self, high: u32, low: u32, shift: u32) -> i32 {
        let width = high - low + 1;
        ((self.bits(high, low) << (32 - width)) as i32 >> (32 - width)) << shift
    }
    fn offset16(self) -> i32 {
        self.signed(15, 0, 2)
    }
    fn offset21(self) -> i32 {
        self.signed(20, 0, 2)
    }
    fn offset26(self) -> i32 {
        self.signed(25, 0, 2)
    }
    fn index26(self) -> u32 {
        self.bits(25, 0)
    }
    /// The Release 6 SPECIAL3 memory format: 9-bit offset in bits 15..7, bit 6 zero.
    fn offset9(self) -> Option<i16> {
        (self.bits(6, 6) == 0).then(|| self.signed(15, 7, 0) as i16)
    }
    fn cp0_reg(self) -> Cp0Reg {
        Cp0Reg::new(self.rd_bits() as u8, self.bits(2, 0) as u8)
    }
}

fn compare(op: CompareOp, f: Fields) -> Insn {
    Insn::Branch(Branch::Compare { op, rs: f.rs(), rt: f.rt(), offset: f.offset16() })
}

fn zero(op: ZeroOp, reg: Gpr, f: Fields) -> Insn {
    Insn::Branch(Branch::Zero { op, reg, offset: f.offset16() })
}

fn mem(op: MemOp, f: Fields) -> Insn {
    Insn::Mem(MemAccess { op, rt: f.rt(), base: f.rs(), offset: f.imm16() })
}

fn mem64(op: Mips64MemOp, f: Fields) -> Insn {
    Insn::Mips64(Mips64Insn::Mem { op, rt: f.rt(), base: f.rs(), offset: f.imm16() })
}

/// Release 6 POP06/POP07/POP26/POP27 with rt != 0: `rs = 0` tests rt
/// (`on_rt`), `rs = rt` tests rt (`on_same`), otherwise compares rs with rt.
fn pop_with_link(f: Fields, on_rt: ZeroOp, on_same: ZeroOp, otherwise: CompareOp) -> Insn {
    if f.rs_bits() == 0 {
        zero(on_rt, f.rt(), f)
    } else if f.rs_bits() == f.rt_bits() {
        zero(on_same, f.rt(), f)
    } else {
        compare(otherwise, f)
    }
}

/// Release 6 POP10/POP30: `rs >= rt` is BOVC/BNVC, `rs = 0 < rt` compares rt
/// with zero and links, and `0 < rs < rt` is BEQC/BNEC.
fn pop_overflow(f: Fields, overflow: CompareOp, on_rt: ZeroOp, equality: CompareOp) -> Insn {
    if f.rs_bits() >= f.rt_bits() {
        compare(overflow, f)
    } else if f.rs_bits() == 0 {
        zero(on_rt, f.rt(), f)
    } else {
        compare(equality, f)
    }
}

/// Release 6 POP66/POP76: `rs = 0` is JIC/JIALC, otherwise BEQZC/BNEZC with a
/// 21-bit offset.
fn pop_indexed(f: Fields, link: bool, on_rs: ZeroOp) -> Insn {
    if f.rs_bits() == 0 {
        Insn::Branch(Branch::Indexed { rt: f.rt(), offset: f.imm16(), link })
    } else {
        Insn::Branch(Branch::Zero { op: on_rs, reg: f.rs(), offset: f.offset21() })
    }
}

fn special(f: Fields, r6: bool) -> Option<Insn> {
    // JR/JALR hint: 0, or 0b10000 for the .HB hazard-barrier forms.
    let hint_ok = matches!(f.sa_bits(), 0 | 0x10);
    let hazard_barrier = f.sa_bits() == 0x10;
    match f.function() {
        // Release 6 removed JR (it is JALR with rd = 0).
        0x08 if !r6 && hint_ok && f.bits(20, 11) == 0 => {
            Some(Insn::Branch(Branch::Register { rs: f.rs(), link: None, hazard_barrier }))
        }
        0x09 if hint_ok && f.rt_bits() == 0 => {
            let link = if r6 && f.rd_bits() == 0 { None } else { Some(f.rd()) };
            Some(Insn::Branch(Branch::Register { rs: f.rs(), link, hazard_barrier }))
        }
        0x0c => Some(Insn::Syscall { code: f.code20() }),
        0x0d => Some(Insn::Break { code: f.code20() }),
        0x0e if r6 => Some(Insn::Sdbbp { code: f.code20() }),
        0x0f if f.bits(25, 11) == 0 => Some(Insn::Sync { stype: f.sa_bits() as u8 }),
        0x30 => trap(TrapCond::Ge, f),
        0x31 => trap(TrapCond::GeUnsigned, f),
        0x32 => trap(TrapCond::Lt, f),
        0x33 => trap(TrapCond::LtUnsigned, f),
        0x34 => trap(TrapCond::Eq, f),
        0x36 => trap(TrapCond::Ne, f),
        _ => None,
    }
}

fn trap(cond: TrapCond, f: Fields) -> Option<Insn> {
    Some(Insn::Trap { cond, rs: f.rs(), rt: f.rt(), code: f.bits(15, 6) as u16 })
}

fn regimm(f: Fields, r6: bool) -> Option<Insn> {
    let trap_imm = |cond| Some(Insn::TrapImm { cond, rs: f.rs(), imm: f.imm16() });
    match f.rt_bits() {
        0x00 => Some(zero(ZeroOp::Bltz, f.rs(), f)),
        0x01 => Some(zero(ZeroOp::Bgez, f.rs(), f)),
        0x1f => Some(Insn::Synci { base: f.rs(), offset: f.imm16() }),
        // Release 6 keeps BLTZAL/BGEZAL only with rs = 0, as NAL and BAL.
        0x10 if r6 => (f.rs_bits() == 0).then(|| zero(ZeroOp::Nal, Gpr::Zero, f)),
        0x11 if r6 => (f.rs_bits() == 0).then(|| zero(ZeroOp::Bgezal, Gpr::Zero, f)),
        _ if r6 => None,
        0x02 => Some(zero(ZeroOp::Bltzl, f.rs(), f)),
        0x03 => Some(zero(ZeroOp::Bgezl, f.rs(), f)),
        0x08 => trap_imm(TrapCond::Ge),
        0x09 => trap_imm(TrapCond::GeUnsigned),
        0x0a => trap_imm(TrapCond::Lt),
        0x0b => trap_imm(TrapCond::LtUnsigned),
        0x0c => trap_imm(TrapCond::Eq),
        0x0e => trap_imm(TrapCond::Ne),
        0x10 => Some(zero(ZeroOp::Bltzal, f.rs(), f)),
        0x11 => Some(zero(ZeroOp::Bgezal, f.rs(), f)),
        0x12 => Some(zero(ZeroOp::Bltzall, f.rs(), f)),
        0x13 => Some(zero(ZeroOp::Bgezall, f.rs(), f)),
        _ => None,
    }
}

fn cop0(f: Fields, r6: bool) -> Option<Insn> {
    let cop0 = |insn| Some(Insn::Cop0(insn));
    let (rt, reg) = (f.rt(), f.cp0_reg());
    // MFC0-style moves: bits 10..3 are zero, bits 2..0 the select.
    let is_move = f.bits(10, 3) == 0;
    match f.rs_bits() {
        0x00 if is_move => cop0(Cop0Insn::Mfc0 { rt, reg }),
        0x04 if is_move => cop0(Cop0Insn::Mtc0 { rt, reg }),
        0x02 if is_move => cop0(Cop0Insn::Mfhc0 { rt, reg }),
        0x06 if is_move => cop0(Cop0Insn::Mthc0 { rt, reg }),
        0x01 if is_move => Some(Insn::Mips64(Mips64Insn::Dmfc0 { rt, reg })),
        0x05 if is_move => Some(Insn::Mips64(Mips64Insn::Dmtc0 { rt, reg })),
        0x0a if f.bits(10, 0) == 0 => cop0(Cop0Insn::Rdpgpr { rd: f.rd(), rt }),
        0x0e if f.bits(10, 0) == 0 => cop0(Cop0Insn::Wrpgpr { rd: f.rd(), rt }),
        0x0b => mfmc0(f, r6),
        0x10..=0x1f => cop0_function(f),
        _ => None,
    }
}

/// The MFMC0 group: DI/EI (rd = 12, Status) and Release 6 DVP/EVP (rd = 0).
fn mfmc0(f: Fields, r6: bool) -> Option<Insn> {
    if f.bits(10, 6) != 0 || f.bits(4, 3) != 0 {
        return None;
    }
    let (rt, sc) = (f.rt(), f.bits(5, 5) == 1);
    let insn = match (f.rd_bits(), f.bits(2, 0)) {
        (12, 0) if sc => Cop0Insn::Ei { rt },
        (12, 0) => Cop0Insn::Di { rt },
        (0, 4) if r6 && sc => Cop0Insn::Dvp { rt },
        (0, 4) if r6 => Cop0Insn::Evp { rt },
        _ => return None,
    };
    Some(Insn::Cop0(insn))
}

/// COP0 with the CO bit set: TLB operations, ERET, DERET, WAIT.
fn cop0_function(f: Fields) -> Option<Insn> {
    let insn = match f.function() {
        0x20 => Cop0Insn::Wait { code: f.bits(24, 6) },
        0x18 if f.bits(24, 7) == 0 => {
            if f.bits(6, 6) == 1 {
                Cop0Insn::Eretnc
            } else {
                Cop0Insn::Eret
            }
        }
        _ if f.bits(24, 6) != 0 => return None,
        0x01 => Cop0Insn::Tlbr,
        0x02 => Cop0Insn::Tlbwi,
        0x03 => Cop0Insn::Tlbinv,
        0x04 => Cop0Insn::Tlbinvf,
        0x06 => Cop0Insn::Tlbwr,
        0x08 => Cop0Insn::Tlbp,
        0x1f => Cop0Insn::Deret,
        _ => return None,
    };
    Some(Insn::Cop0(insn))
}

fn cop1(f: Fields, r6: bool) -> Option<Insn> {
    let offset = f.offset16();
    let branch = match f.rs_bits() {
        // BC1: cc in bits 20..18, nd (likely) bit 17, tf bit 16.
        0x08 if !r6 => Branch::FpCondition {
            cc: f.bits(20, 18) as u8,
            on_true: f.bits(16, 16) == 1,
            likely: f.bits(17, 17) == 1,
            offset,
        },
        0x09 if r6 => Branch::FpRegister { ft: f.rt_bits() as u8, on_nonzero: false, offset },
        0x0d if r6 => Branch::FpRegister { ft: f.rt_bits() as u8, on_nonzero: true, offset },
        _ => return None,
    };
    Some(Insn::Branch(branch))
}

fn special2(f: Fields) -> Option<Insn> {
    (f.function() == 0x3f).then(|| Insn::Sdbbp { code: f.code20() })
}

fn special3(f: Fields, r6: bool) -> Option<Insn> {
    match f.function() {
        0x3b => rdhwr(f, r6),
        _ if !r6 => None,
        0x25 => f.offset9().map(|offset| Insn::Cache {
            op: CacheOp::from_field(f.rt_bits()),
            base: f.rs(),
            offset,
        }),
        0x35 => f.offset9().map(|offset| Insn::Pref { hint: f.rt_bits() as u8, base: f.rs(), offset }),
        0x36 => {
            f.offset9().map(|offset| Insn::Mem(MemAccess { op: MemOp::Ll, rt: f.rt(), base: f.rs(), offset }))
        }
        0x26 => {
            f.offset9().map(|offset| Insn::Mem(MemAccess { op: MemOp::Sc, rt: f.rt(), base: f.rs(), offset }))
        }
        0x37 => f.offset9().map(|offset| {
            Insn::Mips64(Mips64Insn::Mem { op: Mips64MemOp::Lld, rt: f.rt(), base: f.rs(), offset })
        }),
        0x27 => f.offset9().map(|offset| {
            Insn::Mips64(Mips64Insn::Mem { op: Mips64MemOp::Scd, rt: f.rt(), base: f.rs(), offset })
        }),
        _ => None,
    }
}

/// RDHWR rt, rd: rs is zero; Release 6 adds a select in bits 8..6.
fn rdhwr(f: Fields, r6: bool) -> Option<Insn> {
    let reserved_zero = if r6 { f.bits(10, 9) } else { f.bits(10, 6) };
    if f.rs_bits() != 0 || reserved_zero != 0 {
        return None;
    }
    Some(Insn::Rdhwr { rt: f.rt(), hwr: f.rd_bits() as u8, sel: f.bits(8, 6) as u8 })
}
