//! Every instruction form the emitter supports, assembled by GNU as for
//! each ISA and compared word by word with the emitter's output.

use std::fmt::Write as _;

use super::binutils;
use super::{AsmError, Assembler, Ginvt, Gpr, Isa, Label};
use crate::cp0::Cp0Reg;

const ISAS: [Isa; 3] = [Isa::Mips32r2, Isa::Mips64r2, Isa::Mips64r6];

/// Where the code is linked (KSEG0), so `j`/`jal` have a region.
fn origin(isa: Isa) -> u64 {
    if isa.is_64bit() {
        0xffff_ffff_8000_0000
    } else {
        0x8000_0000
    }
}

fn r(n: u32) -> Gpr {
    Gpr::from_field(n)
}

/// Assembly text and emitter calls kept in lockstep, one instruction each.
struct Program {
    isa: Isa,
    asm: Assembler,
    source: String,
    /// The source line of every emitted word, for mismatch reports.
    lines: Vec<String>,
}

impl Program {
    fn new(isa: Isa) -> Self {
        Program {
            isa,
            asm: Assembler::with_origin(isa, origin(isa)),
            source: String::new(),
            lines: Vec::new(),
        }
    }

    fn insn(&mut self, text: impl Into<String>, emit: impl FnOnce(&mut Assembler)) {
        let text = text.into();
        let before = self.asm.len();
        emit(&mut self.asm);
        assert_eq!(self.asm.len(), before + 1, "`{text}` must emit exactly one word");
        let _ = writeln!(self.source, "{text}");
        self.lines.push(text);
    }

    /// An assembler directive: source text only, no word.
    fn directive(&mut self, text: &str) {
        let _ = writeln!(self.source, "{text}");
    }

    fn bind(&mut self, label: Label, name: &str) {
        self.asm.bind(label);
        let _ = writeln!(self.source, "{name}:");
    }

    fn check(self) {
        let Program { isa, asm, source, lines } = self;
        let ours = asm.finish().unwrap_or_else(|e| panic!("{isa}: emitter refused the program: {e}"));
        let theirs = binutils::assemble(isa, origin(isa), &source)
            .unwrap_or_else(|e| panic!("{isa}: GNU as refused the program: {e}"));
        assert!(
            theirs.len() >= ours.len(),
            "{isa}: GNU as produced {} words, we {}",
            theirs.len(),
            ours.len()
        );
        for (i, (mine, gnu)) in ours.iter().zip(&theirs).enumerate() {
            assert_eq!(mine, gnu, "{isa}: `{}` (word {i}): ours {mine:#010x}, GNU as {gnu:#010x}", lines[i]);
        }
        // Anything past our words is the section's alignment padding.
        assert!(theirs[ours.len()..].iter().all(|w| *w == 0), "{isa}: GNU as emitted extra instructions");
    }
}

const OFFSETS: [i16; 6] = [i16::MIN, -8, -1, 0, 4, i16::MAX];
const SIGNED_IMMS: [i16; 5] = [i16::MIN, -1, 0, 1, i16::MAX];
const UNSIGNED_IMMS: [u16; 4] = [0, 1, 0x8000, 0xffff];
const SHIFTS: [u8; 4] = [0, 1, 17, 31];

type MemOp = fn(&mut Assembler, Gpr, i16, Gpr);
type ImmOp<T> = fn(&mut Assembler, Gpr, Gpr, T);
type RegOp = fn(&mut Assembler, Gpr, Gpr, Gpr);
type ShiftOp = fn(&mut Assembler, Gpr, Gpr, u8);
type FieldOp = fn(&mut Assembler, Gpr, Gpr, u8, u8);
type Cp0Op = fn(&mut Assembler, Gpr, Cp0Reg);

fn loads_and_stores(p: &mut Program) {
    let mut ops: Vec<(&str, MemOp)> = vec![
        ("lb", Assembler::lb),
        ("lbu", Assembler::lbu),
        ("lh", Assembler::lh),
        ("lhu", Assembler::lhu),
        ("lw", Assembler::lw),
        ("sb", Assembler::sb),
        ("sh", Assembler::sh),
        ("sw", Assembler::sw),
    ];
    if p.isa.is_64bit() {
        ops.extend([("ld", Assembler::ld as MemOp), ("lwu", Assembler::lwu), ("sd", Assembler::sd)]);
    }
    for (name, emit) in ops {
        for (i, offset) in OFFSETS.into_iter().enumerate() {
            let (rt, base) = (r(i as u32 * 5 + 1), r(i as u32 * 11 + 26));
            p.insn(format!("{name} ${}, {offset}(${})", rt.number(), base.number()), |a| {
                emit(a, rt, offset, base)
            });
        }
    }
}

fn immediates(p: &mut Program) {
    let mut signed: Vec<(&str, ImmOp<i16>)> =
        vec![("addiu", Assembler::addiu), ("slti", Assembler::slti), ("sltiu", Assembler::sltiu)];
    if p.isa.is_64bit() {
        signed.push(("daddiu", Assembler::daddiu));
    }
    for (name, emit) in signed {
        for (i, imm) in SIGNED_IMMS.into_iter().enumerate() {
            let (rt, rs) = (r(i as u32 * 7 + 2), r(i as u32 * 3 + 29));
            p.insn(format!("{name} ${}, ${}, {imm}", rt.number(), rs.number()), |a| emit(a, rt, rs, imm));
        }
    }
    let unsigned: [(&str, ImmOp<u16>); 3] =
        [("andi", Assembler::andi), ("ori", Assembler::ori), ("xori", Assembler::xori)];
    for (name, emit) in unsigned {
        for (i, imm) in UNSIGNED_IMMS.into_iter().enumerate() {
            let (rt, rs) = (r(i as u32 * 9 + 26), r(i as u32 * 5 + 27));
            p.insn(format!("{name} ${}, ${}, {imm}", rt.number(), rs.number()), |a| emit(a, rt, rs, imm));
        }
    }
    for (i, imm) in UNSIGNED_IMMS.into_iter().enumerate() {
        let rt = r(i as u32 + 24);
        p.insn(format!("lui ${}, {imm}", rt.number()), |a| a.lui(rt, imm));
    }
}

fn three_register(p: &mut Program) {
    let mut ops: Vec<(&str, RegOp)> = vec![
        ("addu", Assembler::addu),
        ("subu", Assembler::subu),
        ("and", Assembler::and),
        ("or", Assembler::or),
        ("xor", Assembler::xor),
        ("nor", Assembler::nor),
        ("slt", Assembler::slt),
        ("sltu", Assembler::sltu),
    ];
    if p.isa.is_64bit() {
        ops.extend([("daddu", Assembler::daddu as RegOp), ("dsubu", Assembler::dsubu)]);
    }
    for (name, emit) in ops {
        // Every register appears in every field across the 32 rotations.
        for n in 0..32 {
            let (rd, rs, rt) = (r(n), r(n + 1), r(n + 7));
            let text = format!("{name} ${}, ${}, ${}", rd.number(), rs.number(), rt.number());
            p.insn(text, |a| emit(a, rd, rs, rt));
        }
    }
}

fn shifts(p: &mut Program) {
    let mut ops: Vec<(&str, ShiftOp)> = vec![
        ("sll", Assembler::sll),
        ("srl", Assembler::srl),
        ("sra", Assembler::sra),
        ("rotr", Assembler::rotr),
    ];
    if p.isa.is_64bit() {
        ops.extend([
            ("dsll", Assembler::dsll as ShiftOp),
            ("dsrl", Assembler::dsrl),
            ("dsra", Assembler::dsra),
            ("dsll32", Assembler::dsll32),
            ("dsrl32", Assembler::dsrl32),
            ("dsra32", Assembler::dsra32),
        ]);
    }
    for (name, emit) in ops {
        for (i, sa) in SHIFTS.into_iter().enumerate() {
            // rd = 0 with sa = 0/1/3 would be nop/ssnop/ehb: keep rd non-zero.
            let (rd, rt) = (r(i as u32 * 13 + 26), r(i as u32 * 6 + 27));
            let text = format!("{name} ${}, ${}, {sa}", rd.number(), rt.number());
            p.insn(text, |a| emit(a, rd, rt, sa));
        }
    }
}

/// (pos, size) pairs valid for EXT/INS/DINS (pos + size <= 32).
const NARROW_FIELDS: [(u8, u8); 5] = [(0, 1), (0, 32), (3, 5), (31, 1), (16, 16)];
/// (pos, size) pairs valid for DEXT (pos < 32, size <= 32).
const WIDE_EXTRACTS: [(u8, u8); 5] = [(0, 1), (0, 32), (31, 32), (3, 5), (16, 16)];

type FieldCase = (&'static str, FieldOp, &'static [(u8, u8)]);

fn bit_fields(p: &mut Program) {
    let mut ops: Vec<FieldCase> =
        vec![("ext", Assembler::ext, &NARROW_FIELDS), ("ins", Assembler::ins, &NARROW_FIELDS)];
    if p.isa.is_64bit() {
        ops.extend([
            ("dext", Assembler::dext as FieldOp, &WIDE_EXTRACTS[..]),
            ("dins", Assembler::dins, &NARROW_FIELDS),
        ]);
    }
    for (name, emit, fields) in ops {
        for (i, &(pos, size)) in fields.iter().enumerate() {
            let (rt, rs) = (r(i as u32 * 3 + 8), r(i as u32 * 7 + 26));
            let text = format!("{name} ${}, ${}, {pos}, {size}", rt.number(), rs.number());
            p.insn(text, |a| emit(a, rt, rs, pos, size));
        }
    }
}

fn coprocessor0(p: &mut Program) {
    let mut ops: Vec<(&str, Cp0Op)> = vec![("mfc0", Assembler::mfc0), ("mtc0", Assembler::mtc0)];
    if p.isa.is_64bit() {
        ops.extend([("dmfc0", Assembler::dmfc0 as Cp0Op), ("dmtc0", Assembler::dmtc0)]);
    }
    for (name, emit) in ops {
        for reg in 0..32u8 {
            for sel in 0..8u8 {
                let rt = r(reg as u32 + sel as u32 + 1);
                let cp0 = Cp0Reg::new(reg, sel);
                p.insn(format!("{name} ${}, ${reg}, {sel}", rt.number()), |a| emit(a, rt, cp0));
            }
        }
    }
    p.insn("tlbp", Assembler::tlbp);
    p.insn("tlbr", Assembler::tlbr);
    p.insn("tlbwi", Assembler::tlbwi);
    p.insn("tlbwr", Assembler::tlbwr);
    p.insn("eret", Assembler::eret);
}

fn barriers_and_caches(p: &mut Program) {
    p.insn("nop", Assembler::nop);
    p.insn("ehb", Assembler::ehb);
    p.insn("sync", Assembler::sync);
    for stype in [0u8, 4, crate::uasm::SYNC_GINV, 31] {
        p.insn(format!("sync {stype}"), move |a| a.sync_stype(stype));
    }
    for code in [0u32, 1, 0x3ff, 0xfffff] {
        p.insn(format!("syscall {code}"), move |a| a.syscall(code));
    }
    // GNU as splits `break`'s 20-bit code into two 10-bit fields.
    for (code, text) in [
        (0u32, "break 0"),
        (7 << 10, "break 7"),
        ((7 << 10) | 5, "break 7, 5"),
        (0xfffff, "break 1023, 1023"),
    ] {
        p.insn(text.to_string(), move |a| a.break_(code));
    }
    let offsets: &[i16] = if p.isa.is_r6() { &[-256, -4, 0, 255] } else { &OFFSETS };
    for (i, &offset) in offsets.iter().enumerate() {
        for op in [0u8, 0x15, 31] {
            let base = r(i as u32 * 5 + 4);
            p.insn(format!("cache {op}, {offset}(${})", base.number()), |a| a.cache(op, offset, base));
        }
        let base = r(i as u32 * 3 + 26);
        p.insn(format!("synci {offset}(${})", base.number()), |a| a.synci(offset, base));
    }
    if p.isa.is_r6() {
        // GINVT is an optional Release 6 module (Config5.GI): GNU as wants it named.
        p.directive(".set ginv");
        for (i, kind) in [Ginvt::All, Ginvt::Va, Ginvt::Mmid, Ginvt::VaMmid].into_iter().enumerate() {
            let rs = r(i as u32 * 9 + 2);
            p.insn(format!("ginvt ${}, {}", rs.number(), kind as u32), move |a| a.ginvt(rs, kind));
        }
        for sa in 1..=4u8 {
            let (rd, rs, rt) = (r(sa as u32 + 7), r(sa as u32 + 25), r(sa as u32 * 5));
            let operands = format!("${}, ${}, ${}, {sa}", rd.number(), rs.number(), rt.number());
            p.insn(format!("lsa {operands}"), |a| a.lsa(rd, rs, rt, sa));
            p.insn(format!("dlsa {operands}"), |a| a.dlsa(rd, rs, rt, sa));
        }
    }
}

fn jumps(p: &mut Program) {
    for n in [1u32, 9, 26, 31] {
        p.insn(format!("jr ${n}"), |a| a.jr(r(n)));
        p.insn(format!("jalr ${}, ${n}", (n + 5) % 32), |a| a.jalr(r(n + 5), r(n)));
    }
    let base = origin(p.isa);
    for target in [base + 0x1230, base + 0x0fff_fffc, base] {
        p.insn(format!("j {target:#x}"), |a| a.j(target));
        p.insn(format!("jal {target:#x}"), |a| a.jal(target));
    }
}

fn branches(p: &mut Program) {
    let before = p.asm.new_label();
    let after = p.asm.new_label();
    p.bind(before, "before");
    for (direction, label) in [("before", before), ("after", after)] {
        for n in [1u32, 8, 26, 31] {
            let (rs, rt) = (r(n), r(n + 3));
            let (s, t) = (rs.number(), rt.number());
            p.insn(format!("beq ${s}, ${t}, {direction}"), |a| a.beq(rs, rt, label));
            p.insn(format!("bne ${s}, ${t}, {direction}"), |a| a.bne(rs, rt, label));
            p.insn(format!("beqz ${s}, {direction}"), |a| a.beqz(rs, label));
            p.insn(format!("bnez ${s}, {direction}"), |a| a.bnez(rs, label));
            p.insn(format!("bltz ${s}, {direction}"), |a| a.bltz(rs, label));
            p.insn(format!("bgez ${s}, {direction}"), |a| a.bgez(rs, label));
            p.insn(format!("blez ${s}, {direction}"), |a| a.blez(rs, label));
            p.insn(format!("bgtz ${s}, {direction}"), |a| a.bgtz(rs, label));
        }
        p.insn(format!("b {direction}"), |a| a.b(label));
    }
    p.bind(after, "after");
    p.insn("nop", Assembler::nop);
}

#[test]
fn every_form_matches_gnu_as() {
    for isa in ISAS {
        let mut p = Program::new(isa);
        loads_and_stores(&mut p);
        immediates(&mut p);
        three_register(&mut p);
        shifts(&mut p);
        bit_fields(&mut p);
        coprocessor0(&mut p);
        barriers_and_caches(&mut p);
        jumps(&mut p);
        branches(&mut p);
        p.check();
    }
}

#[test]
fn branches_at_the_edges_of_their_range_match_gnu_as() {
    // Word offsets are relative to the delay slot: +32767 and -32768 are the
    // extremes of the 16-bit field (MIPS32 vol. II, BEQ).
    for isa in [Isa::Mips32r2, Isa::Mips64r6] {
        let mut p = Program::new(isa);
        let forward = p.asm.new_label();
        let backward = p.asm.new_label();
        p.insn("b forward", |a| a.b(forward));
        for _ in 0..32767 {
            p.insn("nop", Assembler::nop);
        }
        p.bind(forward, "forward");
        p.bind(backward, "backward");
        for _ in 0..32767 {
            p.insn("nop", Assembler::nop);
        }
        p.insn("bnez $4, backward", |a| a.bnez(Gpr::A0, backward));
        p.insn("nop", Assembler::nop);
        p.check();
    }
}

/// GNU as and the emitter agree on what each ISA lacks.
#[test]
fn instructions_missing_from_an_isa_are_refused_like_gnu_as() {
    type Emit = fn(&mut Assembler);
    let only_64: [(&str, Emit); 16] = [
        ("ld $8, 0($9)", |a| a.ld(Gpr::T0, 0, Gpr::T1)),
        ("sd $8, 0($9)", |a| a.sd(Gpr::T0, 0, Gpr::T1)),
        ("lwu $8, 0($9)", |a| a.lwu(Gpr::T0, 0, Gpr::T1)),
        ("daddiu $8, $9, 1", |a| a.daddiu(Gpr::T0, Gpr::T1, 1)),
        ("daddu $8, $9, $10", |a| a.daddu(Gpr::T0, Gpr::T1, Gpr::T2)),
        ("dsubu $8, $9, $10", |a| a.dsubu(Gpr::T0, Gpr::T1, Gpr::T2)),
        ("dsll $8, $9, 1", |a| a.dsll(Gpr::T0, Gpr::T1, 1)),
        ("dsrl $8, $9, 1", |a| a.dsrl(Gpr::T0, Gpr::T1, 1)),
        ("dsra $8, $9, 1", |a| a.dsra(Gpr::T0, Gpr::T1, 1)),
        ("dsll32 $8, $9, 1", |a| a.dsll32(Gpr::T0, Gpr::T1, 1)),
        ("dsrl32 $8, $9, 1", |a| a.dsrl32(Gpr::T0, Gpr::T1, 1)),
        ("dsra32 $8, $9, 1", |a| a.dsra32(Gpr::T0, Gpr::T1, 1)),
        ("dext $8, $9, 1, 2", |a| a.dext(Gpr::T0, Gpr::T1, 1, 2)),
        ("dins $8, $9, 1, 2", |a| a.dins(Gpr::T0, Gpr::T1, 1, 2)),
        ("dmfc0 $8, $12, 0", |a| a.dmfc0(Gpr::T0, crate::cp0::STATUS)),
        ("dmtc0 $8, $12, 0", |a| a.dmtc0(Gpr::T0, crate::cp0::STATUS)),
    ];
    let only_r6: [(&str, Emit); 3] = [
        ("ginvt $8, 1", |a| a.ginvt(Gpr::T0, Ginvt::Va)),
        ("lsa $8, $9, $10, 2", |a| a.lsa(Gpr::T0, Gpr::T1, Gpr::T2, 2)),
        ("dlsa $8, $9, $10, 2", |a| a.dlsa(Gpr::T0, Gpr::T1, Gpr::T2, 2)),
    ];
    let cases = only_64
        .iter()
        .map(|case| (Isa::Mips32r2, case))
        .chain(only_r6.iter().flat_map(|case| [(Isa::Mips32r2, case), (Isa::Mips64r2, case)]));
    for (isa, (text, emit)) in cases {
        let gnu = binutils::assemble(isa, origin(isa), text);
        assert!(gnu.is_err(), "GNU as accepted `{text}` for {isa}: our refusal may be wrong");
        let mut a = Assembler::new(isa);
        emit(&mut a);
        let mnemonic = text.split(' ').next().unwrap();
        assert_eq!(a.finish(), Err(AsmError::NotInIsa { mnemonic, isa }), "`{text}` on {isa}");
    }
}
