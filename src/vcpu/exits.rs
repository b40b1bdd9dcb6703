//! What the monitor does when the guest traps: the `match` on the host
//! exception cause.
//!
//! For an exit that needs the trapping instruction, the word comes from
//! BadInstr when the CPU has it, else from guest memory. With Cause.BD set
//! the branch before it (BadInstrP, or the word at EPC) is resolved from the
//! registers as they are at the trap, before emulation can change them;
//! its link is written, the instruction emulated, and the guest resumes at
//! the branch's destination (see `isa::branch_outcome`). A likely branch that
//! is not taken nullifies its delay slot, so an instruction there never traps.

use super::emulate::{Step, Trapped, RESERVED_INSTRUCTION};
use super::exception::{Access, GuestException};
use super::exit_cost::ExitKind;
use super::guest_layout::Segment;
use super::guest_tlb::VaRange;
use super::host::{AccessKind, FaultResolution, GuestMemory, HostServices};
use super::load_store::PhysTarget;
use super::mmu::{HostTlbFlush, SpaceIdSet};
use super::state::{Vcpu, EXCEPTION_LOOP_LIMIT};
use super::stats::ExitStats;
use crate::cp0::fields::{Cause, ExcCode, Status};
use crate::isa::{branch_outcome, decode, Branch, BranchOutcome, FpuConditions};

/// One exception the guest raised while running, as the firmware read it
/// from the host CP0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostExit {
    pub exc: ExcCode,
    /// Cause.BD: the trapping instruction is in the delay slot of the branch at `epc`.
    pub cause_bd: bool,
    /// Cause.CE: the coprocessor a Coprocessor Unusable exception names.
    pub coprocessor: u8,
    pub epc: u32,
    pub bad_vaddr: u32,
    /// BadInstr (Config3.BI): the trapping instruction's word.
    pub bad_instr: Option<u32>,
    /// BadInstrP (Config3.BP): the branch's word when `cause_bd`.
    pub bad_instr_p: Option<u32>,
}

impl HostExit {
    /// An exit described by the host's Cause and the other registers.
    pub fn from_cause(
        cause: Cause,
        epc: u32,
        bad_vaddr: u32,
        bad_instr: Option<u32>,
        bad_instr_p: Option<u32>,
    ) -> Self {
        HostExit {
            exc: cause.exc_code(),
            cause_bd: cause.contains(Cause::BD),
            coprocessor: cause.ce(),
            epc,
            bad_vaddr,
            bad_instr,
            bad_instr_p,
        }
    }

    /// The trapping instruction's address: EPC, or the delay slot after it.
    pub fn faulting_pc(&self) -> u32 {
        if self.cause_bd {
            self.epc.wrapping_add(4)
        } else {
            self.epc
        }
    }
}

/// What the firmware does after an exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitOutcome {
    /// Enter the guest again at `regs.pc` (call `before_entry` first).
    Resume,
    /// The guest used the FPU for the first time with its virtual Status.CU1
    /// set: give it the FPU (`fpu_owned` is now set, so host Status.CU1
    /// follows the guest's), then resume at `regs.pc`, the instruction to retry.
    GrantFpu,
    /// Stop running the guest.
    Halt(HaltReason),
}

/// Why the guest cannot continue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HaltReason {
    /// A host exception a guest in user mode cannot cause (machine check,
    /// cache error, watch, ...): the monitor's state is suspect.
    UnexpectedException { exc: ExcCode, epc: u32 },
    /// The guest executed WAIT with every interrupt line masked (Status.IM
    /// = 0): nothing but a reset can wake it, so it has stopped for good.
    GuestStopped { pc: u32 },
    /// A fetch from the guest's own exception vector found no RAM: the
    /// instruction bus error it raises would be taken at that same vector,
    /// forever. Not delivered, so the guest's Cause and EPC still name the
    /// exception that sent it there.
    ExceptionVectorNotRam { vector: u32, guest_phys: u32 },
    /// [`EXCEPTION_LOOP_LIMIT`] exceptions in a row were delivered with
    /// Status.EXL already set: the guest's handler keeps faulting and never
    /// returns. `pc` is where the last one was raised.
    ExceptionLoop { pc: u32, exc: ExcCode },
}

/// The line the monitor prints when it stops the guest.
impl core::fmt::Display for HaltReason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            HaltReason::GuestStopped { pc } => {
                write!(f, "guest stopped (WAIT with every interrupt masked at {pc:#010x})")
            }
            HaltReason::UnexpectedException { exc, epc } => {
                write!(f, "unexpected host exception {} at guest pc {epc:#010x}", exc.describe())
            }
            HaltReason::ExceptionVectorNotRam { vector, guest_phys } => write!(
                f,
                "guest stopped: its exception vector {vector:#010x} is guest physical {guest_phys:#010x}, \
                 not RAM, so it cannot take exceptions"
            ),
            HaltReason::ExceptionLoop { pc, exc } => write!(
                f,
                "guest stopped: an exception loop, {EXCEPTION_LOOP_LIMIT} exceptions in a row taken with \
                 Status.EXL set and no ERET (the last {} at {pc:#010x})",
                exc.describe()
            ),
        }
    }
}

/// Host TLB entries map an even/odd pair of 4 KiB pages.
const HOST_PAIR_BYTES: u32 = 0x2000;

impl<M: GuestMemory> Vcpu<M> {
    /// Handles one guest exit. `regs` must hold the guest's registers at the
    /// trap; the guest PC is taken from `exit.epc`. On `Resume`, `regs.pc` is
    /// where the guest continues (an interrupt it can take now is already
    /// delivered).
    pub fn handle_exit(&mut self, exit: &HostExit, host: &mut impl HostServices) -> ExitOutcome {
        self.stats.exits += 1;
        self.regs.pc = exit.epc;
        self.exit_kind = ExitKind::of_cause(exit.exc);
        match exit.exc {
            ExcCode::Int => {
                self.stats.interrupt += 1;
                self.service_host_interrupt(host);
            }
            ExcCode::CpU => {
                self.stats.cop_unusable += 1;
                match exit.coprocessor {
                    0 => self.run_trapped(exit, host, Self::emulate_privileged),
                    1 if self.cp0.status().contains(Status::CU1) => {
                        self.stats.fpu_granted += 1;
                        self.fpu_owned = true;
                        self.exit_kind = ExitKind::Special;
                        return ExitOutcome::GrantFpu;
                    }
                    unit => {
                        if unit == 1 {
                            self.stats.fpu_unusable += 1;
                        }
                        self.redeliver(GuestException::CoprocessorUnusable { unit }, exit)
                    }
                }
            }
            ExcCode::Ri => {
                self.stats.resvd_inst += 1;
                self.run_trapped(exit, host, Self::emulate_reserved);
            }
            // DSP disabled (Status.MX clear) is the guest's to handle on a DSP model.
            ExcCode::DspDis if self.cp0.model().has_dsp() => {
                self.redeliver_counted(exit, |s| &mut s.resvd_inst)
            }
            // No model has MSA, and DSP only where Config3.DSPP says: reserved instructions.
            ExcCode::MsaDis | ExcCode::DspDis => {
                self.stats.resvd_inst += 1;
                self.redeliver(RESERVED_INSTRUCTION, exit);
            }
            ExcCode::AdEL | ExcCode::AdES => self.address_error(exit, host),
            ExcCode::TlbL | ExcCode::TlbS | ExcCode::Mod => {
                if let Some(reason) = self.tlb_fault(exit, host) {
                    return ExitOutcome::Halt(reason);
                }
            }
            ExcCode::Sys => self.redeliver_counted(exit, |s| &mut s.syscall),
            ExcCode::Bp => self.redeliver_counted(exit, |s| &mut s.break_inst),
            ExcCode::Tr => self.redeliver_counted(exit, |s| &mut s.trap_inst),
            ExcCode::Ov => self.redeliver_counted(exit, |s| &mut s.overflow),
            ExcCode::Fpe => self.redeliver_counted(exit, |s| &mut s.fpe),
            ExcCode::Ibe | ExcCode::Dbe => self.redeliver_counted(exit, |s| &mut s.bus_error),
            exc => return ExitOutcome::Halt(HaltReason::UnexpectedException { exc, epc: exit.epc }),
        }
        if self.stopped {
            return ExitOutcome::Halt(HaltReason::GuestStopped { pc: exit.epc });
        }
        if self.nested_deliveries >= EXCEPTION_LOOP_LIMIT {
            return ExitOutcome::Halt(HaltReason::ExceptionLoop { pc: exit.faulting_pc(), exc: exit.exc });
        }
        self.deliver_pending_interrupt();
        ExitOutcome::Resume
    }

    /// Gives the guest the exception the host took, with the host's EPC and BD.
    fn redeliver(&mut self, exception: GuestException, exit: &HostExit) {
        self.deliver(exception, exit.epc, exit.cause_bd);
    }

    fn redeliver_counted(&mut self, exit: &HostExit, counter: impl FnOnce(&mut ExitStats) -> &mut u64) {
        *counter(&mut self.stats) += 1;
        self.redeliver(GuestException::Other(exit.exc), exit);
    }

    /// AdEL/AdES: a guest kernel's access to real KSEG0/KSEG1 is served by
    /// the monitor; every other address error is the guest's.
    fn address_error(&mut self, exit: &HostExit, host: &mut impl HostServices) {
        let access = if exit.exc == ExcCode::AdES {
            self.stats.addrerr_st += 1;
            Access::Store
        } else {
            self.stats.addrerr_ld += 1;
            Access::Load
        };
        let guests = GuestException::AddressError { access, bad_vaddr: exit.bad_vaddr };
        let fetch = exit.bad_vaddr == exit.faulting_pc();
        let segment = Segment::of(self.cp0.model().layout(), exit.bad_vaddr, self.guest_mode());
        let served = matches!(segment, Segment::Unmapped { view, .. } if view.is_real_kseg01()) && !fetch;
        if !served {
            return self.redeliver(guests, exit);
        }
        self.exit_kind = ExitKind::ServedAccess;
        self.run_trapped(exit, host, |vcpu, t, host| {
            vcpu.emulate_served_access(t, PhysTarget::RealKseg01, guests, host)
        });
    }

    /// TLBL/TLBS/Mod on a guest address: the MMU fills its GVA table,
    /// hands the exception to the guest, or leaves the access to emulate.
    /// Halts the guest when a fetch bus error could only ever repeat.
    fn tlb_fault(&mut self, exit: &HostExit, host: &mut impl HostServices) -> Option<HaltReason> {
        let access = match exit.exc {
            ExcCode::TlbS => {
                self.stats.tlbmiss_st += 1;
                AccessKind::Store
            }
            ExcCode::Mod => {
                self.stats.tlbmod += 1;
                AccessKind::Store
            }
            _ => {
                self.stats.tlbmiss_ld += 1;
                if exit.bad_vaddr == exit.faulting_pc() {
                    AccessKind::Fetch
                } else {
                    AccessKind::Load
                }
            }
        };
        let (mode, asid) = (self.guest_mode(), self.cp0.asid());
        match self.mmu.resolve_fault(exit.bad_vaddr, access, mode, &self.tlb, asid) {
            FaultResolution::Mapped => {
                self.exit_kind = ExitKind::TlbFill;
                // The host TLB still holds the invalid or clean entry that
                // raised this, under the mode's id; drop it so the retry refills from the table.
                let start = exit.bad_vaddr & !(HOST_PAIR_BYTES - 1);
                let range = VaRange { start, len: HOST_PAIR_BYTES };
                host.flush_host_tlb(HostTlbFlush::Pages {
                    range,
                    ids: SpaceIdSet::of(self.mmu.space_id(mode)),
                });
            }
            FaultResolution::Deliver(exception) => self.redeliver(exception, exit),
            FaultResolution::BeyondRam { guest_phys } => {
                self.stats.bus_error += 1;
                let pc = exit.faulting_pc();
                if access == AccessKind::Fetch {
                    if let Some(halt) = self.unfetchable_vector(pc, guest_phys) {
                        return Some(halt);
                    }
                }
                let exc = if access == AccessKind::Fetch { ExcCode::Ibe } else { ExcCode::Dbe };
                self.report(
                    host,
                    pc,
                    0,
                    format_args!(
                        "{:08x} is guest physical {guest_phys:08x}, beyond the guest's RAM; guest gets {}",
                        exit.bad_vaddr,
                        if exc == ExcCode::Ibe { "IBE" } else { "DBE" }
                    ),
                );
                self.redeliver(GuestException::Other(exc), exit);
            }
            FaultResolution::Emulate { guest_phys } if access == AccessKind::Fetch => {
                self.stats.bus_error += 1;
                let pc = exit.faulting_pc();
                if let Some(halt) = self.unfetchable_vector(pc, guest_phys) {
                    return Some(halt);
                }
                self.report(
                    host,
                    pc,
                    0,
                    format_args!("fetch from guest physical {guest_phys:08x}: not RAM; guest gets IBE"),
                );
                self.redeliver(GuestException::Other(ExcCode::Ibe), exit);
            }
            FaultResolution::Emulate { guest_phys } => {
                self.exit_kind = ExitKind::ServedAccess;
                let target = PhysTarget::Resolved { gva: exit.bad_vaddr, guest_phys };
                let otherwise = GuestException::Other(ExcCode::Dbe);
                self.run_trapped(exit, host, |vcpu, t, host| {
                    vcpu.emulate_served_access(t, target, otherwise, host)
                });
            }
        }
        None
    }

    /// A failed fetch at `pc` raises an instruction bus error; when its
    /// vector is `pc` itself the guest could never leave it: halt instead.
    fn unfetchable_vector(&self, pc: u32, guest_phys: u32) -> Option<HaltReason> {
        let vector = self.cp0.vector_for(GuestException::Other(ExcCode::Ibe));
        (vector == pc).then_some(HaltReason::ExceptionVectorNotRam { vector, guest_phys })
    }

    /// Fetches and decodes the trapping instruction, resolves its branch if
    /// it sat in a delay slot, emulates it with `emulate` and applies the result.
    fn run_trapped<H: HostServices>(
        &mut self,
        exit: &HostExit,
        host: &mut H,
        emulate: impl FnOnce(&mut Self, &Trapped, &mut H) -> Step,
    ) {
        let pc = exit.faulting_pc();
        let word = match exit.bad_instr {
            Some(word) => word,
            None => match self.fetch(pc, host) {
                Ok(word) => word,
                Err(step) => return self.finish(step, exit, None),
            },
        };
        let trapped = Trapped { pc, word, insn: decode(word, self.isa), in_delay_slot: exit.cause_bd };
        let branch = if exit.cause_bd {
            match self.delay_slot_branch(exit, host) {
                Ok(outcome) => Some(outcome),
                Err(step) => return self.finish(step, exit, None),
            }
        } else {
            None
        };
        if let Some(outcome) = branch {
            if outcome.resume_after_slot().is_none() {
                // Cannot happen on hardware (a nullified slot does not execute,
                // nor does a taken compact branch's forbidden slot); carry on as
                // the branch would.
                self.report(host, exit.epc, word, format_args!("trap in a slot its branch does not execute"));
                self.regs.pc = outcome.next_pc;
                return;
            }
            if let Some(link) = outcome.link {
                self.regs.set(link.reg, link.value);
            }
        }
        let step = emulate(self, &trapped, host);
        self.finish(step, exit, branch);
    }

    fn finish(&mut self, step: Step, exit: &HostExit, branch: Option<BranchOutcome>) {
        match step {
            Step::Next => {
                self.regs.pc = match branch {
                    Some(outcome) => outcome.resume_after_slot().unwrap_or(outcome.next_pc),
                    None => exit.faulting_pc().wrapping_add(4),
                }
            }
            Step::Jump(pc) => self.regs.pc = pc,
            Step::Deliver(exception) => self.redeliver(exception, exit),
            Step::Retry => self.regs.pc = exit.epc,
        }
    }

    /// Reads an instruction word through the guest's own mapping. If that
    /// read faults, the guest takes the fault as its fetch would have.
    pub(super) fn fetch(&mut self, pc: u32, host: &mut impl HostServices) -> Result<u32, Step> {
        let (mode, asid) = (self.guest_mode(), self.cp0.asid());
        match self.mmu.read_u32(pc, mode, &self.tlb, asid) {
            Ok(word) => Ok(word),
            Err(FaultResolution::Deliver(exception)) => Err(Step::Deliver(exception)),
            Err(FaultResolution::Mapped) => Err(Step::Retry),
            Err(FaultResolution::Emulate { guest_phys } | FaultResolution::BeyondRam { guest_phys }) => {
                self.stats.bus_error += 1;
                self.report(
                    host,
                    pc,
                    0,
                    format_args!("instruction at guest physical {guest_phys:08x}: not RAM"),
                );
                Err(Step::Deliver(GuestException::Other(ExcCode::Ibe)))
            }
        }
    }

    /// The branch at `exit.epc` whose delay slot trapped, resolved.
    fn delay_slot_branch(
        &mut self,
        exit: &HostExit,
        host: &mut impl HostServices,
    ) -> Result<BranchOutcome, Step> {
        let word = match exit.bad_instr_p {
            Some(word) => word,
            None => self.fetch(exit.epc, host)?,
        };
        let insn = decode(word, self.isa);
        let branch = match insn.as_branch() {
            // Release 6 reports a trap in a compact branch's forbidden slot like
            // one in a delay slot: EPC = the branch, Cause.BD set.
            Some(branch) if branch.has_delay_slot() || branch.has_forbidden_slot() => *branch,
            _ => {
                self.report(
                    host,
                    exit.epc,
                    word,
                    format_args!(
                        "BD set but `{}` has no delay slot or forbidden slot",
                        insn.display_at(exit.epc)
                    ),
                );
                return Err(Step::Deliver(RESERVED_INSTRUCTION));
            }
        };
        let fpu = match branch {
            Branch::FpCondition { .. } | Branch::FpRegister { .. } => {
                host.fpu_conditions(self.cp0.status().contains(Status::FR))
            }
            _ => FpuConditions::default(),
        };
        branch_outcome(&branch, exit.epc, &self.regs, &fpu).map_err(|error| {
            // MD00086: a branch that links into its own source is UNPREDICTABLE.
            self.report(host, exit.epc, word, format_args!("unresolvable branch ({error:?}); guest gets RI"));
            Step::Deliver(RESERVED_INSTRUCTION)
        })
    }
}
