//! Typed CP0 register fields (MIPS32/MIPS64 Privileged Resource Architecture).
//!
//! Single-bit fields are `bitflags`; multi-bit fields are accessor methods
//! on the same type. Every type keeps bits it does not name
//! (`from_bits_retain`), so a raw register value round-trips unchanged.

use bitflags::bitflags;

/// Extracts `width` bits of `value` starting at bit `low`.
pub const fn field(value: u32, low: u32, width: u32) -> u32 {
    (value >> low) & ((1u32 << width) - 1)
}

bitflags! {
    /// Status (CP0 12, 0).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Status: u32 {
        const IE = 1 << 0;
        const EXL = 1 << 1;
        const ERL = 1 << 2;
        /// KSU low bit: supervisor mode.
        const SM = 1 << 3;
        /// KSU high bit: user mode.
        const UM = 1 << 4;
        const UX = 1 << 5;
        const SX = 1 << 6;
        const KX = 1 << 7;
        const NMI = 1 << 19;
        const SR = 1 << 20;
        const TS = 1 << 21;
        const BEV = 1 << 22;
        const PX = 1 << 23;
        const MX = 1 << 24;
        const RE = 1 << 25;
        const FR = 1 << 26;
        const RP = 1 << 27;
        const CU0 = 1 << 28;
        const CU1 = 1 << 29;
        const CU2 = 1 << 30;
        const CU3 = 1 << 31;
        const _ = !0;
    }
}

/// Status.KSU: the privilege level the CPU runs at when EXL and ERL are clear.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ksu {
    Kernel,
    Supervisor,
    User,
    Reserved,
}

impl Status {
    pub const IM_SHIFT: u32 = 8;

    /// Interrupt mask IM7..IM0.
    pub const fn im(self) -> u8 {
        field(self.bits(), Self::IM_SHIFT, 8) as u8
    }

    pub const fn with_im(self, im: u8) -> Self {
        Self::from_bits_retain((self.bits() & !(0xff << Self::IM_SHIFT)) | ((im as u32) << Self::IM_SHIFT))
    }

    pub const fn ksu(self) -> Ksu {
        match field(self.bits(), 3, 2) {
            0 => Ksu::Kernel,
            1 => Ksu::Supervisor,
            2 => Ksu::User,
            _ => Ksu::Reserved,
        }
    }
}

bitflags! {
    /// Cause (CP0 13, 0).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Cause: u32 {
        const WP = 1 << 22;
        /// Interrupts use the special vector at offset 0x200.
        const IV = 1 << 23;
        const PCI = 1 << 26;
        /// Count is stopped.
        const DC = 1 << 27;
        const TI = 1 << 30;
        /// The exception hit an instruction in a branch delay slot.
        const BD = 1 << 31;
        const _ = !0;
    }
}

impl Cause {
    pub const IP_SHIFT: u32 = 8;

    pub const fn exc_code(self) -> ExcCode {
        ExcCode::from_code(field(self.bits(), 2, 5) as u8)
    }

    /// Pending interrupts IP7..IP0.
    pub const fn ip(self) -> u8 {
        field(self.bits(), Self::IP_SHIFT, 8) as u8
    }

    /// Coprocessor number of a Coprocessor Unusable exception.
    pub const fn ce(self) -> u8 {
        field(self.bits(), 28, 2) as u8
    }

    pub const fn with_exc_code(self, code: ExcCode) -> Self {
        Self::from_bits_retain((self.bits() & !(0x1f << 2)) | ((code.code() as u32) << 2))
    }
}

macro_rules! exc_codes {
    ($($name:ident = $code:expr, $text:expr;)*) => {
        /// Cause.ExcCode values.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ExcCode {
            $($name,)*
            Reserved(u8),
        }

        impl ExcCode {
            pub const fn from_code(code: u8) -> Self {
                match code {
                    $($code => ExcCode::$name,)*
                    other => ExcCode::Reserved(other),
                }
            }

            pub const fn code(self) -> u8 {
                match self {
                    $(ExcCode::$name => $code,)*
                    ExcCode::Reserved(other) => other,
                }
            }

            /// The manual's mnemonic and meaning, for register dumps.
            pub const fn describe(self) -> &'static str {
                match self {
                    $(ExcCode::$name => $text,)*
                    ExcCode::Reserved(_) => "reserved exception code",
                }
            }
        }
    };
}

exc_codes! {
    Int = 0, "Int (interrupt)";
    Mod = 1, "Mod (TLB modified)";
    TlbL = 2, "TLBL (TLB miss or invalid on load or fetch)";
    TlbS = 3, "TLBS (TLB miss or invalid on store)";
    AdEL = 4, "AdEL (address error on load or fetch)";
    AdES = 5, "AdES (address error on store)";
    Ibe = 6, "IBE (bus error on fetch)";
    Dbe = 7, "DBE (bus error on data)";
    Sys = 8, "Sys (syscall)";
    Bp = 9, "Bp (breakpoint)";
    Ri = 10, "RI (reserved instruction)";
    CpU = 11, "CpU (coprocessor unusable)";
    Ov = 12, "Ov (arithmetic overflow)";
    Tr = 13, "Tr (trap)";
    Msafpe = 14, "MSAFPE (MSA floating point)";
    Fpe = 15, "FPE (floating point)";
    TlbRi = 19, "TLBRI (TLB read inhibit)";
    TlbXi = 20, "TLBXI (TLB execute inhibit)";
    MsaDis = 21, "MSADis (MSA disabled)";
    Mdmx = 22, "MDMX";
    Watch = 23, "WATCH";
    Mcheck = 24, "MCheck (machine check)";
    Thread = 25, "Thread";
    DspDis = 26, "DSPDis (DSP disabled)";
    Gexc = 27, "GE (guest exit)";
    CacheErr = 30, "CacheErr (cache error)";
}

/// PRId (CP0 15, 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrId(pub u32);

impl PrId {
    pub const COMPANY_MIPS: u8 = 0x01;

    pub const fn company_options(self) -> u8 {
        field(self.0, 24, 8) as u8
    }
    pub const fn company(self) -> u8 {
        field(self.0, 16, 8) as u8
    }
    pub const fn implementation(self) -> u8 {
        field(self.0, 8, 8) as u8
    }
    pub const fn revision(self) -> u8 {
        field(self.0, 0, 8) as u8
    }
}

bitflags! {
    /// Config (CP0 16, 0).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Config0: u32 {
        /// Virtual instruction cache (Config.VI).
        const VI = 1 << 3;
        /// Big-endian (Config.BE).
        const BE = 1 << 15;
        /// Config1 is implemented.
        const M = 1 << 31;
        const _ = !0;
    }
}

/// Config.AT: which architecture the CPU implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchType {
    Mips32,
    /// MIPS64 with access only to 32-bit compatibility segments.
    Mips64Compat32,
    Mips64,
    Reserved,
}

/// Config.MT: the kind of MMU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MmuType {
    None,
    StandardTlb,
    Bat,
    FixedMapping,
    DualVtlbFtlb,
    Other(u8),
}

/// Cacheability attribute codes used in Config.K0 and EntryLo.C.
pub mod cca {
    pub const UNCACHED: u8 = 2;
    pub const CACHEABLE_NONCOHERENT_WB: u8 = 3;
}

impl Config0 {
    /// Config.K0: KSEG0 cacheability.
    pub const fn k0(self) -> u8 {
        field(self.bits(), 0, 3) as u8
    }

    pub const fn with_k0(self, cca: u8) -> Self {
        Self::from_bits_retain((self.bits() & !0x7) | (cca as u32 & 0x7))
    }

    pub const fn mmu_type(self) -> MmuType {
        match field(self.bits(), 7, 3) {
            0 => MmuType::None,
            1 => MmuType::StandardTlb,
            2 => MmuType::Bat,
            3 => MmuType::FixedMapping,
            4 => MmuType::DualVtlbFtlb,
            other => MmuType::Other(other as u8),
        }
    }

    /// Config.AR: 0 = Release 1, 1 = Release 2 to 5, 2 = Release 6.
    pub const fn arch_revision(self) -> u8 {
        field(self.bits(), 10, 3) as u8
    }

    pub const fn arch_type(self) -> ArchType {
        match field(self.bits(), 13, 2) {
            0 => ArchType::Mips32,
            1 => ArchType::Mips64Compat32,
            2 => ArchType::Mips64,
            _ => ArchType::Reserved,
        }
    }
}

bitflags! {
    /// Config1 (CP0 16, 1).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Config1: u32 {
        /// FPU implemented.
        const FP = 1 << 0;
        const EP = 1 << 1;
        const CA = 1 << 2;
        const WR = 1 << 3;
        const PC = 1 << 4;
        const MD = 1 << 5;
        const C2 = 1 << 6;
        const M = 1 << 31;
        const _ = !0;
    }
}

/// One cache level's geometry as Config1 (L1) describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheGeometry {
    pub sets: u32,
    pub line_bytes: u32,
    pub ways: u32,
}

impl CacheGeometry {
    /// Decodes the (S, L, A) triple of Config1: sets 64 << S (S = 7 means 32),
    /// line 2 << L bytes (L = 0 means no cache), A + 1 ways.
    pub const fn from_sla(s: u32, l: u32, a: u32) -> Option<Self> {
        if l == 0 {
            return None;
        }
        let sets = if s == 7 { 32 } else { 64 << s };
        Some(CacheGeometry { sets, line_bytes: 2 << l, ways: a + 1 })
    }

    pub const fn size_bytes(self) -> u32 {
        self.sets * self.line_bytes * self.ways
    }
}

impl Config1 {
    /// Config1.MMUSize-1 plus one: TLB entries before any Config4 extension.
    pub const fn mmu_size(self) -> u32 {
        field(self.bits(), 25, 6) + 1
    }

    pub const fn icache(self) -> Option<CacheGeometry> {
        CacheGeometry::from_sla(
            field(self.bits(), 22, 3),
            field(self.bits(), 19, 3),
            field(self.bits(), 16, 3),
        )
    }

    pub const fn dcache(self) -> Option<CacheGeometry> {
        CacheGeometry::from_sla(
            field(self.bits(), 13, 3),
            field(self.bits(), 10, 3),
            field(self.bits(), 7, 3),
        )
    }
}

bitflags! {
    /// Config2 (CP0 16, 2); only the continuation bit is named.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Config2: u32 {
        const M = 1 << 31;
        const _ = !0;
    }
}

bitflags! {
    /// Config3 (CP0 16, 3).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Config3: u32 {
        const TL = 1 << 0;
        const SM = 1 << 1;
        const MT = 1 << 2;
        const CDMM = 1 << 3;
        const SP = 1 << 4;
        const VINT = 1 << 5;
        const VEIC = 1 << 6;
        const LPA = 1 << 7;
        const ITL = 1 << 8;
        const CTXTC = 1 << 9;
        const DSPP = 1 << 10;
        const DSP2P = 1 << 11;
        /// RI and XI bits exist in EntryLo.
        const RXI = 1 << 12;
        /// UserLocal is implemented (RDHWR $29).
        const ULRI = 1 << 13;
        const MCU = 1 << 17;
        /// Virtualization (VZ) module.
        const VZ = 1 << 23;
        /// Hardware page table walker.
        const PW = 1 << 24;
        /// Segmentation Control.
        const SC = 1 << 25;
        /// BadInstr register.
        const BI = 1 << 26;
        /// BadInstrP register.
        const BP = 1 << 27;
        const MSAP = 1 << 28;
        const CMGCR = 1 << 29;
        const BPG = 1 << 30;
        const M = 1 << 31;
        const _ = !0;
    }
}

bitflags! {
    /// Config4 (CP0 16, 4).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Config4: u32 {
        const AE = 1 << 28;
        const M = 1 << 31;
        const _ = !0;
    }
}

impl Config4 {
    /// Bitmap of implemented KScratch registers, bit n = select n.
    pub const fn kscratch_exist(self) -> u8 {
        field(self.bits(), 16, 8) as u8
    }

    /// Config4.MMUExtDef: how the other fields extend the TLB size.
    pub const fn mmu_ext_def(self) -> u8 {
        field(self.bits(), 14, 2) as u8
    }

    /// Config4.MMUSizeExt (meaningful when MMUExtDef = 1).
    pub const fn mmu_size_ext(self) -> u32 {
        field(self.bits(), 0, 8)
    }

    /// Config4.VTLBSizeExt (meaningful when MMUExtDef = 3).
    pub const fn vtlb_size_ext(self) -> u32 {
        field(self.bits(), 24, 4)
    }
}

bitflags! {
    /// Config5 (CP0 16, 5).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Config5: u32 {
        const NF_EXISTS = 1 << 0;
        const UFR = 1 << 2;
        const MRP = 1 << 3;
        const LLB = 1 << 4;
        const MVH = 1 << 5;
        const SBRI = 1 << 6;
        const VP = 1 << 7;
        const FRE = 1 << 8;
        const UFE = 1 << 9;
        const L2C = 1 << 10;
        const DEC = 1 << 11;
        const XNP = 1 << 13;
        /// MemoryMapID implemented.
        const MI = 1 << 17;
        const CRCP = 1 << 18;
        const MSAEN = 1 << 27;
        const EVA = 1 << 28;
        const CV = 1 << 29;
        const K = 1 << 30;
        const M = 1 << 31;
        const _ = !0;
    }
}

impl Config5 {
    /// Config5.GI: 2 = GINVI only, 3 = GINVI and GINVT.
    pub const fn ginv_support(self) -> u8 {
        field(self.bits(), 15, 2) as u8
    }
}

bitflags! {
    /// EBase (CP0 15, 1).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct EBase: u32 {
        /// Write gate: bits above 29 become writable (64-bit base).
        const WG = 1 << 11;
        const _ = !0;
    }
}

impl EBase {
    pub const fn cpu_num(self) -> u32 {
        field(self.bits(), 0, 10)
    }

    /// Exception base, bits 31:12 (bits 31:30 fixed at 0b10 without WG).
    pub const fn base(self) -> u32 {
        self.bits() & 0xffff_f000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values are the field layouts of the MIPS32 PRA (MD00090) and
    // MIPS64 PRA (MD00091), register by register.

    #[test]
    fn status_ksu_and_interrupt_mask() {
        // KSU is bits 4:3; 0b10 is user mode. IM is bits 15:8.
        let s = Status::from_bits_retain(0x1000_ff11);
        assert_eq!(s.ksu(), Ksu::User);
        assert!(s.contains(Status::IE | Status::CU0));
        assert!(!s.contains(Status::EXL));
        assert_eq!(s.im(), 0xff);
        assert_eq!(s.with_im(0x80).bits(), 0x1000_8011);
        assert_eq!(Status::from_bits_retain(0x8).ksu(), Ksu::Supervisor);
        assert_eq!(Status::from_bits_retain(0x18).ksu(), Ksu::Reserved);
    }

    #[test]
    fn cause_exception_code_interrupts_and_branch_delay() {
        // ExcCode is bits 6:2; 11 is CpU, CE bits 29:28; BD is bit 31.
        let c = Cause::from_bits_retain(0x9000_002c);
        assert_eq!(c.exc_code(), ExcCode::CpU);
        assert_eq!(c.ce(), 1);
        assert!(c.contains(Cause::BD));
        let c = Cause::from_bits_retain(0x4000_8000);
        assert_eq!(c.exc_code(), ExcCode::Int);
        assert_eq!(c.ip(), 0x80);
        assert!(c.contains(Cause::TI));
        assert_eq!(c.with_exc_code(ExcCode::TlbS).bits(), 0x4000_800c);
        assert_eq!(ExcCode::from_code(17), ExcCode::Reserved(17));
        assert_eq!(ExcCode::from_code(30).code(), 30);
    }

    #[test]
    fn prid_fields() {
        // 24Kc/24Kf: company 1 (MIPS Technologies), implementation 0x93.
        let p = PrId(0x0001_9300);
        assert_eq!((p.company(), p.implementation(), p.revision()), (1, 0x93, 0));
        let p = PrId(0x1201_a804);
        assert_eq!((p.company_options(), p.company(), p.implementation(), p.revision()), (0x12, 1, 0xa8, 4));
    }

    #[test]
    fn config0_architecture_mmu_and_kseg0() {
        // 24Kf as QEMU models it: M, BE, AT 0, AR 1, MT 1, K0 2.
        let c = Config0::from_bits_retain(0x8000_8482);
        assert_eq!(c.arch_type(), ArchType::Mips32);
        assert_eq!(c.arch_revision(), 1);
        assert_eq!(c.mmu_type(), MmuType::StandardTlb);
        assert!(c.contains(Config0::BE));
        assert_eq!(c.k0(), cca::UNCACHED);
        assert_eq!(c.with_k0(cca::CACHEABLE_NONCOHERENT_WB).k0(), 3);
        // AT = 2 (MIPS64), AR = 2 (Release 6).
        let c = Config0::from_bits_retain((2 << 13) | (2 << 10) | (1 << 7));
        assert_eq!(c.arch_type(), ArchType::Mips64);
        assert_eq!(c.arch_revision(), 2);
    }

    #[test]
    fn config1_tlb_size_and_caches() {
        // MMUSize-1 = 15 (16 entries); I: S=2 L=3 A=3 (256 sets, 16 B, 4 ways = 16 KiB).
        let c = Config1::from_bits_retain(
            (15 << 25) | (2 << 22) | (3 << 19) | (3 << 16) | (2 << 13) | (3 << 10) | (3 << 7) | 1,
        );
        assert_eq!(c.mmu_size(), 16);
        let i = c.icache().unwrap();
        assert_eq!((i.sets, i.line_bytes, i.ways, i.size_bytes()), (256, 16, 4, 16384));
        assert_eq!(c.dcache().unwrap().size_bytes(), 16384);
        assert!(c.contains(Config1::FP));
        // L = 0 means no cache; S = 7 means 32 sets.
        assert_eq!(CacheGeometry::from_sla(7, 0, 0), None);
        assert_eq!(CacheGeometry::from_sla(7, 1, 0).unwrap().sets, 32);
    }

    #[test]
    fn config3_to_5_feature_bits() {
        let c3 = Config3::from_bits_retain((1 << 25) | (1 << 24) | (1 << 13) | (1 << 26) | (1 << 27));
        assert!(c3.contains(Config3::SC | Config3::PW | Config3::ULRI | Config3::BI | Config3::BP));
        assert!(!c3.contains(Config3::VZ));
        // KScrExist bits 23:16: selects 2..7 present = 0xfc.
        let c4 = Config4::from_bits_retain(0x80fc_0000 | (1 << 14) | 3);
        assert_eq!(c4.kscratch_exist(), 0xfc);
        assert_eq!(c4.mmu_ext_def(), 1);
        assert_eq!(c4.mmu_size_ext(), 3);
        let c5 = Config5::from_bits_retain((1 << 17) | (3 << 15));
        assert!(c5.contains(Config5::MI));
        assert_eq!(c5.ginv_support(), 3);
    }

    #[test]
    fn ebase_base_and_cpu_number() {
        let e = EBase::from_bits_retain(0x8000_0803);
        assert_eq!(e.base(), 0x8000_0000);
        assert_eq!(e.cpu_num(), 3);
        assert!(e.contains(EBase::WG));
    }
}
