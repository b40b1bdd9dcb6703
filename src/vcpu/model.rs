//! The virtual CPU the guest sees: a named CPU as QEMU 7.2 models it (so a
//! guest compares one to one with the same binary run natively on QEMU's CPU
//! of that name), or the 24Kc Linux's KVM presented.
//!
//! Every identification and configuration value the guest can read derives
//! from one [`VcpuModel`], so the registers cannot disagree with each other or
//! with what the monitor emulates.
//!
//! The named models ([`CpuName`]) take from QEMU's `target/mips/cpu-defs.c.inc`
//! and `cpu.c` (7.2): PRId, Config1 (TLB size, caches, FP, WR, EP, CA),
//! Config3 (VInt, MT, DSP), the Status write mask (`CP0_Status_rw_bitmask`),
//! the FPU's FIR (`CP1_fcr0`) and FCSR write mask, IntCtl at reset
//! (0xE0000000: IPTI 7, IPPCI 0) with VS writable, Cause's write mask
//! (IV, WP, IP1..0, DC), eight WatchLo/WatchHi pairs that only store (QEMU
//! raises no watch exception), no Config7 bits, and `~0` from an MFC0 of a
//! register the model lacks (QEMU's Release 2 behaviour).
//!
//! The KVM 24Kc (`kvm-24kc`): PRId 0x00019300, 64 TLB entries, no FPU,
//! Config3.ULRI, Config7 WII | IAR, IntCtl 0xFC000000, KSU = UM only; what
//! Linux's KVM T&E guests were written against. It stays the model of hosts
//! no named model can back (the I6500 runs Release 6 guests, and
//! mips32r6-generic is not modelled yet).
//!
//! Config0 is the same for all: M, BE from the guest byte order, AT 0, AR 1,
//! MT 1; K0 the only writable field, 3 after the boot loader (see `cp0`).

use crate::cp0::fields::{
    cca, CacheGeometry, Config0, Config1, Config2, Config3, Config4, Config7, HwrEna, IntCtl, Status,
};

use super::guest_layout::GuestLayout;

/// Byte order of the guest, reported in Config0.BE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endianness {
    Big,
    Little,
}

/// Which cache a geometry error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheKind {
    Instruction,
    Data,
}

/// Why a model description was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelError {
    /// The guest TLB must have `MIN_TLB_ENTRIES..=MAX_TLB_ENTRIES` entries
    /// (Config1.MMUSize-1 is 6 bits; Config4 extensions are not modelled).
    TlbEntries(usize),
    /// Config1's (S, L, A) fields cannot express this cache.
    CacheGeometry(CacheKind),
    /// KScratch registers exist only at CP0 31 selects 2..=7.
    KScratchSelects(u8),
}

pub const MIN_TLB_ENTRIES: usize = 16;
pub const MAX_TLB_ENTRIES: usize = 64;

/// The CPUs a guest can be given, by the name `vcpu=` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CpuName {
    Kvm24Kc,
    Mips24Kf,
    Mips34Kf,
    Mips74Kf,
}

impl CpuName {
    pub const ALL: [CpuName; 4] = [CpuName::Kvm24Kc, CpuName::Mips24Kf, CpuName::Mips34Kf, CpuName::Mips74Kf];

    /// The model for `vcpu=NAME` (QEMU's `-cpu` spelling, any case).
    pub fn parse(name: &str) -> Option<CpuName> {
        Self::ALL.into_iter().find(|model| model.name().eq_ignore_ascii_case(name))
    }

    pub const fn name(self) -> &'static str {
        match self {
            CpuName::Kvm24Kc => "kvm-24kc",
            CpuName::Mips24Kf => "24Kf",
            CpuName::Mips34Kf => "34Kf",
            CpuName::Mips74Kf => "74Kf",
        }
    }

    const fn facts(self) -> &'static ModelFacts {
        match self {
            CpuName::Kvm24Kc => &KVM_24KC,
            CpuName::Mips24Kf => &MIPS_24KF,
            CpuName::Mips34Kf => &MIPS_34KF,
            CpuName::Mips74Kf => &MIPS_74KF,
        }
    }
}

/// What distinguishes one model from another, as fixed values.
#[derive(Debug, PartialEq, Eq)]
struct ModelFacts {
    prid: u32,
    tlb_entries: usize,
    /// Config1's feature bits (FP, EP, CA, WR, ...); M and the sizes are added.
    config1_features: u32,
    /// Config3 without M (added when Config4 follows).
    config3: u32,
    config7: u32,
    int_ctl_reset: u32,
    /// IntCtl bits MTC0 changes (VS).
    int_ctl_write_mask: u32,
    status_write_mask: u32,
    cause_write_mask: u32,
    /// WatchLo/WatchHi pairs (storage only).
    watch_pairs: u8,
    /// What MFC0 of a register the model lacks reads.
    absent_register_reads: u32,
    /// FIR (CP1 control register 0) of the model's FPU.
    fir: u32,
}

/// FIR of QEMU's 24Kf/74Kf (F64, L, W, D, S; PRID 0x93) and 34Kf (PRID 0x95).
const FIR_24K: u32 = (1 << 22) | (1 << 21) | (1 << 20) | (1 << 17) | (1 << 16) | (0x93 << 8);
const FIR_34K: u32 = (FIR_24K & !0xff00) | (0x95 << 8);
/// Cause bits MTC0 changes on a Release 2 CPU in QEMU: IP1..0, WP, IV, DC.
const CAUSE_WRITE_MASK_R2: u32 = 0x00c0_0300 | (1 << 27);
/// IntCtl.VS (bits 9:5), writable on every QEMU MIPS CPU.
const INT_CTL_VS: u32 = 0x3e0;

/// MIPS32 Config1 bits.
const C1_FP: u32 = 1 << 0;
const C1_EP: u32 = 1 << 1;
const C1_CA: u32 = 1 << 2;
const C1_WR: u32 = 1 << 3;

const KVM_24KC: ModelFacts = ModelFacts {
    prid: 0x0001_9300,
    tlb_entries: MAX_TLB_ENTRIES,
    config1_features: 0,
    config3: Config3::ULRI.bits(),
    config7: Config7::WII.union(Config7::IAR).bits(),
    int_ctl_reset: 0xfc00_0000,
    int_ctl_write_mask: 0,
    // IE EXL ERL UM, IM, TS, BEV, CU0 (CU1 and FR join with an FPU).
    status_write_mask: 0x1060_ff17,
    cause_write_mask: (0b11 << 8) | (1 << 23) | (1 << 27),
    watch_pairs: 0,
    absent_register_reads: 0,
    fir: FIR_24K,
};

const MIPS_24KF: ModelFacts = ModelFacts {
    prid: 0x0001_9300,
    tlb_entries: 16,
    config1_features: C1_FP | C1_EP | C1_CA | C1_WR,
    config3: 0,
    config7: 0,
    int_ctl_reset: 0xe000_0000,
    int_ctl_write_mask: INT_CTL_VS,
    status_write_mask: 0x3678_ff1f,
    cause_write_mask: CAUSE_WRITE_MASK_R2,
    watch_pairs: 8,
    absent_register_reads: !0,
    fir: FIR_24K,
};

const MIPS_34KF: ModelFacts = ModelFacts {
    prid: 0x0001_9500,
    tlb_entries: 64,
    config3: Config3::VINT.union(Config3::MT).union(Config3::DSPP).bits(),
    status_write_mask: 0x3778_ff1f,
    fir: FIR_34K,
    ..MIPS_24KF
};

const MIPS_74KF: ModelFacts = ModelFacts {
    prid: 0x0001_9700,
    config3: Config3::DSP2P.union(Config3::DSPP).union(Config3::VINT).bits(),
    status_write_mask: 0x3778_ff1f,
    ..MIPS_24KF
};

/// What the host CPU offers a model, as the CPU probe found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostCapabilities {
    /// Release 2 encodings (a Release 6 host runs only Release 6 guests).
    pub release2: bool,
    pub fpu: bool,
    pub dsp: bool,
    pub dsp_r2: bool,
    pub multithreading: bool,
}

/// Why a named model cannot run on this host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unbackable {
    /// The guest would run Release 2 code on a Release 6 CPU.
    Release6Host,
    NoFpu,
    NoDsp,
    NoDspR2,
    /// The MT ASE's registers and instructions are not emulated.
    MultithreadingNotEmulated,
}

impl core::fmt::Display for Unbackable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Unbackable::Release6Host => "this is a Release 6 CPU and the model runs Release 2 code",
            Unbackable::NoFpu => "the model has an FPU and this CPU has none",
            Unbackable::NoDsp => "the model has the DSP ASE and this CPU has not",
            Unbackable::NoDspR2 => "the model has DSP ASE revision 2 and this CPU has not",
            Unbackable::MultithreadingNotEmulated => {
                "the model has the MT ASE (Config3.MT), whose registers and instructions the monitor does not emulate"
            }
        })
    }
}

/// The model a board runs when `vcpu=` does not name one: the host's own
/// CPU where a named model of it can be backed (`host_model` is the CPU
/// probe's name for it), else the 24Kf, else (Release 6 hosts) the KVM 24Kc.
pub fn default_model(host_model: &str, host: HostCapabilities) -> CpuName {
    let backable = |name: CpuName| VcpuModel::for_host(name, Endianness::Little, host).is_ok();
    match CpuName::parse(host_model) {
        Some(own) if own != CpuName::Kvm24Kc && backable(own) => own,
        _ if backable(CpuName::Mips24Kf) => CpuName::Mips24Kf,
        _ => CpuName::Kvm24Kc,
    }
}

/// A validated description of the virtual CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VcpuModel {
    name: CpuName,
    endianness: Endianness,
    layout: GuestLayout,
    tlb_entries: usize,
    fpu: bool,
    icache: CacheGeometry,
    dcache: CacheGeometry,
    kscratch_selects: u8,
}

/// The cache QEMU's 24Kc and 24Kf report (Config1 I/D: S 0, L 3, A 1), so the
/// guest sees the same caches natively in QEMU and under the monitor.
pub const QEMU_24K_CACHE: CacheGeometry = CacheGeometry { sets: 64, line_bytes: 16, ways: 2 };

impl VcpuModel {
    /// The named CPU as QEMU models it, KVM layout.
    pub const fn named(name: CpuName, endianness: Endianness) -> Self {
        let facts = name.facts();
        VcpuModel {
            name,
            endianness,
            layout: GuestLayout::KvmUserSegments,
            tlb_entries: facts.tlb_entries,
            fpu: facts.config1_features & C1_FP != 0,
            icache: QEMU_24K_CACHE,
            dcache: QEMU_24K_CACHE,
            kscratch_selects: 0,
        }
    }

    /// The 24Kc KVM presented: 64 TLB entries, no FPU, no KScratch, KVM layout.
    pub const fn kvm_24kc(endianness: Endianness) -> Self {
        Self::named(CpuName::Kvm24Kc, endianness)
    }

    /// The named model as `host` backs it, or why it cannot. The KVM 24Kc
    /// gets an FPU where the host has one (as KVM's later versions gave).
    pub fn for_host(
        name: CpuName,
        endianness: Endianness,
        host: HostCapabilities,
    ) -> Result<Self, Unbackable> {
        let mut model = Self::named(name, endianness);
        if name == CpuName::Kvm24Kc {
            model.fpu = host.fpu && host.release2;
        }
        model.check_host(host)?;
        Ok(model)
    }

    /// Whether `host` can run this model faithfully, and why not.
    pub fn check_host(&self, host: HostCapabilities) -> Result<(), Unbackable> {
        let config3 = Config3::from_bits_retain(self.facts().config3);
        // The KVM 24Kc is what Release 6 guests run on until mips32r6-generic is modelled.
        if !host.release2 && self.name != CpuName::Kvm24Kc {
            return Err(Unbackable::Release6Host);
        }
        if self.fpu && !host.fpu {
            return Err(Unbackable::NoFpu);
        }
        if config3.contains(Config3::DSPP) && !host.dsp {
            return Err(Unbackable::NoDsp);
        }
        if config3.contains(Config3::DSP2P) && !host.dsp_r2 {
            return Err(Unbackable::NoDspR2);
        }
        if config3.contains(Config3::MT) {
            return Err(Unbackable::MultithreadingNotEmulated);
        }
        Ok(())
    }

    pub const fn name(&self) -> CpuName {
        self.name
    }

    const fn facts(&self) -> &'static ModelFacts {
        self.name.facts()
    }

    pub const fn with_layout(mut self, layout: GuestLayout) -> Self {
        self.layout = layout;
        self
    }

    pub fn with_tlb_entries(mut self, entries: usize) -> Result<Self, ModelError> {
        if !(MIN_TLB_ENTRIES..=MAX_TLB_ENTRIES).contains(&entries) {
            return Err(ModelError::TlbEntries(entries));
        }
        self.tlb_entries = entries;
        Ok(self)
    }

    /// Gives the guest an FPU or takes it away: Config1.FP, and Status.CU1
    /// and FR writable.
    pub const fn with_fpu(mut self, fpu: bool) -> Self {
        self.fpu = fpu;
        self
    }

    pub fn with_caches(mut self, icache: CacheGeometry, dcache: CacheGeometry) -> Result<Self, ModelError> {
        if icache.to_sla().is_none() {
            return Err(ModelError::CacheGeometry(CacheKind::Instruction));
        }
        if dcache.to_sla().is_none() {
            return Err(ModelError::CacheGeometry(CacheKind::Data));
        }
        self.icache = icache;
        self.dcache = dcache;
        Ok(self)
    }

    /// Advertises KScratch registers (bit n = select n, n in 2..=7) through
    /// Config4.KScrExist; a non-empty set makes Config3.M and Config4 appear.
    pub fn with_kscratch(mut self, selects: u8) -> Result<Self, ModelError> {
        if selects & 0b11 != 0 {
            return Err(ModelError::KScratchSelects(selects));
        }
        self.kscratch_selects = selects;
        Ok(self)
    }

    pub const fn endianness(&self) -> Endianness {
        self.endianness
    }
    pub const fn layout(&self) -> GuestLayout {
        self.layout
    }
    pub const fn tlb_entries(&self) -> usize {
        self.tlb_entries
    }
    pub const fn has_fpu(&self) -> bool {
        self.fpu
    }
    pub const fn icache(&self) -> CacheGeometry {
        self.icache
    }
    pub const fn dcache(&self) -> CacheGeometry {
        self.dcache
    }
    pub const fn kscratch_selects(&self) -> u8 {
        self.kscratch_selects
    }
    pub const fn has_config4(&self) -> bool {
        self.kscratch_selects != 0
    }

    /// Bits of Index, Random and Wired that hold an entry number: enough for
    /// `tlb_entries - 1` (PRA: the field is ceiling(log2(entries)) bits wide).
    pub const fn tlb_index_mask(&self) -> u32 {
        let highest = (self.tlb_entries - 1) as u32;
        if highest == 0 {
            0
        } else {
            u32::MAX >> highest.leading_zeros()
        }
    }

    /// Config0 at reset; only K0 changes afterwards.
    pub fn config0_reset(&self) -> Config0 {
        let mut c = Config0::M.bits() | (1 << 10) | (1 << 7);
        if self.endianness == Endianness::Big {
            c |= Config0::BE.bits();
        }
        Config0::from_bits_retain(c).with_k0(cca::CACHEABLE_NONCOHERENT_WB)
    }

    pub fn config1(&self) -> Config1 {
        // Both geometries were checked at construction.
        let (is, il, ia) = self.icache.to_sla().unwrap_or((0, 0, 0));
        let (ds, dl, da) = self.dcache.to_sla().unwrap_or((0, 0, 0));
        let mut c = Config1::M.bits()
            | ((self.tlb_entries as u32 - 1) << 25)
            | (is << 22)
            | (il << 19)
            | (ia << 16)
            | (ds << 13)
            | (dl << 10)
            | (da << 7)
            | (self.facts().config1_features & !C1_FP);
        if self.fpu {
            c |= Config1::FP.bits();
        }
        Config1::from_bits_retain(c)
    }

    pub const fn config2(&self) -> Config2 {
        Config2::M
    }

    pub fn config3(&self) -> Config3 {
        let c = Config3::from_bits_retain(self.facts().config3);
        if self.has_config4() {
            c | Config3::M
        } else {
            c
        }
    }

    /// Config4, present only to advertise KScratch registers.
    pub fn config4(&self) -> Option<Config4> {
        self.has_config4().then(|| Config4::from_bits_retain((self.kscratch_selects as u32) << 16))
    }

    pub const fn config7(&self) -> Config7 {
        Config7::from_bits_retain(self.facts().config7)
    }

    /// PRId: company 1 (MIPS), the core's implementation number, revision 0.
    pub const fn prid(&self) -> u32 {
        self.facts().prid
    }

    pub const fn int_ctl_reset(&self) -> IntCtl {
        IntCtl(self.facts().int_ctl_reset)
    }

    /// IntCtl bits the guest may change (VS, the vector spacing).
    pub const fn int_ctl_write_mask(&self) -> u32 {
        self.facts().int_ctl_write_mask
    }

    /// The DSP ASE (Config3.DSPP): Status.MX enables it.
    pub fn has_dsp(&self) -> bool {
        self.config3().contains(Config3::DSPP)
    }

    /// Status bits the guest may change: the model's mask, without CU1 and
    /// FR when the guest has no FPU. Bits the monitor does not act on (RE,
    /// SR, NMI, TS, MX without DSP) only store, as in QEMU.
    pub fn status_write_mask(&self) -> Status {
        let mut m = Status::from_bits_retain(self.facts().status_write_mask);
        if !self.fpu {
            m.remove(Status::CU1 | Status::FR);
        } else if self.name == CpuName::Kvm24Kc {
            m.insert(Status::CU1 | Status::FR);
        }
        m
    }

    /// Cause bits the guest may change.
    pub const fn cause_write_mask(&self) -> u32 {
        self.facts().cause_write_mask
    }

    /// WatchLo/WatchHi register pairs (CP0 18/19, selects 0..n).
    pub const fn watch_pairs(&self) -> u8 {
        self.facts().watch_pairs
    }

    /// What MFC0 of a register the model lacks reads.
    pub const fn absent_register_reads(&self) -> u32 {
        self.facts().absent_register_reads
    }

    /// FIR, the FPU's implementation register.
    pub const fn fir(&self) -> u32 {
        self.facts().fir
    }

    /// Whether the guest has UserLocal (CP0 4 select 2, RDHWR $29).
    pub fn has_user_local(&self) -> bool {
        self.config3().contains(Config3::ULRI)
    }

    /// HWREna bits that exist: the four architectural registers, and ULR
    /// where Config3.ULRI is set.
    pub fn hwrena_write_mask(&self) -> HwrEna {
        let base = HwrEna::CPU_NUM.union(HwrEna::SYNCI_STEP).union(HwrEna::CC).union(HwrEna::CC_RES);
        if self.has_user_local() {
            base | HwrEna::ULR
        } else {
            base
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cp0::fields::{ArchType, MmuType, PrId};

    #[test]
    fn kvm_24kc_identifies_as_a_mips32r2_24k_with_a_standard_tlb() {
        // PRId company 1, implementation 0x93 = 24K; Config0 AT 0, AR 1, MT 1.
        let m = VcpuModel::kvm_24kc(Endianness::Little);
        let p = PrId(VcpuModel::kvm_24kc(Endianness::Little).prid());
        assert_eq!((p.company(), p.implementation()), (PrId::COMPANY_MIPS, 0x93));
        let c0 = m.config0_reset();
        assert_eq!(c0.arch_type(), ArchType::Mips32);
        assert_eq!(c0.arch_revision(), 1);
        assert_eq!(c0.mmu_type(), MmuType::StandardTlb);
        assert!(!c0.contains(Config0::BE));
        assert_eq!(c0.bits(), 0x8000_0483);
        assert!(VcpuModel::kvm_24kc(Endianness::Big).config0_reset().contains(Config0::BE));
    }

    #[test]
    fn config1_reports_tlb_size_caches_and_fpu_only_when_given() {
        // Config1.MMUSize-1 + 1 = guest TLB entries; the FP bit follows the FPU.
        let m = VcpuModel::kvm_24kc(Endianness::Little);
        let c1 = m.config1();
        assert_eq!(c1.mmu_size(), 64);
        assert_eq!(c1.icache(), Some(QEMU_24K_CACHE));
        assert_eq!(c1.dcache(), Some(QEMU_24K_CACHE));
        assert!(!c1.contains(Config1::FP));
        // Nothing unemulated: no C2, MD, PC, WR, CA, EP.
        assert_eq!(c1.bits() & 0x7f, 0);
        let with_fpu = m.with_fpu(true).with_tlb_entries(48).unwrap().config1();
        assert!(with_fpu.contains(Config1::FP));
        assert_eq!(with_fpu.mmu_size(), 48);
    }

    #[test]
    fn config_chain_stops_where_features_stop() {
        let m = VcpuModel::kvm_24kc(Endianness::Little);
        assert_eq!(m.config2(), Config2::M);
        assert_eq!(m.config3(), Config3::ULRI);
        assert_eq!(m.config4(), None);
        let k = m.with_kscratch(0b0000_1100).unwrap();
        assert_eq!(k.config3(), Config3::ULRI | Config3::M);
        assert_eq!(k.config4().unwrap().kscratch_exist(), 0b0000_1100);
        assert_eq!(m.with_kscratch(0b1), Err(ModelError::KScratchSelects(1)));
    }

    #[test]
    fn intctl_puts_the_timer_on_ip7() {
        // IPTI names the Cause.IP bit of the timer: 7 = hardware interrupt 5.
        for name in CpuName::ALL {
            assert_eq!(VcpuModel::named(name, Endianness::Big).int_ctl_reset().ipti(), 7);
        }
    }

    #[test]
    fn named_models_match_qemu_7_2() {
        // target/mips/cpu-defs.c.inc: PRId, Config1 (MMU size, FP WR EP CA,
        // caches S0 L3 A1), Config3, Status_rw_bitmask, fcr0.
        let expect = [
            (CpuName::Mips24Kf, 0x0001_9300, 0x9e19_0c8f, 0x0000_0000, 0x3678_ff1f, 0x0073_9300),
            (CpuName::Mips34Kf, 0x0001_9500, 0xfe19_0c8f, 0x0000_0424, 0x3778_ff1f, 0x0073_9500),
            (CpuName::Mips74Kf, 0x0001_9700, 0x9e19_0c8f, 0x0000_0c20, 0x3778_ff1f, 0x0073_9300),
        ];
        for (name, prid, config1, config3, status_mask, fir) in expect {
            let m = VcpuModel::named(name, Endianness::Big);
            assert_eq!(m.prid(), prid, "{name:?}");
            assert_eq!(m.config1().bits(), config1, "{name:?}");
            assert_eq!(m.config3().bits(), config3, "{name:?}");
            assert_eq!(m.status_write_mask().bits(), status_mask, "{name:?}");
            assert_eq!(m.fir(), fir, "{name:?}");
            assert_eq!(m.int_ctl_reset().0, 0xe000_0000);
            assert_eq!(m.config7().bits(), 0);
            assert!(!m.has_user_local());
            // KSU's low bit writable: supervisor mode exists.
            assert!(m.status_write_mask().contains(Status::SM));
            assert_eq!(CpuName::parse(name.name()), Some(name));
        }
        assert_eq!(CpuName::parse("24kf"), Some(CpuName::Mips24Kf));
        assert_eq!(CpuName::parse("4Kc"), None);
    }

    #[test]
    fn hosts_back_only_what_they_have() {
        let p5600 =
            HostCapabilities { release2: true, fpu: true, dsp: false, dsp_r2: false, multithreading: false };
        let k74 = HostCapabilities { dsp: true, dsp_r2: true, ..p5600 };
        let i6500 = HostCapabilities { release2: false, ..k74 };
        let for_host = |name, host| VcpuModel::for_host(name, Endianness::Little, host).map(|m| m.name());
        assert_eq!(for_host(CpuName::Mips24Kf, p5600), Ok(CpuName::Mips24Kf));
        assert_eq!(for_host(CpuName::Mips74Kf, p5600), Err(Unbackable::NoDsp));
        assert_eq!(for_host(CpuName::Mips74Kf, k74), Ok(CpuName::Mips74Kf));
        assert_eq!(for_host(CpuName::Mips34Kf, k74), Err(Unbackable::MultithreadingNotEmulated));
        assert_eq!(for_host(CpuName::Mips24Kf, i6500), Err(Unbackable::Release6Host));
        assert_eq!(
            for_host(CpuName::Mips24Kf, HostCapabilities { fpu: false, ..p5600 }),
            Err(Unbackable::NoFpu)
        );
        // The KVM 24Kc runs anywhere; it has an FPU only where the host has one.
        assert!(!VcpuModel::for_host(CpuName::Kvm24Kc, Endianness::Little, i6500).unwrap().has_fpu());
        assert!(VcpuModel::for_host(CpuName::Kvm24Kc, Endianness::Little, p5600).unwrap().has_fpu());
        // Board defaults: the host's own model where it can be backed.
        assert_eq!(default_model("74Kf", k74), CpuName::Mips74Kf);
        assert_eq!(default_model("34Kf", k74), CpuName::Mips24Kf);
        assert_eq!(default_model("P5600", p5600), CpuName::Mips24Kf);
        assert_eq!(default_model("I6500", i6500), CpuName::Kvm24Kc);
    }

    #[test]
    fn model_validation() {
        let m = VcpuModel::kvm_24kc(Endianness::Little);
        assert_eq!(m.with_tlb_entries(15), Err(ModelError::TlbEntries(15)));
        assert_eq!(m.with_tlb_entries(65), Err(ModelError::TlbEntries(65)));
        let bad = CacheGeometry { sets: 100, line_bytes: 16, ways: 2 };
        assert_eq!(m.with_caches(QEMU_24K_CACHE, bad), Err(ModelError::CacheGeometry(CacheKind::Data)));
        // Index field width: ceiling(log2(entries)) bits.
        assert_eq!(m.tlb_index_mask(), 0x3f);
        assert_eq!(m.with_tlb_entries(48).unwrap().tlb_index_mask(), 0x3f);
        assert_eq!(m.with_tlb_entries(32).unwrap().tlb_index_mask(), 0x1f);
        assert_eq!(m.with_tlb_entries(33).unwrap().tlb_index_mask(), 0x3f);
    }
}
