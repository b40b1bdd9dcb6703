//! The guest's virtual CP0: its register file, the MFC0/MTC0 semantics with
//! per-register write masks, and the side effects the rest of the monitor must
//! act on.
//!
//! Reset state: what a Malta boot loader (QEMU's `-kernel` stub, YAMON) leaves
//! when it jumps to a kernel, not the CPU's own reset: Status.BEV set, ERL and
//! EXL clear, KSU kernel, IE clear and all interrupts masked; EBase at the base
//! of the guest's KSEG0 (0x40000000 in the KVM layout); Random at the top
//! entry and Wired 0 (the PRA's reset values); every other register 0.
//!
//! Registers the model does not have answer `Err(Unimplemented)`: on hardware
//! such an access is UNDEFINED (Release 2) or reads 0 (Release 6); the caller
//! gives the model's `absent_register_reads` and logs. WatchLo/WatchHi exist
//! as the model says (storage only: no watch exception is raised, as in QEMU).
//!
//! Count lives in the timer module: `read` asks a closure for it, and writes
//! of Count and Compare come back as effects. LLAddr reads 0: guest LL/SC run
//! natively, and the hardware LLbit is cleared by the monitor's own ERET into
//! the guest, which is what ERET must do for the guest anyway.

use super::guest_tlb::ENTRY_LO_WRITE_MASK;
use super::model::VcpuModel;
use crate::cp0::fields::{
    Cause, Config0, Context, EBase, EntryHi, EntryLo, HwrEna, Index, IntCtl, PageMask, Status,
};
use crate::cp0::{self, Cp0Reg};

/// The register does not exist in this virtual CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unimplemented(pub Cp0Reg);

/// What a guest CP0 write requires from the rest of the monitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteEffect {
    None,
    /// Translations of the old ASID no longer apply to the guest's user mode.
    EntryHiAsidChanged {
        old: u8,
        new: u8,
    },
    /// Random went back to the top entry.
    WiredChanged {
        wired: u32,
    },
    /// The timer module must rebase guest Count on this value.
    CountWritten {
        count: u32,
    },
    /// The timer interrupt was acknowledged (Cause.TI and its IP bit cleared);
    /// re-arm the host timer for the new Compare.
    CompareWritten {
        compare: u32,
    },
    /// Interrupt enable, mode (EXL/ERL/KSU), BEV, CU0/CU1 or FR changed.
    StatusChanged {
        old: Status,
        new: Status,
    },
    /// A software interrupt (IP1..0), IV or DC (Count stopped) changed.
    CauseChanged {
        old: Cause,
        new: Cause,
    },
    /// The exception base moved (guest view).
    EBaseChanged {
        base: u32,
    },
    /// Config0.K0: the guest wants another cacheability for its KSEG0.
    KSeg0CacheabilityChanged {
        k0: u8,
    },
    /// RDHWR permissions for guest user mode changed.
    HwrEnaChanged {
        hwrena: HwrEna,
    },
    /// A host that mirrors UserLocal for native RDHWR $29 must reload it.
    UserLocalChanged {
        value: u32,
    },
}

/// The guest's privilege level as its own Status defines it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuestMode {
    Kernel,
    /// KSU = 01, on models that have it: useg and sseg, no CP0 without CU0.
    Supervisor,
    User,
}

/// EBase bits the guest writes: the base's bits 29:12. Bits 31:30 stay as
/// reset put them (so a KSEG0 address 0x8xxxxxxx written by a KVM-layout
/// Linux lands at 0x4xxxxxxx, the same guest-physical page through guest
/// KSEG0, exactly as in QEMU's KVM-layout mode); CPUNum is 0; no WG.
pub const EBASE_WRITE_MASK: u32 = 0x3fff_f000;

/// WatchLo bits MTC0 keeps (QEMU: all but bits 2:0).
const WATCH_LO_KEEP: u32 = !0x7;
/// WatchHi bits MTC0 sets: G, ASID, Mask (QEMU: 0x40000FF8 plus ASID).
const WATCH_HI_WRITE_MASK: u32 = 0x4000_0ff8 | (0xff << 16);
/// WatchHi.M: another pair follows.
const WATCH_HI_M: u32 = 1 << 31;
/// The most watch register pairs a model has.
pub const MAX_WATCH_PAIRS: usize = 8;

/// The guest's CP0 registers.
#[derive(Clone, Debug)]
pub struct VirtualCp0 {
    pub(super) model: VcpuModel,
    pub(super) index: Index,
    pub(super) random: u32,
    pub(super) entry_lo: [EntryLo; 2],
    pub(super) context: Context,
    user_local: u32,
    pub(super) page_mask: PageMask,
    pub(super) wired: u32,
    hwrena: HwrEna,
    pub(super) bad_vaddr: u32,
    pub(super) entry_hi: EntryHi,
    compare: u32,
    pub(super) status: Status,
    /// IP7..2 are derived from `external_lines` and Cause.TI; never set directly.
    pub(super) cause: Cause,
    /// Hardware interrupt requests from devices, bit n = Cause.IPn (n in 2..=7).
    external_lines: u8,
    pub(super) epc: u32,
    ebase: EBase,
    config0: Config0,
    pub(super) error_epc: u32,
    /// KScratch1..6 = selects 2..7.
    kscratch: [u32; 6],
    desave: u32,
    int_ctl: u32,
    watch_lo: [u32; MAX_WATCH_PAIRS],
    watch_hi: [u32; MAX_WATCH_PAIRS],
}

impl VirtualCp0 {
    pub fn new(model: VcpuModel) -> Self {
        VirtualCp0 {
            model,
            index: Index::empty(),
            random: model.tlb_entries() as u32 - 1,
            entry_lo: [EntryLo::empty(); 2],
            context: Context(0),
            user_local: 0,
            page_mask: PageMask(0),
            wired: 0,
            hwrena: HwrEna::empty(),
            bad_vaddr: 0,
            entry_hi: EntryHi(0),
            compare: 0,
            status: Status::BEV,
            cause: Cause::empty(),
            external_lines: 0,
            epc: 0,
            ebase: EBase::from_bits_retain(model.layout().reset_ebase()),
            config0: model.config0_reset(),
            error_epc: 0,
            kscratch: [0; 6],
            desave: 0,
            int_ctl: model.int_ctl_reset().0,
            watch_lo: [0; MAX_WATCH_PAIRS],
            // M in every pair but the last, as QEMU resets them.
            watch_hi: core::array::from_fn(|pair| {
                if pair + 1 < model.watch_pairs() as usize {
                    WATCH_HI_M
                } else {
                    0
                }
            }),
        }
    }

    pub fn model(&self) -> &VcpuModel {
        &self.model
    }
    pub fn int_ctl(&self) -> IntCtl {
        IntCtl(self.int_ctl)
    }
    pub fn status(&self) -> Status {
        self.status
    }
    pub fn cause(&self) -> Cause {
        self.cause
    }
    pub fn entry_hi(&self) -> EntryHi {
        self.entry_hi
    }
    /// The guest's current ASID (EntryHi bits 7:0).
    pub fn asid(&self) -> u8 {
        self.entry_hi.asid()
    }
    pub fn epc(&self) -> u32 {
        self.epc
    }
    pub fn error_epc(&self) -> u32 {
        self.error_epc
    }
    pub fn bad_vaddr(&self) -> u32 {
        self.bad_vaddr
    }
    pub fn context(&self) -> Context {
        self.context
    }
    pub fn ebase(&self) -> EBase {
        self.ebase
    }
    pub fn compare(&self) -> u32 {
        self.compare
    }
    pub fn hwrena(&self) -> HwrEna {
        self.hwrena
    }
    pub fn user_local(&self) -> u32 {
        self.user_local
    }
    pub fn config0(&self) -> Config0 {
        self.config0
    }
    pub fn index(&self) -> Index {
        self.index
    }
    pub fn random(&self) -> u32 {
        self.random
    }
    pub fn wired(&self) -> u32 {
        self.wired
    }

    /// Kernel when EXL or ERL is set or KSU is 00, supervisor for KSU 01,
    /// user for KSU 10 (PRA, "Modes of Operation"). KSU 11 is reserved; it
    /// runs as user mode here (QEMU gives it kernel addressing without CP0).
    pub fn guest_mode(&self) -> GuestMode {
        if self.status.intersects(Status::EXL | Status::ERL) {
            GuestMode::Kernel
        } else if self.status.contains(Status::UM) {
            GuestMode::User
        } else if self.status.contains(Status::SM) {
            GuestMode::Supervisor
        } else {
            GuestMode::Kernel
        }
    }

    /// Guest MFC0. `guest_count` is asked only for Count.
    pub fn read(&self, reg: Cp0Reg, guest_count: impl FnOnce() -> u32) -> Result<u32, Unimplemented> {
        let value = match reg {
            cp0::INDEX => self.index.bits(),
            cp0::RANDOM => self.random,
            cp0::ENTRY_LO0 => self.entry_lo[0].bits(),
            cp0::ENTRY_LO1 => self.entry_lo[1].bits(),
            cp0::CONTEXT => self.context.0,
            cp0::USER_LOCAL if self.model.has_user_local() => self.user_local,
            cp0::PAGE_MASK => self.page_mask.0,
            cp0::WIRED => self.wired,
            cp0::HW_RENA => self.hwrena.bits(),
            cp0::BAD_VADDR => self.bad_vaddr,
            cp0::COUNT => guest_count(),
            cp0::ENTRY_HI => self.entry_hi.0,
            cp0::COMPARE => self.compare,
            cp0::STATUS => self.status.bits(),
            cp0::INT_CTL => self.int_ctl,
            cp0::SRS_CTL => 0,
            cp0::CAUSE => self.cause.bits(),
            cp0::EPC => self.epc,
            cp0::PRID => self.model.prid(),
            cp0::EBASE => self.ebase.bits(),
            cp0::CONFIG0 => self.config0.bits(),
            cp0::CONFIG1 => self.model.config1().bits(),
            cp0::CONFIG2 => self.model.config2().bits(),
            cp0::CONFIG3 => self.model.config3().bits(),
            cp0::CONFIG4 => self.model.config4().ok_or(Unimplemented(reg))?.bits(),
            cp0::CONFIG7 => self.model.config7().bits(),
            cp0::LL_ADDR => 0,
            Cp0Reg { reg: 18, sel } if sel < self.model.watch_pairs() => self.watch_lo[sel as usize],
            Cp0Reg { reg: 19, sel } if sel < self.model.watch_pairs() => self.watch_hi[sel as usize],
            // No watch registers: read as 0 without WR (the KVM model).
            cp0::WATCH_LO0 | cp0::WATCH_HI0 if self.model.watch_pairs() == 0 => 0,
            cp0::ERROR_EPC => self.error_epc,
            cp0::DESAVE => self.desave,
            _ => self.kscratch_slot(reg).map(|slot| self.kscratch[slot]).ok_or(Unimplemented(reg))?,
        };
        Ok(value)
    }

    /// Registers whose MTC0 only stores (always `WriteEffect::None`): no
    /// timer, interrupt, mode, ASID or host state depends on them.
    pub fn write_is_plain(&self, reg: Cp0Reg) -> bool {
        matches!(
            reg,
            cp0::INDEX
                | cp0::ENTRY_LO0
                | cp0::ENTRY_LO1
                | cp0::CONTEXT
                | cp0::PAGE_MASK
                | cp0::EPC
                | cp0::ERROR_EPC
                | cp0::DESAVE
        ) || self.kscratch_slot(reg).is_some()
    }

    /// Guest MTC0: keeps the bits the model fixes, reports what changed.
    pub fn write(&mut self, reg: Cp0Reg, value: u32) -> Result<WriteEffect, Unimplemented> {
        let effect = match reg {
            cp0::INDEX => {
                let p = self.index & Index::P;
                self.index = p | Index::from_bits_retain(value & self.model.tlb_index_mask());
                WriteEffect::None
            }
            cp0::ENTRY_LO0 | cp0::ENTRY_LO1 => {
                self.entry_lo[(reg == cp0::ENTRY_LO1) as usize] =
                    EntryLo::from_bits_retain(value & ENTRY_LO_WRITE_MASK);
                WriteEffect::None
            }
            cp0::CONTEXT => {
                self.context = Context(merge(self.context.0, value, Context::PTE_BASE_MASK));
                WriteEffect::None
            }
            cp0::USER_LOCAL if self.model.has_user_local() => {
                let changed = self.user_local != value;
                self.user_local = value;
                if changed {
                    WriteEffect::UserLocalChanged { value }
                } else {
                    WriteEffect::None
                }
            }
            cp0::PAGE_MASK => {
                self.page_mask = legal_page_mask(value);
                WriteEffect::None
            }
            cp0::WIRED => {
                self.wired = value & self.model.tlb_index_mask();
                self.random = self.model.tlb_entries() as u32 - 1;
                WriteEffect::WiredChanged { wired: self.wired }
            }
            cp0::HW_RENA => {
                let new = HwrEna::from_bits_retain(value & self.model.hwrena_write_mask().bits());
                let changed = new != self.hwrena;
                self.hwrena = new;
                if changed {
                    WriteEffect::HwrEnaChanged { hwrena: new }
                } else {
                    WriteEffect::None
                }
            }
            cp0::COUNT => WriteEffect::CountWritten { count: value },
            cp0::ENTRY_HI => self.set_entry_hi(EntryHi(value)),
            cp0::COMPARE => {
                self.compare = value;
                self.cause.remove(Cause::TI);
                self.refresh_hardware_ip();
                WriteEffect::CompareWritten { compare: value }
            }
            cp0::STATUS => {
                let old = self.status;
                let mask = self.model.status_write_mask().bits();
                self.status = Status::from_bits_retain(merge(old.bits(), value, mask));
                if self.status != old {
                    WriteEffect::StatusChanged { old, new: self.status }
                } else {
                    WriteEffect::None
                }
            }
            cp0::CAUSE => {
                let old = self.cause;
                self.cause = Cause::from_bits_retain(merge(old.bits(), value, self.model.cause_write_mask()));
                if self.cause != old {
                    WriteEffect::CauseChanged { old, new: self.cause }
                } else {
                    WriteEffect::None
                }
            }
            cp0::EPC => {
                self.epc = value;
                WriteEffect::None
            }
            cp0::EBASE => {
                let old = self.ebase;
                self.ebase = EBase::from_bits_retain(merge(old.bits(), value, EBASE_WRITE_MASK));
                if self.ebase != old {
                    WriteEffect::EBaseChanged { base: self.ebase.base() }
                } else {
                    WriteEffect::None
                }
            }
            cp0::CONFIG0 => {
                let old = self.config0;
                self.config0 = old.with_k0(value as u8);
                if self.config0 != old {
                    WriteEffect::KSeg0CacheabilityChanged { k0: self.config0.k0() }
                } else {
                    WriteEffect::None
                }
            }
            cp0::CONFIG4 => {
                self.model.config4().ok_or(Unimplemented(reg))?;
                WriteEffect::None
            }
            cp0::ERROR_EPC => {
                self.error_epc = value;
                WriteEffect::None
            }
            cp0::INT_CTL => {
                self.int_ctl = merge(self.int_ctl, value, self.model.int_ctl_write_mask());
                WriteEffect::None
            }
            Cp0Reg { reg: 18, sel } if sel < self.model.watch_pairs() => {
                self.watch_lo[sel as usize] = value & WATCH_LO_KEEP;
                WriteEffect::None
            }
            Cp0Reg { reg: 19, sel } if sel < self.model.watch_pairs() => {
                let hi = &mut self.watch_hi[sel as usize];
                // I/R/W (2:0) are write-one-to-clear and nothing sets them.
                *hi = (*hi & WATCH_HI_M) | (value & WATCH_HI_WRITE_MASK);
                WriteEffect::None
            }
            cp0::DESAVE => {
                self.desave = value;
                WriteEffect::None
            }
            // Read-only here: hardware state or fixed by the model.
            cp0::RANDOM
            | cp0::BAD_VADDR
            | cp0::SRS_CTL
            | cp0::PRID
            | cp0::CONFIG1
            | cp0::CONFIG2
            | cp0::CONFIG3
            | cp0::CONFIG7
            | cp0::LL_ADDR => WriteEffect::None,
            cp0::WATCH_LO0 | cp0::WATCH_HI0 if self.model.watch_pairs() == 0 => WriteEffect::None,
            _ => {
                let slot = self.kscratch_slot(reg).ok_or(Unimplemented(reg))?;
                self.kscratch[slot] = value;
                WriteEffect::None
            }
        };
        Ok(effect)
    }

    /// Sets EntryHi (from MTC0 or TLBR), keeping bits 12:8 zero.
    pub(super) fn set_entry_hi(&mut self, value: EntryHi) -> WriteEffect {
        let old = self.entry_hi.asid();
        self.entry_hi = EntryHi(value.0 & (EntryHi::VPN2_MASK | EntryHi::ASID_MASK));
        let new = self.entry_hi.asid();
        if old != new {
            WriteEffect::EntryHiAsidChanged { old, new }
        } else {
            WriteEffect::None
        }
    }

    /// The guest's timer reached Compare: Cause.TI and the IntCtl.IPTI bit rise
    /// until the guest writes Compare.
    pub fn raise_timer_interrupt(&mut self) {
        self.cause.insert(Cause::TI);
        self.refresh_hardware_ip();
    }

    /// Drives hardware interrupt line Cause.IP`ip` (2..=7) from a device.
    /// Line numbers come from the board's wiring; any other is a bug.
    pub fn set_interrupt_line(&mut self, ip: u8, asserted: bool) {
        assert!((2..=7).contains(&ip), "hardware interrupt lines are IP2..IP7");
        if asserted {
            self.external_lines |= 1 << ip;
        } else {
            self.external_lines &= !(1 << ip);
        }
        self.refresh_hardware_ip();
    }

    /// Recomputes Cause.IP7..2 from the device lines and the timer request.
    fn refresh_hardware_ip(&mut self) {
        let mut lines = self.external_lines;
        if self.cause.contains(Cause::TI) {
            lines |= 1 << self.int_ctl().ipti();
        }
        let ip_hw_mask = 0xfc << Cause::IP_SHIFT;
        let bits = (self.cause.bits() & !ip_hw_mask) | ((lines as u32 & 0xfc) << Cause::IP_SHIFT);
        self.cause = Cause::from_bits_retain(bits);
    }

    /// KScratch register slot for CP0 31 select 2..=7, if the model has it.
    fn kscratch_slot(&self, reg: Cp0Reg) -> Option<usize> {
        let present = reg.reg == 31 && reg.sel >= 2 && self.model.kscratch_selects() & (1 << reg.sel) != 0;
        present.then(|| reg.sel as usize - 2)
    }
}

/// `old` with the bits of `mask` taken from `value`.
const fn merge(old: u32, value: u32, mask: u32) -> u32 {
    (old & !mask) | (value & mask)
}

/// PageMask keeps legal values; anything else is taken as 4 KiB pages
/// (the PRA leaves the TLB's behaviour UNDEFINED; current QEMU does the same).
fn legal_page_mask(value: u32) -> PageMask {
    let written = PageMask(value & PageMask::MASK_FIELD);
    if written.is_legal() {
        written
    } else {
        PageMask(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cp0::fields::Ksu;
    use crate::vcpu::model::Endianness;

    fn cp0() -> VirtualCp0 {
        VirtualCp0::new(VcpuModel::kvm_24kc(Endianness::Little))
    }

    fn read(c: &VirtualCp0, reg: Cp0Reg) -> u32 {
        c.read(reg, || 0xc0c0).unwrap()
    }

    #[test]
    fn reset_state_is_what_a_malta_boot_loader_leaves() {
        let c = cp0();
        let s = c.status();
        assert!(s.contains(Status::BEV));
        assert!(!s.intersects(Status::ERL | Status::EXL | Status::IE));
        assert_eq!(s.ksu(), Ksu::Kernel);
        assert_eq!(s.im(), 0);
        assert_eq!(c.guest_mode(), GuestMode::Kernel);
        assert_eq!(read(&c, cp0::EBASE), 0x4000_0000);
        // PRA reset values: Random = entries - 1, Wired = 0.
        assert_eq!((read(&c, cp0::RANDOM), read(&c, cp0::WIRED)), (63, 0));
        assert_eq!(read(&c, cp0::PRID), 0x0001_9300);
        assert_eq!(read(&c, cp0::INT_CTL), 0xfc00_0000);
    }

    #[test]
    fn writing_all_ones_to_identification_and_config_changes_nothing() {
        let mut c = cp0();
        for reg in
            [cp0::PRID, cp0::CONFIG1, cp0::CONFIG2, cp0::CONFIG3, cp0::CONFIG7, cp0::INT_CTL, cp0::SRS_CTL]
        {
            let before = read(&c, reg);
            assert_eq!(c.write(reg, !0), Ok(WriteEffect::None), "{:?}", reg.name());
            assert_eq!(read(&c, reg), before, "{:?}", reg.name());
        }
        // Config0: only K0 (bits 2:0) is writable.
        assert_eq!(c.write(cp0::CONFIG0, !0), Ok(WriteEffect::KSeg0CacheabilityChanged { k0: 7 }));
        assert_eq!(read(&c, cp0::CONFIG0), 0x8000_0487);
    }

    #[test]
    fn read_only_state_registers_ignore_writes() {
        let mut c = cp0();
        c.write(cp0::BAD_VADDR, 0x1234).unwrap();
        c.write(cp0::RANDOM, 5).unwrap();
        c.write(cp0::LL_ADDR, 5).unwrap();
        assert_eq!((read(&c, cp0::BAD_VADDR), read(&c, cp0::RANDOM), read(&c, cp0::LL_ADDR)), (0, 63, 0));
    }

    #[test]
    fn tlb_registers_keep_only_implemented_bits() {
        let mut c = cp0();
        // EntryHi: VPN2 31:13 and ASID 7:0; bits 12:8 read zero.
        c.write(cp0::ENTRY_HI, !0).unwrap();
        assert_eq!(read(&c, cp0::ENTRY_HI), 0xffff_e0ff);
        // EntryLo: PFN of a 32-bit physical address (25:6), C, D, V, G.
        c.write(cp0::ENTRY_LO0, !0).unwrap();
        c.write(cp0::ENTRY_LO1, 0xc000_0001).unwrap();
        assert_eq!((read(&c, cp0::ENTRY_LO0), read(&c, cp0::ENTRY_LO1)), (0x03ff_ffff, 1));
        // Index: entry bits only (6 for 64 entries); P is read-only.
        c.write(cp0::INDEX, !0).unwrap();
        assert_eq!(read(&c, cp0::INDEX), 0x3f);
        // Context: PTEBase 31:23 writable, BadVPN2 read-only.
        c.write(cp0::CONTEXT, !0).unwrap();
        assert_eq!(read(&c, cp0::CONTEXT), 0xff80_0000);
        // Wired: entry bits.
        c.write(cp0::WIRED, 0x1_0005).unwrap();
        assert_eq!(read(&c, cp0::WIRED), 5);
    }

    #[test]
    fn page_mask_keeps_legal_sizes_and_turns_others_into_4k() {
        let mut c = cp0();
        c.write(cp0::PAGE_MASK, 0x6000).unwrap();
        assert_eq!(read(&c, cp0::PAGE_MASK), 0x6000);
        // Bits outside Mask (28:13) do not exist: all ones is the 256 MiB mask.
        c.write(cp0::PAGE_MASK, 0xffff_ffff).unwrap();
        assert_eq!(read(&c, cp0::PAGE_MASK), 0x1fff_e000);
        // An odd run of ones or a hole is no page size: 4 KiB.
        c.write(cp0::PAGE_MASK, 0xe000).unwrap();
        assert_eq!(read(&c, cp0::PAGE_MASK), 0);
        c.write(cp0::PAGE_MASK, 0x1_a000).unwrap();
        assert_eq!(read(&c, cp0::PAGE_MASK), 0);
    }

    #[test]
    fn wired_write_resets_random_to_the_top_entry() {
        // PRA: writing Wired sets Random to its upper bound.
        let mut c = cp0();
        c.random = 40;
        assert_eq!(c.write(cp0::WIRED, 8), Ok(WriteEffect::WiredChanged { wired: 8 }));
        assert_eq!(read(&c, cp0::RANDOM), 63);
    }

    #[test]
    fn entryhi_reports_asid_changes_only() {
        let mut c = cp0();
        assert_eq!(c.write(cp0::ENTRY_HI, 0x0040_0000), Ok(WriteEffect::None));
        assert_eq!(
            c.write(cp0::ENTRY_HI, 0x0040_0005),
            Ok(WriteEffect::EntryHiAsidChanged { old: 0, new: 5 })
        );
        assert_eq!(c.asid(), 5);
    }

    #[test]
    fn status_write_mask_without_and_with_fpu() {
        let mut c = cp0();
        assert!(matches!(c.write(cp0::STATUS, !0), Ok(WriteEffect::StatusChanged { .. })));
        // IE EXL ERL UM, IM7..0, TS, BEV, CU0; no SM bit, RE, FR, CU1..3, MX, PX, KX/SX/UX, NMI, SR.
        assert_eq!(read(&c, cp0::STATUS), 0x1060_ff17);
        let mut f = VirtualCp0::new(VcpuModel::kvm_24kc(Endianness::Little).with_fpu(true));
        f.write(cp0::STATUS, !0).unwrap();
        assert_eq!(read(&f, cp0::STATUS), 0x3460_ff17);
        // Same value again: nothing to report.
        assert_eq!(f.write(cp0::STATUS, !0), Ok(WriteEffect::None));
    }

    #[test]
    fn cause_write_mask_is_software_interrupts_iv_and_dc() {
        let mut c = cp0();
        let effect = c.write(cp0::CAUSE, !0).unwrap();
        assert_eq!(read(&c, cp0::CAUSE), 0x0880_0300);
        assert_eq!(
            effect,
            WriteEffect::CauseChanged { old: Cause::empty(), new: Cause::from_bits_retain(0x0880_0300) }
        );
    }

    #[test]
    fn ebase_base_bits_29_to_12_only() {
        let mut c = cp0();
        // A KVM-layout Linux writes its KSEG0 vector address: bits 31:30 stay 01.
        assert_eq!(c.write(cp0::EBASE, 0x80b6_0000), Ok(WriteEffect::EBaseChanged { base: 0x40b6_0000 }));
        assert_eq!(read(&c, cp0::EBASE), 0x40b6_0000);
        c.write(cp0::EBASE, !0).unwrap();
        assert_eq!(read(&c, cp0::EBASE), 0x7fff_f000);
    }

    #[test]
    fn hwrena_has_the_four_architectural_bits_and_ulr() {
        let mut c = cp0();
        let effect = c.write(cp0::HW_RENA, !0).unwrap();
        assert_eq!(read(&c, cp0::HW_RENA), 0x2000_000f);
        assert_eq!(effect, WriteEffect::HwrEnaChanged { hwrena: HwrEna::from_bits_retain(0x2000_000f) });
    }

    #[test]
    fn compare_write_clears_the_timer_interrupt_on_ip7() {
        // PRA (Release 2): writing Compare clears Cause.TI and the IPTI request.
        let mut c = cp0();
        c.raise_timer_interrupt();
        assert!(c.cause().contains(Cause::TI));
        assert_eq!(c.cause().ip(), 0x80);
        c.set_interrupt_line(2, true);
        assert_eq!(c.cause().ip(), 0x84);
        assert_eq!(c.write(cp0::COMPARE, 1234), Ok(WriteEffect::CompareWritten { compare: 1234 }));
        assert!(!c.cause().contains(Cause::TI));
        assert_eq!(c.cause().ip(), 0x04);
        assert_eq!(read(&c, cp0::COMPARE), 1234);
    }

    #[test]
    fn guest_cannot_write_hardware_interrupt_bits() {
        let mut c = cp0();
        c.set_interrupt_line(4, true);
        c.write(cp0::CAUSE, 0).unwrap();
        assert_eq!(c.cause().ip(), 0x10);
        c.set_interrupt_line(4, false);
        c.write(cp0::CAUSE, 0x100).unwrap();
        assert_eq!(c.cause().ip(), 0x01);
    }

    #[test]
    fn count_is_read_from_the_timer_and_written_back_as_an_effect() {
        let mut c = cp0();
        assert_eq!(c.read(cp0::COUNT, || 777), Ok(777));
        assert_eq!(c.write(cp0::COUNT, 5), Ok(WriteEffect::CountWritten { count: 5 }));
    }

    #[test]
    fn unadvertised_registers_are_unimplemented() {
        let mut c = cp0();
        for reg in [cp0::CONFIG4, cp0::CONFIG5, cp0::CONFIG6, cp0::KSCRATCH1, cp0::PAGE_GRAIN, cp0::TAG_LO] {
            assert_eq!(c.read(reg, || 0), Err(Unimplemented(reg)));
            assert_eq!(c.write(reg, 1), Err(Unimplemented(reg)));
        }
        // KScratch selects 2 and 3 advertised through Config4.KScrExist.
        let mut k = VirtualCp0::new(VcpuModel::kvm_24kc(Endianness::Little).with_kscratch(0b1100).unwrap());
        k.write(cp0::KSCRATCH2, 0xabc).unwrap();
        assert_eq!(read(&k, cp0::KSCRATCH2), 0xabc);
        assert_eq!(read(&k, cp0::CONFIG4), 0x000c_0000);
        assert_eq!(k.read(cp0::KSCRATCH3, || 0), Err(Unimplemented(cp0::KSCRATCH3)));
        let _ = c.write(cp0::DESAVE, 9);
        assert_eq!(read(&c, cp0::DESAVE), 9);
    }

    #[test]
    fn userlocal_changes_are_reported_for_host_mirroring() {
        let mut c = cp0();
        assert_eq!(c.write(cp0::USER_LOCAL, 0x77), Ok(WriteEffect::UserLocalChanged { value: 0x77 }));
        assert_eq!(c.write(cp0::USER_LOCAL, 0x77), Ok(WriteEffect::None));
        assert_eq!(read(&c, cp0::USER_LOCAL), 0x77);
    }
}
