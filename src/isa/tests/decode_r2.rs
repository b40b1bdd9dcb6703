//! MIPS32 Release 2: every form the monitor handles, assembled by GNU as.
//! Branch sources use `.+N` (N bytes from the branch), so the expected
//! offset field is N - 4: MD00086 adds it to the address of the delay slot.

use super::gnu::{MIPS32R2, MIPS32R6, MIPS64R2};
use super::{branch, check_against_gnu, check_reserved, compare, cop0, cp0, mem, zero};
use crate::isa::Gpr::*;
use crate::isa::{
    decode, Branch, CacheOp, CompareOp::*, Cop0Insn, GuestIsa, Insn, MemOp, Mips64Insn, Mips64MemOp,
    TrapCond, ZeroOp::*,
};

const R2: GuestIsa = GuestIsa::Mips32r2;

#[test]
fn cop0_instructions_r2() {
    check_against_gnu(
        MIPS32R2,
        R2,
        &[
            ("mfc0 $8, $12", cop0(Cop0Insn::Mfc0 { rt: T0, reg: cp0(12, 0) })),
            ("mfc0 $8, $12, 1", cop0(Cop0Insn::Mfc0 { rt: T0, reg: cp0(12, 1) })),
            ("mfc0 $31, $31, 7", cop0(Cop0Insn::Mfc0 { rt: Ra, reg: cp0(31, 7) })),
            ("mtc0 $9, $9", cop0(Cop0Insn::Mtc0 { rt: T1, reg: cp0(9, 0) })),
            ("mtc0 $0, $16, 5", cop0(Cop0Insn::Mtc0 { rt: Zero, reg: cp0(16, 5) })),
            ("mfhc0 $8, $2", cop0(Cop0Insn::Mfhc0 { rt: T0, reg: cp0(2, 0) })),
            ("mthc0 $8, $3, 1", cop0(Cop0Insn::Mthc0 { rt: T0, reg: cp0(3, 1) })),
            ("tlbp", cop0(Cop0Insn::Tlbp)),
            ("tlbr", cop0(Cop0Insn::Tlbr)),
            ("tlbwi", cop0(Cop0Insn::Tlbwi)),
            ("tlbwr", cop0(Cop0Insn::Tlbwr)),
            ("eret", cop0(Cop0Insn::Eret)),
            ("deret", cop0(Cop0Insn::Deret)),
            ("wait", cop0(Cop0Insn::Wait { code: 0 })),
            ("wait 0x7ffff", cop0(Cop0Insn::Wait { code: 0x7ffff })),
            ("di", cop0(Cop0Insn::Di { rt: Zero })),
            ("di $8", cop0(Cop0Insn::Di { rt: T0 })),
            ("ei", cop0(Cop0Insn::Ei { rt: Zero })),
            ("ei $3", cop0(Cop0Insn::Ei { rt: V1 })),
            ("rdpgpr $3, $4", cop0(Cop0Insn::Rdpgpr { rd: V1, rt: A0 })),
            ("wrpgpr $5, $29", cop0(Cop0Insn::Wrpgpr { rd: A1, rt: Sp })),
        ],
    );
}

#[test]
fn cache_sync_rdhwr_and_exceptions_r2() {
    check_against_gnu(
        MIPS32R2,
        R2,
        &[
            ("cache 0x15, -8($4)", Insn::Cache { op: CacheOp::from_field(0x15), base: A0, offset: -8 }),
            ("cache 0, 0x7ff0($29)", Insn::Cache { op: CacheOp::from_field(0), base: Sp, offset: 0x7ff0 }),
            ("cache 31, -32768($2)", Insn::Cache { op: CacheOp::from_field(31), base: V0, offset: -32768 }),
            ("pref 4, 0($3)", Insn::Pref { hint: 4, base: V1, offset: 0 }),
            ("synci 4($3)", Insn::Synci { base: V1, offset: 4 }),
            ("synci -4($31)", Insn::Synci { base: Ra, offset: -4 }),
            ("sync", Insn::Sync { stype: 0 }),
            ("sync 1", Insn::Sync { stype: 1 }),
            ("sync 4", Insn::Sync { stype: 4 }),
            ("sync 0x10", Insn::Sync { stype: 0x10 }),
            ("sync 0x11", Insn::Sync { stype: 0x11 }),
            ("sync 0x12", Insn::Sync { stype: 0x12 }),
            ("sync 0x13", Insn::Sync { stype: 0x13 }),
            ("sync 0x1f", Insn::Sync { stype: 0x1f }),
            ("rdhwr $3, $29", Insn::Rdhwr { rt: V1, hwr: 29, sel: 0 }),
            ("rdhwr $2, $2", Insn::Rdhwr { rt: V0, hwr: 2, sel: 0 }),
            ("syscall", Insn::Syscall { code: 0 }),
            ("syscall 0x12345", Insn::Syscall { code: 0x12345 }),
            ("break", Insn::Break { code: 0 }),
            // `break a, b` puts a in the high and b in the low 10 bits of the code.
            ("break 7", Insn::Break { code: 7 << 10 }),
            ("break 7, 3", Insn::Break { code: (7 << 10) | 3 }),
            ("break 0, 3", Insn::Break { code: 3 }),
            ("break 0x3ff, 0x3ff", Insn::Break { code: 0xfffff }),
            ("sdbbp", Insn::Sdbbp { code: 0 }),
            ("sdbbp 5", Insn::Sdbbp { code: 5 }),
            ("teq $3, $4", Insn::Trap { cond: TrapCond::Eq, rs: V1, rt: A0, code: 0 }),
            ("teq $3, $4, 0x3ff", Insn::Trap { cond: TrapCond::Eq, rs: V1, rt: A0, code: 0x3ff }),
            ("tne $5, $6, 1", Insn::Trap { cond: TrapCond::Ne, rs: A1, rt: A2, code: 1 }),
            ("tge $3, $4", Insn::Trap { cond: TrapCond::Ge, rs: V1, rt: A0, code: 0 }),
            ("tgeu $3, $4", Insn::Trap { cond: TrapCond::GeUnsigned, rs: V1, rt: A0, code: 0 }),
            ("tlt $3, $4", Insn::Trap { cond: TrapCond::Lt, rs: V1, rt: A0, code: 0 }),
            ("tltu $3, $4", Insn::Trap { cond: TrapCond::LtUnsigned, rs: V1, rt: A0, code: 0 }),
            ("teqi $3, -5", Insn::TrapImm { cond: TrapCond::Eq, rs: V1, imm: -5 }),
            ("tnei $3, 32767", Insn::TrapImm { cond: TrapCond::Ne, rs: V1, imm: 32767 }),
            ("tgei $3, -32768", Insn::TrapImm { cond: TrapCond::Ge, rs: V1, imm: -32768 }),
            ("tgeiu $3, 5", Insn::TrapImm { cond: TrapCond::GeUnsigned, rs: V1, imm: 5 }),
            ("tlti $3, 5", Insn::TrapImm { cond: TrapCond::Lt, rs: V1, imm: 5 }),
            ("tltiu $3, 5", Insn::TrapImm { cond: TrapCond::LtUnsigned, rs: V1, imm: 5 }),
        ],
    );
}

#[test]
fn loads_and_stores_r2() {
    check_against_gnu(
        MIPS32R2,
        R2,
        &[
            ("lb $2, -4($3)", mem(MemOp::Lb, V0, V1, -4)),
            ("lbu $2, 4($3)", mem(MemOp::Lbu, V0, V1, 4)),
            ("lh $2, -32768($3)", mem(MemOp::Lh, V0, V1, -32768)),
            ("lhu $2, 32767($3)", mem(MemOp::Lhu, V0, V1, 32767)),
            ("lw $31, 0($29)", mem(MemOp::Lw, Ra, Sp, 0)),
            ("lwl $2, 3($3)", mem(MemOp::Lwl, V0, V1, 3)),
            ("lwr $2, 0($3)", mem(MemOp::Lwr, V0, V1, 0)),
            ("ll $2, 0($3)", mem(MemOp::Ll, V0, V1, 0)),
            ("sb $2, 1($3)", mem(MemOp::Sb, V0, V1, 1)),
            ("sh $4, -2($5)", mem(MemOp::Sh, A0, A1, -2)),
            ("sw $26, 8($27)", mem(MemOp::Sw, K0, K1, 8)),
            ("swl $2, 7($3)", mem(MemOp::Swl, V0, V1, 7)),
            ("swr $2, 4($3)", mem(MemOp::Swr, V0, V1, 4)),
            ("sc $2, -4($3)", mem(MemOp::Sc, V0, V1, -4)),
        ],
    );
}

#[test]
fn mips64_only_instructions_decode_for_rejection_r2() {
    let mem64 = |op, rt, base, offset| Insn::Mips64(Mips64Insn::Mem { op, rt, base, offset });
    check_against_gnu(
        MIPS64R2,
        R2,
        &[
            ("dmfc0 $8, $12", Insn::Mips64(Mips64Insn::Dmfc0 { rt: T0, reg: cp0(12, 0) })),
            ("dmtc0 $8, $12, 1", Insn::Mips64(Mips64Insn::Dmtc0 { rt: T0, reg: cp0(12, 1) })),
            ("ld $2, 8($3)", mem64(Mips64MemOp::Ld, V0, V1, 8)),
            ("sd $2, -8($3)", mem64(Mips64MemOp::Sd, V0, V1, -8)),
            ("lwu $2, 8($3)", mem64(Mips64MemOp::Lwu, V0, V1, 8)),
            ("ldl $2, 8($3)", mem64(Mips64MemOp::Ldl, V0, V1, 8)),
            ("ldr $2, 8($3)", mem64(Mips64MemOp::Ldr, V0, V1, 8)),
            ("sdl $2, 8($3)", mem64(Mips64MemOp::Sdl, V0, V1, 8)),
            ("sdr $2, 8($3)", mem64(Mips64MemOp::Sdr, V0, V1, 8)),
            ("lld $2, 8($3)", mem64(Mips64MemOp::Lld, V0, V1, 8)),
            ("scd $2, 8($3)", mem64(Mips64MemOp::Scd, V0, V1, 8)),
        ],
    );
}

#[test]
fn branches_and_jumps_r2() {
    check_against_gnu(
        MIPS32R2,
        R2,
        &[
            ("beq $3, $4, .+16", compare(Beq, V1, A0, 12)),
            ("beq $3, $4, .-4", compare(Beq, V1, A0, -8)),
            ("beq $0, $0, .+8", compare(Beq, Zero, Zero, 4)),
            ("beq $3, $0, .+8", compare(Beq, V1, Zero, 4)),
            ("beq $0, $3, .+8", compare(Beq, Zero, V1, 4)),
            // The 16-bit offset's extremes: +0x7fff and -0x8000 words from the delay slot.
            ("bne $3, $4, .+0x20000", compare(Bne, V1, A0, 0x1fffc)),
            ("bne $3, $4, .-0x1fffc", compare(Bne, V1, A0, -0x20000)),
            ("bne $3, $0, .+8", compare(Bne, V1, Zero, 4)),
            ("blez $3, .+8", zero(Blez, V1, 4)),
            ("bgtz $3, .+8", zero(Bgtz, V1, 4)),
            ("bltz $3, .+8", zero(Bltz, V1, 4)),
            ("bgez $3, .+8", zero(Bgez, V1, 4)),
            ("bltzal $3, .+8", zero(Bltzal, V1, 4)),
            ("bgezal $3, .+8", zero(Bgezal, V1, 4)),
            ("bltzal $0, .+8", zero(Bltzal, Zero, 4)),
            ("bal .+8", zero(Bgezal, Zero, 4)),
            ("beql $3, $4, .+8", compare(Beql, V1, A0, 4)),
            ("beql $3, $0, .+8", compare(Beql, V1, Zero, 4)),
            ("bnel $3, $4, .+8", compare(Bnel, V1, A0, 4)),
            ("bnel $3, $0, .+8", compare(Bnel, V1, Zero, 4)),
            ("blezl $3, .+8", zero(Blezl, V1, 4)),
            ("bgtzl $3, .+8", zero(Bgtzl, V1, 4)),
            ("bltzl $3, .+8", zero(Bltzl, V1, 4)),
            ("bgezl $3, .+8", zero(Bgezl, V1, 4)),
            ("bltzall $3, .+8", zero(Bltzall, V1, 4)),
            ("bgezall $3, .+8", zero(Bgezall, V1, 4)),
            // J's target keeps the region (top 4 bits) of the delay slot: 0x4....
            ("j 0x123456c", branch(Branch::Jump { link: false, index: 0x123456c >> 2 })),
            ("jal 0xffffffc", branch(Branch::Jump { link: true, index: 0x3ff_ffff })),
            ("jr $3", branch(Branch::Register { rs: V1, link: None, hazard_barrier: false })),
            ("jr.hb $31", branch(Branch::Register { rs: Ra, link: None, hazard_barrier: true })),
            ("jalr $25", branch(Branch::Register { rs: T9, link: Some(Ra), hazard_barrier: false })),
            ("jalr $4, $3", branch(Branch::Register { rs: V1, link: Some(A0), hazard_barrier: false })),
            ("jalr $0, $3", branch(Branch::Register { rs: V1, link: Some(Zero), hazard_barrier: false })),
            ("jalr.hb $3", branch(Branch::Register { rs: V1, link: Some(Ra), hazard_barrier: true })),
            ("jalr.hb $4, $3", branch(Branch::Register { rs: V1, link: Some(A0), hazard_barrier: true })),
            ("bc1f .+8", branch(Branch::FpCondition { cc: 0, on_true: false, likely: false, offset: 4 })),
            ("bc1t .+8", branch(Branch::FpCondition { cc: 0, on_true: true, likely: false, offset: 4 })),
            ("bc1fl .+8", branch(Branch::FpCondition { cc: 0, on_true: false, likely: true, offset: 4 })),
            ("bc1tl .+8", branch(Branch::FpCondition { cc: 0, on_true: true, likely: true, offset: 4 })),
            (
                "bc1f $fcc3, .+8",
                branch(Branch::FpCondition { cc: 3, on_true: false, likely: false, offset: 4 }),
            ),
            (
                "bc1tl $fcc7, .-8",
                branch(Branch::FpCondition { cc: 7, on_true: true, likely: true, offset: -12 }),
            ),
        ],
    );
}

/// Words with nonzero must-be-zero fields, or opcodes Release 2 lacks.
#[test]
fn reserved_encodings_are_unknown_r2() {
    check_reserved(
        MIPS32R2,
        R2,
        &[
            0x4008_6009, // mfc0 with bit 3 set (bits 10..3 must be zero)
            0x7c03_e87b, // rdhwr with a select: Release 6 only
            0x1864_ffff, // blez with rt != 0 (Release 6 bgeuc)
            0x1c64_ffff, // bgtz with rt != 0 (Release 6 bltuc)
            0x5864_0001, // blezl with rt != 0
            0x0060_0048, // jr with hint 1
            0x4160_6001, // di with function bits set
            0x7000_003e, // SPECIAL2 function 0x3e: not sdbbp (0x3f)
            0x0474_0001, // REGIMM rt = 0x14: reserved
        ],
    );
}

/// MD00086's COP0 function table: ERET is exactly 0x42000018 (ERETNC adds
/// bit 6); other function codes are not defined. objdump shows such words as
/// a generic `c0 imm`, so it is no oracle here.
#[test]
fn undefined_cop0_functions_are_unknown() {
    for word in [0x4200_0059, 0x4200_0118, 0x4200_001a, 0x4200_0009, 0x4280_0002] {
        assert_eq!(decode(word, R2), Insn::Unknown(word), "{word:08x}");
        assert_eq!(decode(word, GuestIsa::Mips32r6), Insn::Unknown(word), "{word:08x}");
    }
}

/// TLBINV, TLBINVF and ERETNC are optional Release 3/5 features, so an r2
/// guest's CPU model may have them: they decode as on Release 6.
#[test]
fn optional_release5_cop0_instructions_decode_the_same_for_r2() {
    let cases = [
        ("tlbinv", cop0(Cop0Insn::Tlbinv)),
        ("tlbinvf", cop0(Cop0Insn::Tlbinvf)),
        ("eretnc", cop0(Cop0Insn::Eretnc)),
    ];
    check_against_gnu(MIPS32R6, GuestIsa::Mips32r6, &cases);
    let lines: Vec<&str> = cases.iter().map(|(line, _)| *line).collect();
    for ((line, expected), listing) in
        cases.iter().zip(super::gnu::assemble(MIPS32R6, crate::isa::Endian::Big, &lines))
    {
        assert_eq!(decode(listing.word, R2), *expected, "{line}");
    }
}
