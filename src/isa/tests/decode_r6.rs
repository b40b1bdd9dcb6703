//! MIPS32 Release 6: the moved encodings, compact branches, and every form
//! kept from Release 2, assembled by GNU as with `-march=mips32r6`.
//! Branch sources use `.+N`; all Release 6 PC-relative branches count the
//! offset from the instruction after the branch, so the field is N - 4.

use super::gnu::{MIPS32R6, MIPS64R6};
use super::{branch, check_against_gnu, check_reserved, compare, cop0, cp0, mem, zero};
use crate::isa::Gpr::*;
use crate::isa::{
    Branch, CacheOp, CompareOp::*, Cop0Insn, GuestIsa, Insn, MemOp, Mips64Insn, Mips64MemOp, TrapCond,
    ZeroOp::*,
};

const R6: GuestIsa = GuestIsa::Mips32r6;

#[test]
fn cop0_instructions_r6() {
    check_against_gnu(
        MIPS32R6,
        R6,
        &[
            ("mfc0 $8, $12, 1", cop0(Cop0Insn::Mfc0 { rt: T0, reg: cp0(12, 1) })),
            ("mtc0 $9, $11", cop0(Cop0Insn::Mtc0 { rt: T1, reg: cp0(11, 0) })),
            ("mfhc0 $8, $2", cop0(Cop0Insn::Mfhc0 { rt: T0, reg: cp0(2, 0) })),
            ("mthc0 $8, $28, 3", cop0(Cop0Insn::Mthc0 { rt: T0, reg: cp0(28, 3) })),
            ("tlbp", cop0(Cop0Insn::Tlbp)),
            ("tlbr", cop0(Cop0Insn::Tlbr)),
            ("tlbwi", cop0(Cop0Insn::Tlbwi)),
            ("tlbwr", cop0(Cop0Insn::Tlbwr)),
            ("tlbinv", cop0(Cop0Insn::Tlbinv)),
            ("tlbinvf", cop0(Cop0Insn::Tlbinvf)),
            ("eret", cop0(Cop0Insn::Eret)),
            ("eretnc", cop0(Cop0Insn::Eretnc)),
            ("deret", cop0(Cop0Insn::Deret)),
            ("wait", cop0(Cop0Insn::Wait { code: 0 })),
            ("di $8", cop0(Cop0Insn::Di { rt: T0 })),
            ("ei", cop0(Cop0Insn::Ei { rt: Zero })),
            ("dvp $3", cop0(Cop0Insn::Dvp { rt: V1 })),
            ("dvp", cop0(Cop0Insn::Dvp { rt: Zero })),
            ("evp $3", cop0(Cop0Insn::Evp { rt: V1 })),
            ("evp", cop0(Cop0Insn::Evp { rt: Zero })),
            ("rdpgpr $3, $4", cop0(Cop0Insn::Rdpgpr { rd: V1, rt: A0 })),
            ("wrpgpr $3, $4", cop0(Cop0Insn::Wrpgpr { rd: V1, rt: A0 })),
        ],
    );
}

#[test]
fn cache_sync_rdhwr_and_exceptions_r6() {
    check_against_gnu(
        MIPS32R6,
        R6,
        &[
            // Release 6 CACHE and PREF: SPECIAL3 with a 9-bit offset (-256..=255).
            ("cache 0x15, -8($4)", Insn::Cache { op: CacheOp::from_field(0x15), base: A0, offset: -8 }),
            ("cache 0x15, 255($4)", Insn::Cache { op: CacheOp::from_field(0x15), base: A0, offset: 255 }),
            ("cache 0x1f, -256($4)", Insn::Cache { op: CacheOp::from_field(0x1f), base: A0, offset: -256 }),
            ("pref 4, 8($3)", Insn::Pref { hint: 4, base: V1, offset: 8 }),
            ("synci 4($3)", Insn::Synci { base: V1, offset: 4 }),
            ("sync", Insn::Sync { stype: 0 }),
            ("sync 4", Insn::Sync { stype: 4 }),
            ("sync 0x14", Insn::Sync { stype: 0x14 }),
            ("rdhwr $3, $29", Insn::Rdhwr { rt: V1, hwr: 29, sel: 0 }),
            ("rdhwr $3, $4, 1", Insn::Rdhwr { rt: V1, hwr: 4, sel: 1 }),
            ("rdhwr $3, $2, 7", Insn::Rdhwr { rt: V1, hwr: 2, sel: 7 }),
            ("syscall 1", Insn::Syscall { code: 1 }),
            ("break 7, 3", Insn::Break { code: (7 << 10) | 3 }),
            // Release 6 moved SDBBP from SPECIAL2 to SPECIAL function 0x0e.
            ("sdbbp 5", Insn::Sdbbp { code: 5 }),
            ("sdbbp", Insn::Sdbbp { code: 0 }),
            ("teq $3, $4, 0x64", Insn::Trap { cond: TrapCond::Eq, rs: V1, rt: A0, code: 0x64 }),
            ("tltu $3, $4", Insn::Trap { cond: TrapCond::LtUnsigned, rs: V1, rt: A0, code: 0 }),
        ],
    );
}

#[test]
fn loads_and_stores_r6() {
    check_against_gnu(
        MIPS32R6,
        R6,
        &[
            ("lb $2, -4($3)", mem(MemOp::Lb, V0, V1, -4)),
            ("lbu $2, 4($3)", mem(MemOp::Lbu, V0, V1, 4)),
            ("lh $2, -32768($3)", mem(MemOp::Lh, V0, V1, -32768)),
            ("lhu $2, 32767($3)", mem(MemOp::Lhu, V0, V1, 32767)),
            ("lw $2, 0($3)", mem(MemOp::Lw, V0, V1, 0)),
            ("sb $2, 0($3)", mem(MemOp::Sb, V0, V1, 0)),
            ("sh $2, 0($3)", mem(MemOp::Sh, V0, V1, 0)),
            ("sw $2, 0($3)", mem(MemOp::Sw, V0, V1, 0)),
            // Release 6 LL/SC: SPECIAL3 with a 9-bit offset.
            ("ll $2, -4($3)", mem(MemOp::Ll, V0, V1, -4)),
            ("ll $2, 255($3)", mem(MemOp::Ll, V0, V1, 255)),
            ("sc $2, -256($3)", mem(MemOp::Sc, V0, V1, -256)),
        ],
    );
}

#[test]
fn mips64_only_instructions_decode_for_rejection_r6() {
    let mem64 = |op, rt, base, offset| Insn::Mips64(Mips64Insn::Mem { op, rt, base, offset });
    check_against_gnu(
        MIPS64R6,
        R6,
        &[
            ("dmfc0 $8, $12", Insn::Mips64(Mips64Insn::Dmfc0 { rt: T0, reg: cp0(12, 0) })),
            ("dmtc0 $8, $12, 1", Insn::Mips64(Mips64Insn::Dmtc0 { rt: T0, reg: cp0(12, 1) })),
            ("ld $2, 8($3)", mem64(Mips64MemOp::Ld, V0, V1, 8)),
            ("sd $2, 8($3)", mem64(Mips64MemOp::Sd, V0, V1, 8)),
            ("lwu $2, 8($3)", mem64(Mips64MemOp::Lwu, V0, V1, 8)),
            ("lld $2, -8($3)", mem64(Mips64MemOp::Lld, V0, V1, -8)),
            ("scd $2, 8($3)", mem64(Mips64MemOp::Scd, V0, V1, 8)),
        ],
    );
}

#[test]
fn delay_slot_branches_and_jumps_r6() {
    check_against_gnu(
        MIPS32R6,
        R6,
        &[
            ("beq $3, $4, .-4", compare(Beq, V1, A0, -8)),
            ("beq $0, $0, .+8", compare(Beq, Zero, Zero, 4)),
            ("bne $3, $0, .+8", compare(Bne, V1, Zero, 4)),
            ("blez $3, .+8", zero(Blez, V1, 4)),
            ("bgtz $3, .+8", zero(Bgtz, V1, 4)),
            ("bltz $3, .+8", zero(Bltz, V1, 4)),
            ("bgez $3, .+0x20000", zero(Bgez, V1, 0x1fffc)),
            ("bal .+8", zero(Bgezal, Zero, 4)),
            ("nal", zero(Nal, Zero, 0)),
            ("j 0x123456c", branch(Branch::Jump { link: false, index: 0x123456c >> 2 })),
            ("jal 0x4", branch(Branch::Jump { link: true, index: 1 })),
            // Release 6 JR is JALR with rd = 0.
            ("jr $3", branch(Branch::Register { rs: V1, link: None, hazard_barrier: false })),
            ("jr.hb $3", branch(Branch::Register { rs: V1, link: None, hazard_barrier: true })),
            ("jalr $3", branch(Branch::Register { rs: V1, link: Some(Ra), hazard_barrier: false })),
            ("jalr $4, $3", branch(Branch::Register { rs: V1, link: Some(A0), hazard_barrier: false })),
            ("jalr.hb $4, $3", branch(Branch::Register { rs: V1, link: Some(A0), hazard_barrier: true })),
            ("bc1eqz $f3, .+8", branch(Branch::FpRegister { ft: 3, on_nonzero: false, offset: 4 })),
            ("bc1nez $f31, .-4", branch(Branch::FpRegister { ft: 31, on_nonzero: true, offset: -8 })),
        ],
    );
}

#[test]
fn compact_branches_r6() {
    check_against_gnu(
        MIPS32R6,
        R6,
        &[
            // 26-bit offset extremes.
            ("bc .+0x8000000", branch(Branch::Compact { link: false, offset: 0x7ff_fffc })),
            ("bc .-0x7fffffc", branch(Branch::Compact { link: false, offset: -0x800_0000 })),
            ("balc .+8", branch(Branch::Compact { link: true, offset: 4 })),
            // 21-bit offset extremes.
            ("beqzc $3, .+0x400000", zero(Beqzc, V1, 0x3f_fffc)),
            ("bnezc $3, .-0x3ffffc", zero(Bnezc, V1, -0x40_0000)),
            ("jic $3, 16", branch(Branch::Indexed { rt: V1, offset: 16, link: false })),
            ("jic $3, -32768", branch(Branch::Indexed { rt: V1, offset: -32768, link: false })),
            ("jic $3, 0", branch(Branch::Indexed { rt: V1, offset: 0, link: false })),
            ("jialc $3, -16", branch(Branch::Indexed { rt: V1, offset: -16, link: true })),
            ("jialc $25, 0", branch(Branch::Indexed { rt: T9, offset: 0, link: true })),
            // POP10/POP30: rs >= rt is BOVC/BNVC (also rs = rt, and rs = rt = 0).
            ("bovc $4, $3, .+8", compare(Bovc, A0, V1, 4)),
            ("bovc $3, $3, .+8", compare(Bovc, V1, V1, 4)),
            ("bovc $0, $0, .+8", compare(Bovc, Zero, Zero, 4)),
            ("bnvc $4, $3, .+8", compare(Bnvc, A0, V1, 4)),
            ("beqzalc $3, .+8", zero(Beqzalc, V1, 4)),
            ("bnezalc $3, .+8", zero(Bnezalc, V1, 4)),
            ("beqc $3, $4, .+8", compare(Beqc, V1, A0, 4)),
            ("bnec $3, $4, .+8", compare(Bnec, V1, A0, 4)),
            // POP06/POP07: rs = 0 and rs = rt test rt against zero, with link.
            ("blezalc $3, .+8", zero(Blezalc, V1, 4)),
            ("bgezalc $3, .+8", zero(Bgezalc, V1, 4)),
            ("bgtzalc $3, .+8", zero(Bgtzalc, V1, 4)),
            ("bltzalc $3, .+8", zero(Bltzalc, V1, 4)),
            ("bgeuc $3, $4, .+8", compare(Bgeuc, V1, A0, 4)),
            ("bltuc $4, $3, .+8", compare(Bltuc, A0, V1, 4)),
            // POP26/POP27: the same shapes without link.
            ("blezc $3, .+8", zero(Blezc, V1, 4)),
            ("bgezc $3, .+8", zero(Bgezc, V1, 4)),
            ("bgtzc $3, .+8", zero(Bgtzc, V1, 4)),
            ("bltzc $3, .-0x1fffc", zero(Bltzc, V1, -0x20000)),
            ("bgec $3, $4, .+8", compare(Bgec, V1, A0, 4)),
            ("bltc $4, $3, .+8", compare(Bltc, A0, V1, 4)),
        ],
    );
}

/// Release 2 encodings that Release 6 removed must not decode as their old meaning.
#[test]
fn removed_release2_encodings_are_unknown_r6() {
    check_reserved(
        MIPS32R6,
        R6,
        &[
            0x8862_0003, // lwl
            0x9862_0000, // lwr
            0xa862_0000, // swl
            0xb862_0000, // swr
            0xc062_0000, // pre-R6 ll
            0xe062_0000, // pre-R6 sc
            0xbc95_fff8, // pre-R6 cache
            0xcc64_0000, // pre-R6 pref
            0x5064_0018, // beql
            0x5464_0017, // bnel
            0x5860_0016, // blezl (rt = 0; rt != 0 is a compact branch)
            0x5c60_0015, // bgtzl
            0x0462_0014, // bltzl
            0x0463_0013, // bgezl
            0x0472_0012, // bltzall
            0x0473_0011, // bgezall
            0x0470_001b, // bltzal with rs != 0
            0x0471_001a, // bgezal with rs != 0
            0x046c_fffb, // teqi
            0x0468_0005, // tgei
            0x0060_0008, // jr (SPECIAL function 0x08)
            0x0060_0408, // jr.hb
            0x4500_0005, // bc1f
            0x4503_0002, // bc1tl
            0x7000_017f, // pre-R6 sdbbp (SPECIAL2)
            0x7c03_ea3b, // rdhwr with bit 9 set (bits 10..9 must be zero)
        ],
    );
}
