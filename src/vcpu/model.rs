//! The virtual CPU the guest sees: a MIPS 24Kc, as Linux's KVM presented it.
//!
//! Every identification and configuration value the guest can read derives
//! from one [`VcpuModel`], so the registers cannot disagree with each other or
//! with what the monitor emulates. Nothing is advertised that is not emulated:
//! no watch registers, EJTAG, MIPS16e, performance counters, DSP, vectored
//! interrupts, RI/XI, 1 KiB pages (PageGrain), or Config5 features.
//!
//! Values (MIPS32 PRA MD00090 field layouts):
//! - PRId 0x00019300: company 1 (MIPS), implementation 0x93 (24K), revision 0.
//! - Config0: M, BE from the guest byte order, AT 0 (MIPS32), AR 1 (Release 2),
//!   MT 1 (standard TLB); K0 is the only writable field (reset 3, cacheable
//!   noncoherent write-back, as KVM presented; Linux sets K0 itself).
//! - Config1: M, MMUSize-1 = TLB entries - 1, the I- and D-cache geometry the
//!   CACHE emulation honors, FP only when the guest owns an FPU.
//! - Config2: M only (Config3 follows; no L2/L3).
//! - Config3: ULRI (UserLocal via RDHWR $29, which the monitor emulates), and M
//!   only when Config4 is needed to advertise KScratch registers.
//! - Config7: WII | IAR, the 24K-family bits KVM presented. WII matters to WAIT
//!   emulation: a pending interrupt ends a WAIT even with Status.IE clear.
//! - IntCtl 0xFC000000: IPTI 7 and IPPCI 7. A 24K merges its timer (and
//!   performance counter) request into hardware interrupt 5, which is Cause.IP7;
//!   IPTI holds the IP bit number, so 7. IPPCI is moot (Config1.PC = 0) but
//!   kept at 7 as real 24Ks and KVM report it. IPFDC 0: no Fast Debug Channel.
//!   VS 0: no vectored interrupts (Config3.VInt = 0).

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

pub const MIN_TLB_ENTRIES: usize = 32;
pub const MAX_TLB_ENTRIES: usize = 64;

/// A validated description of the virtual CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VcpuModel {
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
    pub const PRID_24KC: u32 = 0x0001_9300;
    pub const INT_CTL: u32 = 0xfc00_0000;

    /// The 24Kc KVM presented: 64 TLB entries, no FPU, no KScratch, KVM layout.
    pub const fn kvm_24kc(endianness: Endianness) -> Self {
        VcpuModel {
            endianness,
            layout: GuestLayout::KvmUserSegments,
            tlb_entries: MAX_TLB_ENTRIES,
            fpu: false,
            icache: QEMU_24K_CACHE,
            dcache: QEMU_24K_CACHE,
            kscratch_selects: 0,
        }
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

    /// Gives the guest an FPU: Config1.FP, and Status.CU1 and FR become writable.
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
            | (da << 7);
        if self.fpu {
            c |= Config1::FP.bits();
        }
        Config1::from_bits_retain(c)
    }

    pub const fn config2(&self) -> Config2 {
        Config2::M
    }

    pub fn config3(&self) -> Config3 {
        if self.has_config4() {
            Config3::ULRI | Config3::M
        } else {
            Config3::ULRI
        }
    }

    /// Config4, present only to advertise KScratch registers.
    pub fn config4(&self) -> Option<Config4> {
        self.has_config4().then(|| Config4::from_bits_retain((self.kscratch_selects as u32) << 16))
    }

    pub const fn config7(&self) -> Config7 {
        Config7::WII.union(Config7::IAR)
    }

    pub const fn int_ctl(&self) -> IntCtl {
        IntCtl(Self::INT_CTL)
    }

    /// Status bits the guest may change. KSU is the UM bit alone (no
    /// supervisor mode); RE, MX, PX, KX/SX/UX, NMI and SR are fixed at 0
    /// because nothing behind them is emulated. TS is writable, as on the
    /// 24K, and set by machine-check delivery.
    pub fn status_write_mask(&self) -> Status {
        let mut m = Status::IE
            | Status::EXL
            | Status::ERL
            | Status::UM
            | Status::TS
            | Status::BEV
            | Status::CU0
            | Status::from_bits_retain(0xff << Status::IM_SHIFT);
        if self.fpu {
            m |= Status::CU1 | Status::FR;
        }
        m
    }

    /// HWREna bits that exist: the four architectural registers, and ULR
    /// because Config3.ULRI is set.
    pub const fn hwrena_write_mask(&self) -> HwrEna {
        HwrEna::CPU_NUM.union(HwrEna::SYNCI_STEP).union(HwrEna::CC).union(HwrEna::CC_RES).union(HwrEna::ULR)
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
        let p = PrId(VcpuModel::PRID_24KC);
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
        assert_eq!(VcpuModel::kvm_24kc(Endianness::Big).int_ctl().ipti(), 7);
    }

    #[test]
    fn model_validation() {
        let m = VcpuModel::kvm_24kc(Endianness::Little);
        assert_eq!(m.with_tlb_entries(16), Err(ModelError::TlbEntries(16)));
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
