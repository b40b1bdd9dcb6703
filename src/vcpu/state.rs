//! The guest's CPU state in one place: registers, virtual CP0, software TLB,
//! the guest memory manager, the timer and the exit counters.
//!
//! Emulation (`emulate`, `load_store`) and exit dispatch (`exits`) are
//! `impl Vcpu` blocks in their own files; this one holds the state and what
//! every path shares: exception delivery, interrupt lines, the timer, logging.

use core::fmt;

use super::cp0::{GuestMode, VirtualCp0};
use super::exception::GuestException;
use super::exit_cost::{ExitCosts, ExitKind};
use super::guest_tlb::{BadTlbSize, GuestTlb};
use super::host::{GuestMemory, HostServices};
use super::log_once::{LogOnce, Report};
use super::model::{Endianness, VcpuModel};
use super::stats::ExitStats;
use super::timer::{GuestTimer, TimerRates, ZeroFrequency};
use crate::cp0::fields::Status;
use crate::isa::{Endian, Gpr, GprRead, GuestIsa};

/// The guest's general registers, HI/LO and PC. The guest is 32-bit even on
/// a 64-bit host; the firmware converts from its host-word trap frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GuestRegs {
    /// `gpr[0]` is kept at 0 by [`GuestRegs::set`]; reads of `$zero` go
    /// through [`GuestRegs::get`], which answers 0 whatever the slot holds.
    pub gpr: [u32; 32],
    pub hi: u32,
    pub lo: u32,
    pub pc: u32,
}

impl GuestRegs {
    pub fn get(&self, reg: Gpr) -> u32 {
        if reg == Gpr::Zero {
            0
        } else {
            self.gpr[reg.number() as usize]
        }
    }

    /// Writes `reg`; writes to `$zero` are discarded as the hardware does.
    pub fn set(&mut self, reg: Gpr, value: u32) {
        if reg != Gpr::Zero {
            self.gpr[reg.number() as usize] = value;
        }
    }
}

impl GprRead for GuestRegs {
    fn gpr(&self, reg: Gpr) -> u32 {
        self.get(reg)
    }
}

/// Why a vCPU could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VcpuError {
    /// The host or guest timer frequency is zero.
    TimerFrequency,
    /// The model's TLB size is not one the guest TLB supports.
    TlbSize(usize),
}

impl From<ZeroFrequency> for VcpuError {
    fn from(_: ZeroFrequency) -> Self {
        VcpuError::TimerFrequency
    }
}

impl From<BadTlbSize> for VcpuError {
    fn from(e: BadTlbSize) -> Self {
        VcpuError::TlbSize(e.0)
    }
}

/// Exceptions delivered in a row while Status.EXL was already set (no ERET
/// or EXL-clearing write between them) after which the guest is stopped: its
/// exception handler faults on itself, which only a reset could end.
pub const EXCEPTION_LOOP_LIMIT: u32 = 100_000;

/// Linux's KVM-guest kernels assume a 100 MHz Count unless told otherwise.
pub const LINUX_KVM_GUEST_TIMER_HZ: u64 = 100_000_000;

/// One guest virtual CPU.
pub struct Vcpu<M: GuestMemory> {
    pub regs: GuestRegs,
    pub cp0: VirtualCp0,
    pub tlb: GuestTlb,
    /// The guest's GVA tables and guest-physical memory.
    pub mmu: M,
    pub stats: ExitStats,
    /// What the last exit was (set by `handle_exit` and the fast path), for `exit_costs`.
    pub exit_kind: ExitKind,
    /// Host Count ticks per exit kind (the firmware records them).
    pub exit_costs: ExitCosts,
    /// Serve the exits `fast_exit` knows before the generic path (`fast_exit=off` disables it).
    pub fast_exits: bool,
    /// Dynamic translation (see `dyntrans`): rewrite emulated data-cache
    /// operations to NOPs in guest memory. On by default.
    pub dyntrans: bool,
    /// The guest has the hardware FPU: given at its first FPU instruction
    /// with Status.CU1 set, kept from then on (nothing else uses the FPU).
    pub fpu_owned: bool,
    pub(super) timer: GuestTimer,
    pub(super) isa: GuestIsa,
    /// The LLbit of LL/SC pairs the monitor emulates (to monitor-served
    /// addresses); cleared by ERET as the architecture's LLbit is.
    pub(super) ll_bit: bool,
    /// Set by a WAIT nothing can end (see `HaltReason::GuestStopped`).
    pub(super) stopped: bool,
    /// Exceptions delivered since one was last delivered with EXL clear.
    pub(super) nested_deliveries: u32,
    reported: LogOnce,
}

impl<M: GuestMemory> Vcpu<M> {
    /// A vCPU in the model's reset state (see `VirtualCp0`), guest Count 0
    /// now, counting at `guest_timer_hz`; arms the host timer.
    pub fn new(
        model: VcpuModel,
        isa: GuestIsa,
        mmu: M,
        guest_timer_hz: u64,
        host: &mut impl HostServices,
    ) -> Result<Self, VcpuError> {
        let rates = TimerRates::new(host.host_count_hz(), guest_timer_hz)?;
        let mut vcpu = Vcpu {
            regs: GuestRegs::default(),
            cp0: VirtualCp0::new(model),
            tlb: GuestTlb::new(model.tlb_entries())?,
            mmu,
            stats: ExitStats::default(),
            exit_kind: ExitKind::Other,
            exit_costs: ExitCosts::default(),
            fast_exits: true,
            dyntrans: true,
            fpu_owned: false,
            timer: GuestTimer::new(rates, host.host_count()),
            isa,
            ll_bit: false,
            stopped: false,
            nested_deliveries: 0,
            reported: LogOnce::default(),
        };
        vcpu.arm_timer(host);
        Ok(vcpu)
    }

    /// The guest's privilege level; the firmware enters with the GVA table of this mode.
    pub fn guest_mode(&self) -> GuestMode {
        self.cp0.guest_mode()
    }

    pub fn isa(&self) -> GuestIsa {
        self.isa
    }

    pub fn timer(&self) -> &GuestTimer {
        &self.timer
    }

    /// Guest Count now (a Compare match on the way raises the timer interrupt).
    pub fn guest_count(&mut self, host: &mut impl HostServices) -> u32 {
        if self.update_timer(host) {
            self.arm_timer(host);
        }
        self.timer.last_count()
    }

    /// Call before every guest entry: brings the timer and the device lines
    /// up to date and delivers an interrupt the guest can take now.
    pub fn before_entry(&mut self, host: &mut impl HostServices) {
        if self.update_timer(host) {
            self.arm_timer(host);
        }
        self.update_device_lines(host);
        self.deliver_pending_interrupt();
    }

    /// The guest's byte order, as the load/store merges want it.
    pub(super) fn endian(&self) -> Endian {
        match self.cp0.model().endianness() {
            Endianness::Big => Endian::Big,
            Endianness::Little => Endian::Little,
        }
    }

    /// Guest kernel mode, or Status.CU0 set: COP0 and CACHE are usable.
    pub(super) fn cp0_usable(&self) -> bool {
        self.guest_mode() == GuestMode::Kernel || self.cp0.status().contains(Status::CU0)
    }

    /// Takes `exception` in the guest; `epc`/`in_delay_slot` as the hardware
    /// recorded them for the trapping instruction.
    pub(super) fn deliver(&mut self, exception: GuestException, epc: u32, in_delay_slot: bool) {
        if self.cp0.status().contains(Status::EXL) {
            self.nested_deliveries = self.nested_deliveries.saturating_add(1);
        } else {
            self.nested_deliveries = 0;
        }
        self.regs.pc = self.cp0.deliver(exception, epc, in_delay_slot);
    }

    /// Delivers an interrupt if the guest's Status lets one in now; it is
    /// taken before the instruction at the resume PC.
    /// Status bits the host CPU carries while this guest runs, beyond user
    /// mode and interrupts: CU1 once the guest owns the FPU and enables it, FR
    /// as the guest sets it, MX (DSP) as the guest sets it on a DSP model.
    pub fn hardware_status_bits(&self) -> Status {
        let guest = self.cp0.status();
        let writable = self.cp0.model().status_write_mask();
        let mut bits = guest & writable & (Status::FR | Status::MX);
        if !self.cp0.model().has_dsp() {
            bits.remove(Status::MX);
        }
        if self.fpu_owned && guest.contains(Status::CU1) {
            bits.insert(Status::CU1);
        }
        bits
    }

    pub(super) fn deliver_pending_interrupt(&mut self) {
        if self.cp0.pending_interrupt() {
            self.stats.guest_interrupts += 1;
            self.deliver(GuestException::Interrupt, self.regs.pc, false);
        }
    }

    /// Raises the guest timer interrupt if guest Count reached Compare since
    /// the last look; returns whether it did.
    pub(super) fn update_timer(&mut self, host: &impl HostServices) -> bool {
        let reached = self.timer.reached(self.cp0.compare(), host.host_count());
        if reached {
            self.cp0.raise_timer_interrupt();
        }
        reached
    }

    /// Programs the host timer for the guest's next Compare match.
    pub(super) fn arm_timer(&mut self, host: &mut impl HostServices) {
        host.arm_host_timer(self.timer.host_deadline(self.cp0.compare()));
    }

    /// Mirrors the guest devices' interrupt requests into Cause.IP7..2.
    pub(super) fn update_device_lines(&mut self, host: &mut impl HostServices) {
        let lines = host.guest_interrupt_lines();
        for ip in 2..=7 {
            self.cp0.set_interrupt_line(ip, lines & (1 << ip) != 0);
        }
    }

    /// Host interrupt: timer bookkeeping, device lines, and the host timer
    /// re-armed (which acknowledges it).
    pub(super) fn service_host_interrupt(&mut self, host: &mut impl HostServices) {
        self.update_timer(host);
        self.arm_timer(host);
        self.update_device_lines(host);
    }

    /// Logs `message` about the instruction `word` at `pc`, once per pair.
    pub(super) fn report(
        &mut self,
        host: &mut impl HostServices,
        pc: u32,
        word: u32,
        message: fmt::Arguments<'_>,
    ) {
        match self.reported.check(pc, word) {
            Report::New => host.log(format_args!("vcpu: {pc:08x}: {word:08x}: {message}")),
            Report::Full => {
                host.log(format_args!("vcpu: too many guest instruction reports; no more logged"))
            }
            Report::Quiet => {}
        }
    }
}
