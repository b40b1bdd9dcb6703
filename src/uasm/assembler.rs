//! The emitter: one method per instruction, labels, and the branch fix-up pass.

use alloc::vec::Vec;

use super::encode::{cop0, i_type, j_type, op, r_type, regimm, special, special3};
use super::{AsmError, Gpr, Isa};
use crate::cp0::Cp0Reg;
use crate::word::WordSize;

/// A position in the code that branches can name before it is bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label(pub(super) u32);

/// Builds a sequence of instruction words for one ISA.
///
/// Emitting never fails on the spot: the first bad operand, or an
/// instruction missing from the ISA, is remembered and returned by
/// [`finish`](Self::finish), so generators read as straight-line code.
///
/// Branches and jumps have a delay slot: the instruction emitted right after
/// them executes before control transfers. Filling it is the caller's job;
/// the assembler never reorders or inserts a `nop`.
pub struct Assembler {
    isa: Isa,
    origin: Option<u64>,
    words: Vec<u32>,
    /// Bound position (word index) of each label, by label number.
    labels: Vec<Option<usize>>,
    /// Branches to patch in `finish`: (word index, target label).
    branches: Vec<(usize, Label)>,
    error: Option<AsmError>,
}

impl Assembler {
    /// An assembler for position-independent code (no `j`/`jal`).
    pub fn new(isa: Isa) -> Self {
        Assembler {
            isa,
            origin: None,
            words: Vec::new(),
            labels: Vec::new(),
            branches: Vec::new(),
            error: None,
        }
    }

    /// An assembler for code that will run at `origin`, which `j`/`jal` need.
    /// A MIPS64 origin is a full (sign-extended) 64-bit address.
    pub fn with_origin(isa: Isa, origin: u64) -> Self {
        Assembler { origin: Some(origin), ..Self::new(isa) }
    }

    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Instructions emitted so far; also the word index of the next one.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    pub fn new_label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() as u32 - 1)
    }

    /// Places `label` at the next instruction.
    pub fn bind(&mut self, label: Label) {
        let here = self.words.len();
        match self.labels.get_mut(label.0 as usize) {
            Some(slot @ None) => *slot = Some(here),
            Some(Some(_)) => self.fail(AsmError::LabelBoundTwice(label)),
            None => self.fail(AsmError::UnboundLabel(label)),
        }
    }

    /// Resolves every branch and returns the instruction words.
    pub fn finish(mut self) -> Result<Vec<u32>, AsmError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        for &(at, label) in &self.branches {
            let target =
                self.labels.get(label.0 as usize).copied().flatten().ok_or(AsmError::UnboundLabel(label))?;
            // The offset counts words from the delay slot (PC + 4).
            let offset = target as i64 - (at as i64 + 1);
            if offset < i16::MIN as i64 || offset > i16::MAX as i64 {
                return Err(AsmError::BranchOutOfRange { at, offset });
            }
            self.words[at] |= offset as i16 as u16 as u32;
        }
        Ok(self.words)
    }

    // ---- loads and stores: `op rt, offset(base)` ----

    pub fn lb(&mut self, rt: Gpr, offset: i16, base: Gpr) {
        self.mem(op::LB, rt, offset, base)
    }
    pub fn lbu(&mut self, rt: Gpr, offset: i16, base: Gpr) {
        self.mem(op::LBU, rt, offset, base)
    }
    pub fn lh(&mut self, rt: Gpr, offset: i16, base: Gpr) {
        self.mem(op::LH, rt, offset, base)
    }
    pub fn lhu(&mut self, rt: Gpr, offset: i16, base: Gpr) {
        self.mem(op::LHU, rt, offset, base)
    }
    pub fn lw(&mut self, rt: Gpr, offset: i16, base: Gpr) {
        self.mem(op::LW, rt, offset, base)
    }
    pub fn sb(&mut self, rt: Gpr, offset: i16, base: Gpr) {
        self.mem(op::SB, rt, offset, base)
    }
    pub fn sh(&mut self, rt: Gpr, offset: i16, base: Gpr) {
        self.mem(op::SH, rt, offset, base)
    }
    pub fn sw(&mut self, rt: Gpr, offset: i16, base: Gpr) {
        self.mem(op::SW, rt, offset, base)
    }
    /// Load word zero-extended (MIPS64).
    pub fn lwu(&mut self, rt: Gpr, offset: i16, base: Gpr) {
        self.mem64("lwu", op::LWU, rt, offset, base)
    }
    pub fn ld(&mut self, rt: Gpr, offset: i16, base: Gpr) {
        self.mem64("ld", op::LD, rt, offset, base)
    }
    pub fn sd(&mut self, rt: Gpr, offset: i16, base: Gpr) {
        self.mem64("sd", op::SD, rt, offset, base)
    }

    /// Load a pointer-sized word: `lw` on MIPS32, `ld` on MIPS64.
    pub fn load_word(&mut self, rt: Gpr, offset: i16, base: Gpr) {
        match self.isa.word_size() {
            WordSize::W32 => self.lw(rt, offset, base),
            WordSize::W64 => self.ld(rt, offset, base),
        }
    }

    // ---- immediate arithmetic and logic ----

    /// `rt = rs + sign_extend(imm)`, without overflow trap.
    pub fn addiu(&mut self, rt: Gpr, rs: Gpr, imm: i16) {
        self.emit(i_type(op::ADDIU, rs.field(), rt.field(), imm as u16))
    }
    pub fn daddiu(&mut self, rt: Gpr, rs: Gpr, imm: i16) {
        self.emit64("daddiu", i_type(op::DADDIU, rs.field(), rt.field(), imm as u16))
    }
    pub fn slti(&mut self, rt: Gpr, rs: Gpr, imm: i16) {
        self.emit(i_type(op::SLTI, rs.field(), rt.field(), imm as u16))
    }
    pub fn sltiu(&mut self, rt: Gpr, rs: Gpr, imm: i16) {
        self.emit(i_type(op::SLTIU, rs.field(), rt.field(), imm as u16))
    }
    /// `rt = rs & zero_extend(imm)`.
    pub fn andi(&mut self, rt: Gpr, rs: Gpr, imm: u16) {
        self.emit(i_type(op::ANDI, rs.field(), rt.field(), imm))
    }
    pub fn ori(&mut self, rt: Gpr, rs: Gpr, imm: u16) {
        self.emit(i_type(op::ORI, rs.field(), rt.field(), imm))
    }
    pub fn xori(&mut self, rt: Gpr, rs: Gpr, imm: u16) {
        self.emit(i_type(op::XORI, rs.field(), rt.field(), imm))
    }
    /// `rt = sign_extend(imm << 16)`.
    pub fn lui(&mut self, rt: Gpr, imm: u16) {
        self.emit(i_type(op::LUI, 0, rt.field(), imm))
    }

    // ---- three-register arithmetic and logic: `op rd, rs, rt` ----

    pub fn addu(&mut self, rd: Gpr, rs: Gpr, rt: Gpr) {
        self.emit(special(rs, rt, rd, 0, special::ADDU))
    }
    pub fn subu(&mut self, rd: Gpr, rs: Gpr, rt: Gpr) {
        self.emit(special(rs, rt, rd, 0, special::SUBU))
    }
    pub fn daddu(&mut self, rd: Gpr, rs: Gpr, rt: Gpr) {
        self.emit64("daddu", special(rs, rt, rd, 0, special::DADDU))
    }
    pub fn dsubu(&mut self, rd: Gpr, rs: Gpr, rt: Gpr) {
        self.emit64("dsubu", special(rs, rt, rd, 0, special::DSUBU))
    }
    pub fn and(&mut self, rd: Gpr, rs: Gpr, rt: Gpr) {
        self.emit(special(rs, rt, rd, 0, special::AND))
    }
    pub fn or(&mut self, rd: Gpr, rs: Gpr, rt: Gpr) {
        self.emit(special(rs, rt, rd, 0, special::OR))
    }
    pub fn xor(&mut self, rd: Gpr, rs: Gpr, rt: Gpr) {
        self.emit(special(rs, rt, rd, 0, special::XOR))
    }
    pub fn nor(&mut self, rd: Gpr, rs: Gpr, rt: Gpr) {
        self.emit(special(rs, rt, rd, 0, special::NOR))
    }
    pub fn slt(&mut self, rd: Gpr, rs: Gpr, rt: Gpr) {
        self.emit(special(rs, rt, rd, 0, special::SLT))
    }
    pub fn sltu(&mut self, rd: Gpr, rs: Gpr, rt: Gpr) {
        self.emit(special(rs, rt, rd, 0, special::SLTU))
    }

    /// Add a pointer-sized value: `addu` on MIPS32, `daddu` on MIPS64.
    pub fn add_word(&mut self, rd: Gpr, rs: Gpr, rt: Gpr) {
        match self.isa.word_size() {
            WordSize::W32 => self.addu(rd, rs, rt),
            WordSize::W64 => self.daddu(rd, rs, rt),
        }
    }

    /// `rd = (rs << sa) + rt`, 32-bit (R6 only), `sa` in 1..=4.
    pub fn lsa(&mut self, rd: Gpr, rs: Gpr, rt: Gpr, sa: u8) {
        self.scaled_add("lsa", special::LSA, rd, rs, rt, sa, self.isa.is_r6())
    }
    /// `rd = (rs << sa) + rt`, 64-bit (MIPS64 R6 only), `sa` in 1..=4.
    pub fn dlsa(&mut self, rd: Gpr, rs: Gpr, rt: Gpr, sa: u8) {
        self.scaled_add("dlsa", special::DLSA, rd, rs, rt, sa, self.isa.is_r6() && self.isa.is_64bit())
    }

    // ---- shifts by a constant: `op rd, rt, sa`, sa in 0..=31 ----

    pub fn sll(&mut self, rd: Gpr, rt: Gpr, sa: u8) {
        self.shift("sll", 0, special::SLL, rd, rt, sa, false)
    }
    pub fn srl(&mut self, rd: Gpr, rt: Gpr, sa: u8) {
        self.shift("srl", 0, special::SRL, rd, rt, sa, false)
    }
    pub fn sra(&mut self, rd: Gpr, rt: Gpr, sa: u8) {
        self.shift("sra", 0, special::SRA, rd, rt, sa, false)
    }
    /// Rotate right (release 2 and later; SRL with rs = 1).
    pub fn rotr(&mut self, rd: Gpr, rt: Gpr, sa: u8) {
        self.shift("rotr", 1, special::SRL, rd, rt, sa, false)
    }
    pub fn dsll(&mut self, rd: Gpr, rt: Gpr, sa: u8) {
        self.shift("dsll", 0, special::DSLL, rd, rt, sa, true)
    }
    pub fn dsrl(&mut self, rd: Gpr, rt: Gpr, sa: u8) {
        self.shift("dsrl", 0, special::DSRL, rd, rt, sa, true)
    }
    pub fn dsra(&mut self, rd: Gpr, rt: Gpr, sa: u8) {
        self.shift("dsra", 0, special::DSRA, rd, rt, sa, true)
    }
    /// Shift left by `32 + sa`.
    pub fn dsll32(&mut self, rd: Gpr, rt: Gpr, sa: u8) {
        self.shift("dsll32", 0, special::DSLL32, rd, rt, sa, true)
    }
    /// Shift right logical by `32 + sa`.
    pub fn dsrl32(&mut self, rd: Gpr, rt: Gpr, sa: u8) {
        self.shift("dsrl32", 0, special::DSRL32, rd, rt, sa, true)
    }
    /// Shift right arithmetic by `32 + sa`.
    pub fn dsra32(&mut self, rd: Gpr, rt: Gpr, sa: u8) {
        self.shift("dsra32", 0, special::DSRA32, rd, rt, sa, true)
    }

    // ---- bit fields ----

    /// `rt = (rs >> pos) & mask(size)`, with pos + size <= 32.
    pub fn ext(&mut self, rt: Gpr, rs: Gpr, pos: u8, size: u8) {
        self.bitfield("ext", special3::EXT, rt, rs, pos, size, 32, false, false)
    }
    /// Inserts the low `size` bits of rs into rt at `pos`, with pos + size <= 32.
    pub fn ins(&mut self, rt: Gpr, rs: Gpr, pos: u8, size: u8) {
        self.bitfield("ins", special3::INS, rt, rs, pos, size, 32, true, false)
    }
    /// 64-bit extract with pos < 32 and size <= 32 (the manual's DEXT form).
    pub fn dext(&mut self, rt: Gpr, rs: Gpr, pos: u8, size: u8) {
        self.bitfield("dext", special3::DEXT, rt, rs, pos, size, 63, false, true)
    }
    /// 64-bit insert with pos + size <= 32 (the manual's DINS form).
    pub fn dins(&mut self, rt: Gpr, rs: Gpr, pos: u8, size: u8) {
        self.bitfield("dins", special3::DINS, rt, rs, pos, size, 32, true, true)
    }

    // ---- coprocessor 0 ----

    pub fn mfc0(&mut self, rt: Gpr, reg: Cp0Reg) {
        self.cop0_move("mfc0", cop0::MF, rt, reg, false)
    }
    pub fn mtc0(&mut self, rt: Gpr, reg: Cp0Reg) {
        self.cop0_move("mtc0", cop0::MT, rt, reg, false)
    }
    pub fn dmfc0(&mut self, rt: Gpr, reg: Cp0Reg) {
        self.cop0_move("dmfc0", cop0::DMF, rt, reg, true)
    }
    pub fn dmtc0(&mut self, rt: Gpr, reg: Cp0Reg) {
        self.cop0_move("dmtc0", cop0::DMT, rt, reg, true)
    }
    pub fn tlbp(&mut self) {
        self.emit(r_type(op::COP0, cop0::CO, 0, 0, 0, cop0::TLBP))
    }
    pub fn tlbr(&mut self) {
        self.emit(r_type(op::COP0, cop0::CO, 0, 0, 0, cop0::TLBR))
    }
    pub fn tlbwi(&mut self) {
        self.emit(r_type(op::COP0, cop0::CO, 0, 0, 0, cop0::TLBWI))
    }
    pub fn tlbwr(&mut self) {
        self.emit(r_type(op::COP0, cop0::CO, 0, 0, 0, cop0::TLBWR))
    }
    /// Return from exception. It has no delay slot.
    pub fn eret(&mut self) {
        self.emit(r_type(op::COP0, cop0::CO, 0, 0, 0, cop0::ERET))
    }

    // ---- barriers and caches ----

    pub fn nop(&mut self) {
        self.emit(0)
    }
    /// Execution hazard barrier (`sll $0, $0, 3`).
    pub fn ehb(&mut self) {
        self.emit(special(Gpr::Zero, Gpr::Zero, Gpr::Zero, 3, special::SLL))
    }
    pub fn sync(&mut self) {
        self.emit(special(Gpr::Zero, Gpr::Zero, Gpr::Zero, 0, special::SYNC))
    }
    /// `sync stype`: a SYNC of a given kind, e.g. [`SYNC_GINV`](super::SYNC_GINV) (stype in 0..=31).
    pub fn sync_stype(&mut self, stype: u8) {
        let word = self.in_range("sync", "stype", stype as i64, 0, 31).map(|_| super::sync_word(stype));
        self.emit_result(word)
    }
    /// Global TLB invalidation (Release 6 CPUs with Config5.GI = 3).
    pub fn ginvt(&mut self, rs: Gpr, kind: super::Ginvt) {
        let word = self.require("ginvt", self.isa.is_r6()).map(|_| super::ginvt_word(rs, kind));
        self.emit_result(word)
    }

    // ---- traps into the kernel (the code field is bits 25:6) ----

    pub fn syscall(&mut self, code: u32) {
        self.trap_with_code("syscall", code, special::SYSCALL)
    }
    pub fn break_(&mut self, code: u32) {
        self.trap_with_code("break", code, special::BREAK)
    }
    fn trap_with_code(&mut self, mnemonic: &'static str, code: u32, funct: u32) {
        let word =
            self.in_range(mnemonic, "code", code as i64, 0, (1 << 20) - 1).map(|_| (code << 6) | funct);
        self.emit_result(word)
    }
    /// `cache op, offset(base)`; R6 encodes only a 9-bit offset (-256..=255).
    pub fn cache(&mut self, cache_op: u8, offset: i16, base: Gpr) {
        let word = self.in_range("cache", "op", cache_op as i64, 0, 31).and_then(|_| {
            if self.isa.is_r6() {
                self.in_range("cache", "offset", offset as i64, -256, 255)?;
                let offset9 = (offset as u32) & 0x1ff;
                Ok(r_type(op::SPECIAL3, base.field(), cache_op as u32, 0, 0, special3::CACHE_R6)
                    | (offset9 << 7))
            } else {
                Ok(i_type(op::CACHE, base.field(), cache_op as u32, offset as u16))
            }
        });
        self.emit_result(word)
    }
    /// Synchronise caches for the line at `offset(base)` (same encoding in R6).
    pub fn synci(&mut self, offset: i16, base: Gpr) {
        self.emit(i_type(op::REGIMM, base.field(), regimm::SYNCI, offset as u16))
    }

    // ---- jumps ----

    /// Jump to the address in `rs` (R6: `jalr $zero, rs`, its only form).
    pub fn jr(&mut self, rs: Gpr) {
        let funct = if self.isa.is_r6() { special::JALR } else { special::JR };
        self.emit(special(rs, Gpr::Zero, Gpr::Zero, 0, funct))
    }
    /// Jump to the address in `rs`, linking into `rd`.
    pub fn jalr(&mut self, rd: Gpr, rs: Gpr) {
        self.emit(special(rs, Gpr::Zero, rd, 0, special::JALR))
    }
    /// Jump to an absolute address in the delay slot's 256 MiB region.
    pub fn j(&mut self, target: u64) {
        self.jump(op::J, target)
    }
    /// Jump and link to an absolute address in the delay slot's 256 MiB region.
    pub fn jal(&mut self, target: u64) {
        self.jump(op::JAL, target)
    }

    // ---- branches: PC-relative, 16-bit word offset from the delay slot ----

    pub fn beq(&mut self, rs: Gpr, rt: Gpr, target: Label) {
        self.branch(i_type(op::BEQ, rs.field(), rt.field(), 0), target)
    }
    pub fn bne(&mut self, rs: Gpr, rt: Gpr, target: Label) {
        self.branch(i_type(op::BNE, rs.field(), rt.field(), 0), target)
    }
    pub fn beqz(&mut self, rs: Gpr, target: Label) {
        self.beq(rs, Gpr::Zero, target)
    }
    pub fn bnez(&mut self, rs: Gpr, target: Label) {
        self.bne(rs, Gpr::Zero, target)
    }
    /// Unconditional branch: `beq $zero, $zero`.
    pub fn b(&mut self, target: Label) {
        self.beq(Gpr::Zero, Gpr::Zero, target)
    }
    /// Branch if rs <= 0 (rt = 0 keeps the delay-slot form in R6).
    pub fn blez(&mut self, rs: Gpr, target: Label) {
        self.branch(i_type(op::BLEZ, rs.field(), 0, 0), target)
    }
    /// Branch if rs > 0 (rt = 0 keeps the delay-slot form in R6).
    pub fn bgtz(&mut self, rs: Gpr, target: Label) {
        self.branch(i_type(op::BGTZ, rs.field(), 0, 0), target)
    }
    pub fn bltz(&mut self, rs: Gpr, target: Label) {
        self.branch(i_type(op::REGIMM, rs.field(), regimm::BLTZ, 0), target)
    }
    pub fn bgez(&mut self, rs: Gpr, target: Label) {
        self.branch(i_type(op::REGIMM, rs.field(), regimm::BGEZ, 0), target)
    }

    // ---- plumbing ----

    fn emit(&mut self, word: u32) {
        self.words.push(word);
    }

    /// Emits `word`, or on error records it and emits a placeholder so
    /// later word indices stay where the caller expects them.
    fn emit_result(&mut self, word: Result<u32, AsmError>) {
        match word {
            Ok(word) => self.emit(word),
            Err(error) => {
                self.fail(error);
                self.emit(0);
            }
        }
    }

    fn fail(&mut self, error: AsmError) {
        self.error.get_or_insert(error);
    }

    fn emit64(&mut self, mnemonic: &'static str, word: u32) {
        let word = self.require(mnemonic, self.isa.is_64bit()).map(|_| word);
        self.emit_result(word)
    }

    fn require(&self, mnemonic: &'static str, present: bool) -> Result<(), AsmError> {
        if present {
            Ok(())
        } else {
            Err(AsmError::NotInIsa { mnemonic, isa: self.isa })
        }
    }

    fn in_range(
        &self,
        mnemonic: &'static str,
        operand: &'static str,
        value: i64,
        min: i64,
        max: i64,
    ) -> Result<u32, AsmError> {
        if (min..=max).contains(&value) {
            Ok(value as u32)
        } else {
            Err(AsmError::ImmediateOutOfRange { mnemonic, operand, value, min, max })
        }
    }

    fn mem(&mut self, opcode: u32, rt: Gpr, offset: i16, base: Gpr) {
        self.emit(i_type(opcode, base.field(), rt.field(), offset as u16))
    }

    fn mem64(&mut self, mnemonic: &'static str, opcode: u32, rt: Gpr, offset: i16, base: Gpr) {
        self.emit64(mnemonic, i_type(opcode, base.field(), rt.field(), offset as u16))
    }

    #[allow(clippy::too_many_arguments)]
    fn shift(&mut self, mnemonic: &'static str, rs: u32, funct: u32, rd: Gpr, rt: Gpr, sa: u8, is64: bool) {
        let word = self.require(mnemonic, !is64 || self.isa.is_64bit()).and_then(|_| {
            let sa = self.in_range(mnemonic, "shift", sa as i64, 0, 31)?;
            Ok(r_type(op::SPECIAL, rs, rt.field(), rd.field(), sa, funct))
        });
        self.emit_result(word)
    }

    #[allow(clippy::too_many_arguments)]
    fn scaled_add(
        &mut self,
        mnemonic: &'static str,
        funct: u32,
        rd: Gpr,
        rs: Gpr,
        rt: Gpr,
        sa: u8,
        present: bool,
    ) {
        let word = self.require(mnemonic, present).and_then(|_| {
            let sa = self.in_range(mnemonic, "shift", sa as i64, 1, 4)?;
            Ok(special(rs, rt, rd, sa - 1, funct))
        });
        self.emit_result(word)
    }

    /// EXT-style fields: lsb = pos, and msbd = size - 1 (extract) or
    /// msb = pos + size - 1 (insert); `max_end` bounds pos + size.
    #[allow(clippy::too_many_arguments)]
    fn bitfield(
        &mut self,
        mnemonic: &'static str,
        funct: u32,
        rt: Gpr,
        rs: Gpr,
        pos: u8,
        size: u8,
        max_end: i64,
        insert: bool,
        is64: bool,
    ) {
        let word = self.require(mnemonic, !is64 || self.isa.is_64bit()).and_then(|_| {
            let pos = self.in_range(mnemonic, "pos", pos as i64, 0, 31)?;
            let size = self.in_range(mnemonic, "size", size as i64, 1, 32)?;
            self.in_range(mnemonic, "pos+size", (pos + size) as i64, 1, max_end)?;
            let high = if insert { pos + size - 1 } else { size - 1 };
            Ok(r_type(op::SPECIAL3, rs.field(), rt.field(), high, pos, funct))
        });
        self.emit_result(word)
    }

    fn cop0_move(&mut self, mnemonic: &'static str, direction: u32, rt: Gpr, reg: Cp0Reg, is64: bool) {
        let word = self.require(mnemonic, !is64 || self.isa.is_64bit()).and_then(|_| {
            let rd = self.in_range(mnemonic, "cp0 register", reg.reg as i64, 0, 31)?;
            let sel = self.in_range(mnemonic, "select", reg.sel as i64, 0, 7)?;
            Ok(r_type(op::COP0, direction, rt.field(), rd, 0, sel))
        });
        self.emit_result(word)
    }

    fn branch(&mut self, word: u32, target: Label) {
        self.branches.push((self.words.len(), target));
        self.emit(word)
    }

    fn jump(&mut self, opcode: u32, target: u64) {
        let at = self.words.len();
        let word = match self.origin {
            None => Err(AsmError::JumpWithoutOrigin { at }),
            Some(origin) => {
                let delay_slot = origin.wrapping_add(4 * (at as u64 + 1));
                // The target keeps the delay slot's bits above 28 (the region);
                // a MIPS32 address is compared on its low 32 bits.
                let address_bits = if self.isa.is_64bit() { u64::MAX } else { u32::MAX as u64 };
                let region = !0x0fff_ffffu64 & address_bits;
                if target & 3 != 0 {
                    Err(AsmError::MisalignedJumpTarget { at, target })
                } else if (delay_slot & region) != (target & region) || !fits_address(target, self.isa) {
                    Err(AsmError::JumpOutOfRegion { at, target })
                } else {
                    Ok(j_type(opcode, (target >> 2) as u32))
                }
            }
        };
        self.emit_result(word)
    }
}

/// A MIPS32 address is 32 bits, written either plainly or sign-extended.
fn fits_address(address: u64, isa: Isa) -> bool {
    isa.is_64bit() || address <= u32::MAX as u64 || address == address as i32 as i64 as u64
}
