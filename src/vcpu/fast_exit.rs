//! Exits served before the generic exit path: a guest RDHWR of a register
//! the vCPU holds (BusyBox reads its TLS pointer with `rdhwr $29` on every
//! access, and a 24K host without Config3.ULRI traps each one as RI), and
//! the guest kernel's MFC0s and plain MTC0s (Linux's hottest exits).
//!
//! The firmware asks [`Vcpu::fast_exit`] first, with the exit as it found
//! it; on `Some` it writes the register into the guest's saved frame and
//! re-enters the guest at the next instruction, without copying the frame,
//! timer and interrupt bookkeeping or the generic dispatch: nothing the
//! guest can observe changed except that register and its PC, and a host
//! interrupt still exits to the generic path. On `None` the generic path
//! (`handle_exit`) takes the exit and does exactly what it always did.

use super::cp0::WriteEffect;
use super::emulate::RdhwrOutcome;
use super::exit_cost::ExitKind;
use super::exits::HostExit;
use super::host::{GuestMemory, HostServices};
use super::state::Vcpu;
use crate::cp0::fields::{ExcCode, HwrEna, Status};
use crate::cp0::{self};
use crate::isa::{branch_outcome, decode, Branch, Cop0Insn, FpuConditions, Gpr, GprRead, Insn};

/// A guest register the fast path wrote (none when `reg` is `$zero`); the
/// guest continues at `pc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FastResume {
    pub reg: Gpr,
    pub value: u32,
    pub pc: u32,
}

/// The host HWREna for a guest whose virtual HWREna is `guest`, on a host
/// with Config3.ULRI: only ULR, whose register (UserLocal, loaded with the
/// guest's value) the hardware can then serve without a trap. Never CC (it
/// would read host Count, not the guest's), CPUNum or SYNCI_Step (host values).
pub fn host_hwrena(guest: HwrEna) -> HwrEna {
    guest & HwrEna::ULR
}

impl<M: GuestMemory> Vcpu<M> {
    /// Serves `exit` if it is an RDHWR whose result the vCPU holds
    /// (UserLocal, CCRes, CPUNum, SYNCI_Step: not Count, which needs the
    /// timer, nor one the guest may not read, which is its RI); or, in guest
    /// kernel mode, an MFC0 (of Count or Cause too, unless bringing the timer
    /// up to date lets an interrupt in), an MTC0 of a plain register
    /// (`VirtualCp0::write_is_plain`) or of Status changing only IE and IM,
    /// a DI, or an EI; the last two and Status only when they let no
    /// pending interrupt in. The firmware recomputes the host Status for the guest
    /// after each (DI/EI change which device lines may exit). A trap in a
    /// delay slot is served too when its branch links nothing and is not an
    /// FPU branch. `None`: take the generic path. `self.regs` is not used:
    /// `regs` (the firmware's frame) holds the guest's registers.
    ///
    /// A declined exit keeps the words read here in `exit.bad_instr` and
    /// `exit.bad_instr_p`, so the generic path does not fetch them again.
    pub fn fast_exit(
        &mut self,
        exit: &mut HostExit,
        regs: &impl GprRead,
        host: &mut impl HostServices,
    ) -> Option<FastResume> {
        if !self.fast_exits {
            return None;
        }
        let cp0_exit = match exit.exc {
            ExcCode::Ri => false,
            ExcCode::CpU if exit.coprocessor == 0 && self.cp0_usable() => true,
            _ => return None,
        };
        let pc =
            if exit.cause_bd { self.resume_after_delay_slot(exit, regs)? } else { exit.epc.wrapping_add(4) };
        let word = match exit.bad_instr {
            Some(word) => word,
            None => self.word_at(exit.faulting_pc())?,
        };
        exit.bad_instr = Some(word);
        let resume = match decode(word, self.isa) {
            Insn::Rdhwr { rt, hwr, sel } if !cp0_exit => {
                let RdhwrOutcome::Value(value) = self.rdhwr_outcome(hwr, sel) else { return None };
                self.stats.resvd_inst += 1;
                self.stats.rdhwr_fast += 1;
                self.exit_kind = ExitKind::RdhwrFast;
                FastResume { reg: rt, value, pc }
            }
            // Count and Cause bring the timer up to date first (as the generic
            // path does); a timer interrupt that lets in is the generic path's to deliver.
            Insn::Cop0(Cop0Insn::Mfc0 { rt, reg }) if cp0_exit => {
                let value = self.mfc0_value(reg, host).ok()?;
                if self.cp0.pending_interrupt() {
                    return None;
                }
                self.exit_kind = ExitKind::Mfc0Fast;
                self.count_cp0_fast();
                FastResume { reg: rt, value, pc }
            }
            Insn::Cop0(Cop0Insn::Mtc0 { rt, reg }) if cp0_exit && self.cp0.write_is_plain(reg) => {
                let value = regs.gpr(rt);
                let effect = self.cp0.write(reg, value);
                debug_assert_eq!(effect, Ok(WriteEffect::None));
                self.exit_kind = ExitKind::Mtc0Fast;
                self.count_cp0_fast();
                FastResume { reg: Gpr::Zero, value: 0, pc }
            }
            // A Status write that changes only IE and IM and lets no interrupt in
            // (device lines brought up to date first): same guest mode, table and
            // coprocessors; one it lets in is the generic path's to deliver.
            Insn::Cop0(Cop0Insn::Mtc0 { rt, reg }) if cp0_exit && reg == cp0::STATUS => {
                let old = self.cp0.status();
                let mask = self.cp0.model().status_write_mask().bits();
                let new = Status::from_bits_retain((old.bits() & !mask) | (regs.gpr(rt) & mask));
                let interrupt_bits = Status::IE.bits() | Status::from_bits_retain(0).with_im(0xff).bits();
                if (old.bits() ^ new.bits()) & !interrupt_bits != 0 {
                    return None;
                }
                self.update_device_lines(host);
                if self.cp0.pending_interrupt_with(new) {
                    return None;
                }
                if let Ok(effect) = self.cp0.write(cp0::STATUS, new.bits()) {
                    self.apply_cp0_effect(effect, host);
                }
                self.exit_kind = ExitKind::Mtc0Fast;
                self.count_cp0_fast();
                FastResume { reg: Gpr::Zero, value: 0, pc }
            }
            // DI only masks interrupts: nothing becomes pending (the firmware
            // then masks the device lines in the host Status).
            Insn::Cop0(Cop0Insn::Di { rt }) if cp0_exit => {
                let old = self.cp0.status();
                let _ = self.cp0.write(cp0::STATUS, (old - Status::IE).bits());
                self.exit_kind = ExitKind::DiFast;
                self.count_cp0_fast();
                FastResume { reg: rt, value: old.bits(), pc }
            }
            // EI letting no interrupt in (device lines brought up to date first):
            // nothing to deliver. One it lets in is the generic path's to deliver.
            Insn::Cop0(Cop0Insn::Ei { rt }) if cp0_exit => {
                self.update_device_lines(host);
                if self.cp0.pending_interrupt_with(self.cp0.status() | Status::IE) {
                    return None;
                }
                let old = self.cp0.status();
                let _ = self.cp0.write(cp0::STATUS, (old | Status::IE).bits());
                self.exit_kind = ExitKind::EiFast;
                self.count_cp0_fast();
                FastResume { reg: rt, value: old.bits(), pc }
            }
            _ => return None,
        };
        self.stats.exits += 1;
        Some(resume)
    }

    fn count_cp0_fast(&mut self) {
        self.stats.cop_unusable += 1;
        self.stats.cp0_fast += 1;
    }

    /// The word at guest `pc` through the GVA table the guest runs on (a
    /// cheap walk), else through the guest TLB.
    fn word_at(&mut self, pc: u32) -> Option<u32> {
        let (mode, asid) = (self.guest_mode(), self.cp0.asid());
        match self.mmu.read_mapped_u32(pc, mode) {
            Some(word) => Some(word),
            None => self.mmu.read_u32(pc, mode, &self.tlb, asid).ok(),
        }
    }

    /// For a trap in a delay slot: where the guest goes after it, when the
    /// branch at EPC (BadInstrP, else fetched; kept in `exit.bad_instr_p`)
    /// is an ordinary one that links nothing, resolved from `regs` as they
    /// were at the trap. Linking and FPU branches are the generic path's.
    fn resume_after_delay_slot(&mut self, exit: &mut HostExit, regs: &impl GprRead) -> Option<u32> {
        let word = match exit.bad_instr_p {
            Some(word) => word,
            None => self.word_at(exit.epc)?,
        };
        exit.bad_instr_p = Some(word);
        let branch = *decode(word, self.isa).as_branch()?;
        if !branch.has_delay_slot()
            || matches!(branch, Branch::FpCondition { .. } | Branch::FpRegister { .. })
        {
            return None;
        }
        let outcome = branch_outcome(&branch, exit.epc, regs, &FpuConditions::default()).ok()?;
        if outcome.link.is_some() {
            return None;
        }
        outcome.resume_after_slot()
    }
}
