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

bitflags! {
    /// Config7 (CP0 16, 7): implementation-specific; these bits are the
    /// 24K/34K/74K family's (MIPS32 24K Software User's Manual).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Config7: u32 {
        /// Instruction cache virtual aliases are removed by hardware.
        const IAR = 1 << 10;
        /// Data cache virtual aliases are removed by hardware.
        const AR = 1 << 16;
        /// WAIT ignores Status.IE: a pending interrupt ends it even when masked.
        const WII = 1 << 31;
        const _ = !0;
    }
}

impl CacheGeometry {
    /// Encodes this geometry as Config1's (S, L, A) triple, or `None` when
    /// the field widths cannot express it (sets 32..=4096, line 4..=128, 1..=8 ways).
    pub const fn to_sla(self) -> Option<(u32, u32, u32)> {
        let s = match self.sets {
            32 => 7,
            64 | 128 | 256 | 512 | 1024 | 2048 | 4096 => (self.sets / 64).trailing_zeros(),
            _ => return None,
        };
        let l = match self.line_bytes {
            4 | 8 | 16 | 32 | 64 | 128 => self.line_bytes.trailing_zeros() - 1,
            _ => return None,
        };
        if self.ways == 0 || self.ways > 8 {
            return None;
        }
        Some((s, l, self.ways - 1))
    }
}

bitflags! {
    /// Index (CP0 0, 0).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Index: u32 {
        /// Probe failure: the last TLBP found no matching entry.
        const P = 1 << 31;
        const _ = !0;
    }
}

impl Index {
    /// The TLB entry number in the low bits (P excluded).
    pub const fn index(self) -> u32 {
        self.bits() & !Self::P.bits()
    }
}

/// EntryHi (CP0 10, 0) of a MIPS32 TLB without 1 KiB pages: VPN2 in bits
/// 31:13, ASID in bits 7:0, bits 12:8 zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EntryHi(pub u32);

impl EntryHi {
    pub const VPN2_MASK: u32 = 0xffff_e000;
    pub const ASID_MASK: u32 = 0xff;

    /// VPN2 left in place: the virtual address of the even page of the pair
    /// (before any PageMask is applied).
    pub const fn vpn2_address(self) -> u32 {
        self.0 & Self::VPN2_MASK
    }

    pub const fn asid(self) -> u8 {
        (self.0 & Self::ASID_MASK) as u8
    }

    pub const fn with_asid(self, asid: u8) -> Self {
        EntryHi((self.0 & !Self::ASID_MASK) | asid as u32)
    }

    /// Replaces VPN2 with `address` bits 31:13, as a TLB exception does.
    pub const fn with_vpn2_of(self, address: u32) -> Self {
        EntryHi((self.0 & !Self::VPN2_MASK) | (address & Self::VPN2_MASK))
    }
}

bitflags! {
    /// EntryLo0 / EntryLo1 (CP0 2 and 3, select 0), MIPS32 layout without RI/XI.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct EntryLo: u32 {
        /// Global: the entry ignores ASID (the TLB keeps G0 AND G1).
        const G = 1 << 0;
        /// Valid.
        const V = 1 << 1;
        /// Dirty: writes allowed.
        const D = 1 << 2;
        const _ = !0;
    }
}

impl EntryLo {
    pub const PFN_SHIFT: u32 = 6;
    pub const C_SHIFT: u32 = 3;

    /// Page frame number: physical address bits 35:12 (PFN field, bits 29:6).
    pub const fn pfn(self) -> u32 {
        field(self.bits(), Self::PFN_SHIFT, 24)
    }

    pub const fn with_pfn(self, pfn: u32) -> Self {
        let field_mask = 0x00ff_ffff << Self::PFN_SHIFT;
        Self::from_bits_retain((self.bits() & !field_mask) | ((pfn << Self::PFN_SHIFT) & field_mask))
    }

    /// Cacheability and coherency attribute (C field, bits 5:3).
    pub const fn cca(self) -> u8 {
        field(self.bits(), Self::C_SHIFT, 3) as u8
    }

    pub const fn with_cca(self, cca: u8) -> Self {
        Self::from_bits_retain(
            (self.bits() & !(0x7 << Self::C_SHIFT)) | ((cca as u32 & 0x7) << Self::C_SHIFT),
        )
    }
}

/// PageMask (CP0 5, 0): Mask in bits 28:13; a one bit ignores that VA bit
/// when matching, so legal values are runs of ones pairs from bit 13 up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageMask(pub u32);

impl PageMask {
    /// Mask field, bits 28:13 (MIPS32: pages up to 256 MiB).
    pub const MASK_FIELD: u32 = 0x1fff_e000;

    /// True for the nine values the architecture defines (4 KiB to 256 MiB).
    pub const fn is_legal(self) -> bool {
        let mask = self.0 >> 13;
        self.0 & !Self::MASK_FIELD == 0 && (mask & (mask + 1)) == 0 && mask.count_ones().is_multiple_of(2)
    }
}

/// Context (CP0 4, 0): PTEBase in bits 31:23, BadVPN2 in bits 22:4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Context(pub u32);

impl Context {
    pub const PTE_BASE_MASK: u32 = 0xff80_0000;
    pub const BAD_VPN2_MASK: u32 = 0x007f_fff0;

    /// BadVPN2: virtual address bits 31:13 of the last TLB exception.
    pub const fn bad_vpn2(self) -> u32 {
        field(self.0, 4, 19)
    }

    /// Loads BadVPN2 from `address` bits 31:13, as a TLB exception does.
    pub const fn with_bad_vpn2_of(self, address: u32) -> Self {
        Context((self.0 & !Self::BAD_VPN2_MASK) | ((address >> 13) << 4))
    }
}

/// IntCtl (CP0 12, 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IntCtl(pub u32);

impl IntCtl {
    /// IPTI: the Cause.IP bit number the timer interrupt is merged into (2..7).
    pub const fn ipti(self) -> u8 {
        field(self.0, 29, 3) as u8
    }

    /// IPPCI: the Cause.IP bit number of the performance counter interrupt.
    pub const fn ippci(self) -> u8 {
        field(self.0, 26, 3) as u8
    }

    /// IPFDC: the Cause.IP bit number of the Fast Debug Channel interrupt (0: none).
    pub const fn ipfdc(self) -> u8 {
        field(self.0, 23, 3) as u8
    }

    /// VS: vectored interrupt spacing (0: all interrupts share one vector).
    pub const fn vector_spacing(self) -> u8 {
        field(self.0, 5, 5) as u8
    }
}

bitflags! {
    /// HWREna (CP0 7, 0): which hardware registers RDHWR may read in user mode.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct HwrEna: u32 {
        const CPU_NUM = 1 << 0;
        const SYNCI_STEP = 1 << 1;
        /// Cycle counter (Count).
        const CC = 1 << 2;
        /// Count's resolution.
        const CC_RES = 1 << 3;
        /// UserLocal (hardware register 29), with Config3.ULRI.
        const ULR = 1 << 29;
        const _ = !0;
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

    #[test]
    fn tlb_register_fields() {
        // EntryHi: VPN2 31:13, ASID 7:0. EntryLo: PFN 29:6, C 5:3, D, V, G.
        let hi = EntryHi(0x1234_5e42);
        assert_eq!((hi.vpn2_address(), hi.asid()), (0x1234_4000, 0x42));
        assert_eq!(hi.with_asid(7).0, 0x1234_5e07);
        assert_eq!(EntryHi(0x42).with_vpn2_of(0x7fff_ffff).0, 0x7fff_e042);
        let lo = EntryLo::from_bits_retain((0x12345 << 6) | (3 << 3) | 0b111);
        assert_eq!((lo.pfn(), lo.cca()), (0x12345, 3));
        assert!(lo.contains(EntryLo::G | EntryLo::V | EntryLo::D));
        assert_eq!(EntryLo::empty().with_pfn(0x100).with_cca(2).bits(), (0x100 << 6) | (2 << 3));
        // Index.P is bit 31.
        let index = Index::from_bits_retain(0x8000_0005);
        assert!(index.contains(Index::P));
        assert_eq!(index.index(), 5);
    }

    #[test]
    fn page_mask_legal_values_are_the_nine_page_sizes() {
        // MIPS32 PRA, PageMask: 4 KiB 0x0, 16 KiB 0x6000, 64 KiB 0x1E000, ...,
        // 256 MiB 0x1FFFE000. Odd-length runs and holes are not legal.
        for legal in
            [0, 0x6000, 0x1_e000, 0x7_e000, 0x1f_e000, 0x7f_e000, 0x1ff_e000, 0x7ff_e000, 0x1fff_e000]
        {
            assert!(PageMask(legal).is_legal(), "{legal:#x}");
        }
        for illegal in [0x2000, 0xe000, 0x1_a000, 0x6001, 0x2000_0000] {
            assert!(!PageMask(illegal).is_legal(), "{illegal:#x}");
        }
    }

    #[test]
    fn context_intctl_hwrena_config7() {
        // Context.BadVPN2 (22:4) holds VA 31:13.
        let c = Context(0xff80_0000).with_bad_vpn2_of(0x7fff_e123);
        assert_eq!(c.0, 0xff80_0000 | (0x3ffff << 4));
        assert_eq!(c.bad_vpn2(), 0x3ffff);
        // IntCtl 0xFC000000: IPTI 7, IPPCI 7, IPFDC 0, VS 0.
        let i = IntCtl(0xfc00_0000);
        assert_eq!((i.ipti(), i.ippci(), i.ipfdc(), i.vector_spacing()), (7, 7, 0, 0));
        assert_eq!(HwrEna::ULR.bits(), 0x2000_0000);
        assert_eq!((Config7::WII | Config7::IAR).bits(), 0x8000_0400);
    }

    #[test]
    fn cache_geometry_encodes_back_to_config1_fields() {
        // S: 64 << S sets (7 = 32); L: 2 << L bytes; A: ways - 1.
        let g = CacheGeometry { sets: 64, line_bytes: 16, ways: 2 };
        assert_eq!(g.to_sla(), Some((0, 3, 1)));
        assert_eq!(CacheGeometry { sets: 32, line_bytes: 128, ways: 8 }.to_sla(), Some((7, 6, 7)));
        assert_eq!(CacheGeometry { sets: 48, line_bytes: 16, ways: 2 }.to_sla(), None);
        assert_eq!(CacheGeometry { sets: 64, line_bytes: 256, ways: 2 }.to_sla(), None);
        assert_eq!(CacheGeometry { sets: 64, line_bytes: 16, ways: 9 }.to_sla(), None);
        let (s, l, a) = g.to_sla().unwrap();
        assert_eq!(CacheGeometry::from_sla(s, l, a), Some(g));
    }
}
