//! The decoded instruction: what the monitor emulates, typed by operand shape.

use super::gpr::Gpr;
use super::mem::MemAccess;
use crate::cp0::Cp0Reg;

/// A decoded guest instruction. Anything the monitor never has to emulate or
/// resolve (integer arithmetic, FPU arithmetic, ...) is [`Insn::Unknown`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Insn {
    /// A coprocessor 0 instruction a 32-bit guest may execute.
    Cop0(Cop0Insn),
    /// CACHE op, offset(base).
    Cache { op: CacheOp, base: Gpr, offset: i16 },
    /// PREF hint, offset(base): never traps, decoded for display.
    Pref { hint: u8, base: Gpr, offset: i16 },
    /// SYNCI offset(base).
    Synci { base: Gpr, offset: i16 },
    /// SYNC stype.
    Sync { stype: u8 },
    /// RDHWR rt, hwr, sel (sel exists from Release 6 on; 0 before).
    Rdhwr { rt: Gpr, hwr: u8, sel: u8 },
    /// SYSCALL with its 20-bit code field.
    Syscall { code: u32 },
    /// BREAK with its 20-bit code field.
    Break { code: u32 },
    /// SDBBP (EJTAG software breakpoint) with its 20-bit code field.
    Sdbbp { code: u32 },
    /// TEQ/TNE/TGE/TGEU/TLT/TLTU rs, rt, with the 10-bit code field.
    Trap { cond: TrapCond, rs: Gpr, rt: Gpr, code: u16 },
    /// TEQI/TNEI/TGEI/TGEIU/TLTI/TLTIU rs, imm (removed in Release 6).
    TrapImm { cond: TrapCond, rs: Gpr, imm: i16 },
    /// A load or store a 32-bit guest may execute.
    Mem(MemAccess),
    /// Every branch and jump.
    Branch(Branch),
    /// A MIPS64-only instruction: Reserved Instruction for a 32-bit guest.
    Mips64(Mips64Insn),
    /// Not decoded: reserved in this ISA, malformed, or of no interest to the monitor.
    Unknown(u32),
}

impl Insn {
    /// The branch, if this is one.
    pub fn as_branch(&self) -> Option<&Branch> {
        match self {
            Insn::Branch(branch) => Some(branch),
            _ => None,
        }
    }
}

/// Coprocessor 0 instructions (all raise Coprocessor Unusable in user mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cop0Insn {
    Mfc0 {
        rt: Gpr,
        reg: Cp0Reg,
    },
    Mtc0 {
        rt: Gpr,
        reg: Cp0Reg,
    },
    /// Move from the high word of a 64-bit CP0 register (XPA, Release 5).
    Mfhc0 {
        rt: Gpr,
        reg: Cp0Reg,
    },
    /// Move to the high word of a 64-bit CP0 register (XPA, Release 5).
    Mthc0 {
        rt: Gpr,
        reg: Cp0Reg,
    },
    Tlbr,
    Tlbwi,
    Tlbwr,
    Tlbp,
    /// TLB invalidate (Release 3+, present when Config4.IE says so).
    Tlbinv,
    /// TLB invalidate flush (Release 3+).
    Tlbinvf,
    Eret,
    /// ERET that leaves LLbit alone (Release 5+).
    Eretnc,
    Deret,
    /// WAIT with its implementation-defined 19-bit code.
    Wait {
        code: u32,
    },
    /// DI rt: rt receives the old Status.
    Di {
        rt: Gpr,
    },
    /// EI rt: rt receives the old Status.
    Ei {
        rt: Gpr,
    },
    /// Disable virtual processors (Release 6).
    Dvp {
        rt: Gpr,
    },
    /// Enable virtual processors (Release 6).
    Evp {
        rt: Gpr,
    },
    /// RDPGPR rd, rt: read rt of the previous shadow register set.
    Rdpgpr {
        rd: Gpr,
        rt: Gpr,
    },
    /// WRPGPR rd, rt: write rd of the previous shadow register set.
    Wrpgpr {
        rd: Gpr,
        rt: Gpr,
    },
}

/// Instructions that exist only on MIPS64; a 32-bit guest gets a Reserved
/// Instruction exception for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mips64Insn {
    Dmfc0 { rt: Gpr, reg: Cp0Reg },
    Dmtc0 { rt: Gpr, reg: Cp0Reg },
    Mem { op: Mips64MemOp, rt: Gpr, base: Gpr, offset: i16 },
}

/// 64-bit loads and stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mips64MemOp {
    Ld,
    Sd,
    Lwu,
    Ldl,
    Ldr,
    Sdl,
    Sdr,
    Lld,
    Scd,
}

impl Mips64MemOp {
    pub const fn mnemonic(self) -> &'static str {
        match self {
            Mips64MemOp::Ld => "ld",
            Mips64MemOp::Sd => "sd",
            Mips64MemOp::Lwu => "lwu",
            Mips64MemOp::Ldl => "ldl",
            Mips64MemOp::Ldr => "ldr",
            Mips64MemOp::Sdl => "sdl",
            Mips64MemOp::Sdr => "sdr",
            Mips64MemOp::Lld => "lld",
            Mips64MemOp::Scd => "scd",
        }
    }
}

/// Hardware register numbers RDHWR reads (MD00086, RDHWR).
pub mod hwr {
    pub const CPU_NUM: u8 = 0;
    pub const SYNCI_STEP: u8 = 1;
    pub const CC: u8 = 2;
    pub const CC_RES: u8 = 3;
    /// Performance counter pair (Release 6).
    pub const PERF_CTR: u8 = 4;
    /// XNP: extended LL/SC pair support (Release 6).
    pub const XNP: u8 = 5;
    /// UserLocal, the TLS pointer.
    pub const ULR: u8 = 29;
}

/// The comparison of a trap instruction: trap when `rs <cond> rt` (or imm).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrapCond {
    Eq,
    Ne,
    Ge,
    GeUnsigned,
    Lt,
    LtUnsigned,
}

impl TrapCond {
    /// Whether the trap fires for these operand values.
    pub const fn holds(self, rs: u32, rt: u32) -> bool {
        match self {
            TrapCond::Eq => rs == rt,
            TrapCond::Ne => rs != rt,
            TrapCond::Ge => rs as i32 >= rt as i32,
            TrapCond::GeUnsigned => rs >= rt,
            TrapCond::Lt => (rs as i32) < rt as i32,
            TrapCond::LtUnsigned => rs < rt,
        }
    }

    /// The register form's mnemonic.
    pub const fn mnemonic(self) -> &'static str {
        match self {
            TrapCond::Eq => "teq",
            TrapCond::Ne => "tne",
            TrapCond::Ge => "tge",
            TrapCond::GeUnsigned => "tgeu",
            TrapCond::Lt => "tlt",
            TrapCond::LtUnsigned => "tltu",
        }
    }

    /// The immediate form's mnemonic.
    pub const fn immediate_mnemonic(self) -> &'static str {
        match self {
            TrapCond::Eq => "teqi",
            TrapCond::Ne => "tnei",
            TrapCond::Ge => "tgei",
            TrapCond::GeUnsigned => "tgeiu",
            TrapCond::Lt => "tlti",
            TrapCond::LtUnsigned => "tltiu",
        }
    }
}

/// The 5-bit CACHE op field: `op[1:0]` selects the cache, `op[4:2]` the operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CacheOp(u8);

/// Which cache a CACHE instruction addresses (`op[1:0]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CacheTarget {
    PrimaryInstruction,
    /// Primary data or unified primary.
    PrimaryData,
    Tertiary,
    Secondary,
}

/// What a CACHE instruction does (`op[4:2]`), resolved by target where the
/// manual gives one code two meanings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CacheOperation {
    /// 0b000 on the instruction cache.
    IndexInvalidate,
    /// 0b000 on data, secondary and tertiary caches.
    IndexWritebackInvalidate,
    IndexLoadTag,
    IndexStoreTag,
    /// 0b011: implementation dependent.
    ImplementationDependent,
    HitInvalidate,
    /// 0b101 on the instruction cache.
    Fill,
    /// 0b101 on data, secondary and tertiary caches.
    HitWritebackInvalidate,
    /// 0b110 on data, secondary and tertiary caches.
    HitWriteback,
    FetchAndLock,
    /// 0b110 on the instruction cache: not defined.
    Reserved,
}

impl CacheOp {
    /// The op field; only the low five bits are kept.
    pub const fn from_field(field: u32) -> CacheOp {
        CacheOp((field & 0x1f) as u8)
    }

    pub const fn bits(self) -> u8 {
        self.0
    }

    pub const fn target(self) -> CacheTarget {
        match self.0 & 0b11 {
            0 => CacheTarget::PrimaryInstruction,
            1 => CacheTarget::PrimaryData,
            2 => CacheTarget::Tertiary,
            _ => CacheTarget::Secondary,
        }
    }

    /// The operation, per the CACHE instruction's operation table (MD00086).
    pub const fn operation(self) -> CacheOperation {
        let icache = matches!(self.target(), CacheTarget::PrimaryInstruction);
        match self.0 >> 2 {
            0b000 if icache => CacheOperation::IndexInvalidate,
            0b000 => CacheOperation::IndexWritebackInvalidate,
            0b001 => CacheOperation::IndexLoadTag,
            0b010 => CacheOperation::IndexStoreTag,
            0b011 => CacheOperation::ImplementationDependent,
            0b100 => CacheOperation::HitInvalidate,
            0b101 if icache => CacheOperation::Fill,
            0b101 => CacheOperation::HitWritebackInvalidate,
            0b110 if icache => CacheOperation::Reserved,
            0b110 => CacheOperation::HitWriteback,
            _ => CacheOperation::FetchAndLock,
        }
    }

    /// Index operations name a cache line by index and way, not by address
    /// (`op[4:2] < 0b100`); hit operations act on the line holding the address.
    pub const fn is_index_op(self) -> bool {
        self.0 >> 2 < 0b100
    }
}

/// How a branch treats the instruction after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// A delay slot, always executed.
    Delay,
    /// A branch-likely delay slot: executed only when the branch is taken.
    LikelyDelay,
    /// A Release 6 compact branch: no delay slot.
    Compact,
}

/// Every branch and jump, grouped by how its target and condition are formed.
///
/// `offset` fields are byte offsets already shifted and sign-extended; a
/// PC-relative target is `pc + 4 + offset` (MD00086: "added to the address
/// of the instruction following the branch").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Branch {
    /// Compares two registers: BEQ BNE BEQL BNEL and the Release 6 compact
    /// BEQC BNEC BGEC BLTC BGEUC BLTUC BOVC BNVC.
    Compare { op: CompareOp, rs: Gpr, rt: Gpr, offset: i32 },
    /// Compares one register with zero: BLTZ BGEZ BLEZ BGTZ, their likely and
    /// and-link forms, NAL, and the Release 6 compact zero forms.
    Zero { op: ZeroOp, reg: Gpr, offset: i32 },
    /// J / JAL: `index` is the 26-bit field; the target keeps the top four
    /// bits of the delay slot's address.
    Jump { link: bool, index: u32 },
    /// JR / JALR (and .HB): `link` is JALR's rd (`None` for JR; `Some(Zero)`
    /// is a pre-R6 JALR whose link is discarded).
    Register { rs: Gpr, link: Option<Gpr>, hazard_barrier: bool },
    /// Release 6 JIC / JIALC: target `GPR[rt] + offset`, no delay slot.
    Indexed { rt: Gpr, offset: i16, link: bool },
    /// Release 6 BC / BALC: unconditional, 26-bit offset, no delay slot.
    Compact { link: bool, offset: i32 },
    /// Pre-R6 BC1F BC1T BC1FL BC1TL: branch when FCSR condition code `cc`
    /// equals `on_true`.
    FpCondition { cc: u8, on_true: bool, likely: bool, offset: i32 },
    /// Release 6 BC1EQZ / BC1NEZ: branch on bit 0 of FPR `ft`.
    FpRegister { ft: u8, on_nonzero: bool, offset: i32 },
}

impl Branch {
    pub const fn slot(&self) -> Slot {
        match self {
            Branch::Compare { op, .. } => op.slot(),
            Branch::Zero { op, .. } => op.slot(),
            Branch::Jump { .. } | Branch::Register { .. } | Branch::FpRegister { .. } => Slot::Delay,
            Branch::FpCondition { likely: true, .. } => Slot::LikelyDelay,
            Branch::FpCondition { likely: false, .. } => Slot::Delay,
            Branch::Indexed { .. } | Branch::Compact { .. } => Slot::Compact,
        }
    }

    pub const fn has_delay_slot(&self) -> bool {
        !matches!(self.slot(), Slot::Compact)
    }

    /// Release 6 conditional compact branches: the next instruction is a
    /// forbidden slot, run only when the branch is not taken (BC, BALC, JIC
    /// and JIALC always transfer, so nothing follows them).
    pub const fn has_forbidden_slot(&self) -> bool {
        matches!(self, Branch::Compare { .. } | Branch::Zero { .. }) && matches!(self.slot(), Slot::Compact)
    }
}

/// Two-register compare branches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Beq,
    Bne,
    Beql,
    Bnel,
    Beqc,
    Bnec,
    /// Signed `rs >= rt`.
    Bgec,
    /// Signed `rs < rt`.
    Bltc,
    Bgeuc,
    Bltuc,
    /// Branch when the signed 32-bit sum `rs + rt` overflows.
    Bovc,
    /// Branch when it does not.
    Bnvc,
}

impl CompareOp {
    pub const fn slot(self) -> Slot {
        match self {
            CompareOp::Beq | CompareOp::Bne => Slot::Delay,
            CompareOp::Beql | CompareOp::Bnel => Slot::LikelyDelay,
            _ => Slot::Compact,
        }
    }

    pub const fn mnemonic(self) -> &'static str {
        match self {
            CompareOp::Beq => "beq",
            CompareOp::Bne => "bne",
            CompareOp::Beql => "beql",
            CompareOp::Bnel => "bnel",
            CompareOp::Beqc => "beqc",
            CompareOp::Bnec => "bnec",
            CompareOp::Bgec => "bgec",
            CompareOp::Bltc => "bltc",
            CompareOp::Bgeuc => "bgeuc",
            CompareOp::Bltuc => "bltuc",
            CompareOp::Bovc => "bovc",
            CompareOp::Bnvc => "bnvc",
        }
    }

    /// Whether the branch is taken for these operand values.
    pub const fn holds(self, rs: u32, rt: u32) -> bool {
        match self {
            CompareOp::Beq | CompareOp::Beql | CompareOp::Beqc => rs == rt,
            CompareOp::Bne | CompareOp::Bnel | CompareOp::Bnec => rs != rt,
            CompareOp::Bgec => rs as i32 >= rt as i32,
            CompareOp::Bltc => (rs as i32) < rt as i32,
            CompareOp::Bgeuc => rs >= rt,
            CompareOp::Bltuc => rs < rt,
            CompareOp::Bovc => (rs as i32).checked_add(rt as i32).is_none(),
            CompareOp::Bnvc => (rs as i32).checked_add(rt as i32).is_some(),
        }
    }
}

/// What a compare-with-zero branch tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZeroTest {
    Lt,
    Ge,
    Le,
    Gt,
    Eq,
    Ne,
    /// NAL: links, never branches.
    Never,
}

impl ZeroTest {
    pub const fn holds(self, value: u32) -> bool {
        let v = value as i32;
        match self {
            ZeroTest::Lt => v < 0,
            ZeroTest::Ge => v >= 0,
            ZeroTest::Le => v <= 0,
            ZeroTest::Gt => v > 0,
            ZeroTest::Eq => v == 0,
            ZeroTest::Ne => v != 0,
            ZeroTest::Never => false,
        }
    }
}

/// Compare-with-zero branches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZeroOp {
    Bltz,
    Bgez,
    Blez,
    Bgtz,
    Bltzl,
    Bgezl,
    Blezl,
    Bgtzl,
    Bltzal,
    Bgezal,
    Bltzall,
    Bgezall,
    /// Release 6 NAL (BLTZAL with rs = 0): writes the link, never branches.
    Nal,
    Beqzc,
    Bnezc,
    Blezc,
    Bgezc,
    Bgtzc,
    Bltzc,
    Beqzalc,
    Bnezalc,
    Blezalc,
    Bgezalc,
    Bgtzalc,
    Bltzalc,
}

impl ZeroOp {
    pub const fn test(self) -> ZeroTest {
        use ZeroOp::*;
        match self {
            Bltz | Bltzl | Bltzal | Bltzall | Bltzc | Bltzalc => ZeroTest::Lt,
            Bgez | Bgezl | Bgezal | Bgezall | Bgezc | Bgezalc => ZeroTest::Ge,
            Blez | Blezl | Blezc | Blezalc => ZeroTest::Le,
            Bgtz | Bgtzl | Bgtzc | Bgtzalc => ZeroTest::Gt,
            Beqzc | Beqzalc => ZeroTest::Eq,
            Bnezc | Bnezalc => ZeroTest::Ne,
            Nal => ZeroTest::Never,
        }
    }

    pub const fn slot(self) -> Slot {
        use ZeroOp::*;
        match self {
            Bltz | Bgez | Blez | Bgtz | Bltzal | Bgezal | Nal => Slot::Delay,
            Bltzl | Bgezl | Blezl | Bgtzl | Bltzall | Bgezall => Slot::LikelyDelay,
            _ => Slot::Compact,
        }
    }

    /// Whether the branch writes a return address to `ra`.
    pub const fn links(self) -> bool {
        use ZeroOp::*;
        matches!(
            self,
            Bltzal
                | Bgezal
                | Bltzall
                | Bgezall
                | Nal
                | Beqzalc
                | Bnezalc
                | Blezalc
                | Bgezalc
                | Bgtzalc
                | Bltzalc
        )
    }

    pub const fn mnemonic(self) -> &'static str {
        use ZeroOp::*;
        match self {
            Bltz => "bltz",
            Bgez => "bgez",
            Blez => "blez",
            Bgtz => "bgtz",
            Bltzl => "bltzl",
            Bgezl => "bgezl",
            Blezl => "blezl",
            Bgtzl => "bgtzl",
            Bltzal => "bltzal",
            Bgezal => "bgezal",
            Bltzall => "bltzall",
            Bgezall => "bgezall",
            Nal => "nal",
            Beqzc => "beqzc",
            Bnezc => "bnezc",
            Blezc => "blezc",
            Bgezc => "bgezc",
            Bgtzc => "bgtzc",
            Bltzc => "bltzc",
            Beqzalc => "beqzalc",
            Bnezalc => "bnezalc",
            Blezalc => "blezalc",
            Bgezalc => "bgezalc",
            Bgtzalc => "bgtzalc",
            Bltzalc => "bltzalc",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CACHE op field from its operation (op[4:2]) and target (op[1:0]).
    fn op(operation: u32, target: u32) -> CacheOp {
        CacheOp::from_field((operation << 2) | target)
    }

    #[test]
    fn cache_op_fields_follow_the_cache_instruction_table() {
        // MD00086 CACHE: op[1:0] 0=I, 1=D; op[4:2] 0b000 index (writeback)
        // invalidate, 0b101 fill (I) / hit writeback invalidate (D).
        let index_wb_inv_d = op(0b000, 0b01);
        assert_eq!(index_wb_inv_d.target(), CacheTarget::PrimaryData);
        assert_eq!(index_wb_inv_d.operation(), CacheOperation::IndexWritebackInvalidate);
        assert!(index_wb_inv_d.is_index_op());
        let hit_wb_inv_d = CacheOp::from_field(0x15);
        assert_eq!(hit_wb_inv_d.operation(), CacheOperation::HitWritebackInvalidate);
        assert!(!hit_wb_inv_d.is_index_op());
        assert_eq!(op(0b101, 0b00).operation(), CacheOperation::Fill);
        assert_eq!(op(0b000, 0b00).operation(), CacheOperation::IndexInvalidate);
        assert_eq!(op(0b100, 0b00).operation(), CacheOperation::HitInvalidate);
        assert_eq!(op(0b000, 0b11).target(), CacheTarget::Secondary);
        assert_eq!(op(0b000, 0b10).target(), CacheTarget::Tertiary);
    }

    #[test]
    fn trap_conditions_compare_signed_and_unsigned_as_named() {
        // MD00086 TGE: signed compare; TGEU: unsigned. -1 vs 1 tells them apart.
        let minus_one = (-1i32) as u32;
        assert!(!TrapCond::Ge.holds(minus_one, 1));
        assert!(TrapCond::GeUnsigned.holds(minus_one, 1));
        assert!(TrapCond::Lt.holds(minus_one, 1));
        assert!(!TrapCond::LtUnsigned.holds(minus_one, 1));
        assert!(TrapCond::Eq.holds(5, 5) && !TrapCond::Ne.holds(5, 5));
    }
}
