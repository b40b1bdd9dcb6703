//! Exits served before the generic exit path: a guest RDHWR of a register
//! the vCPU holds (BusyBox reads its TLS pointer with `rdhwr $29` on every
//! access, and a 24K host without Config3.ULRI traps each one as RI).
//!
//! The firmware asks [`Vcpu::fast_exit`] first, with the exit as it found
//! it; on `Some` it writes the register into the guest's saved frame and
//! re-enters the guest at the next instruction, without copying the frame,
//! timer and interrupt bookkeeping or the generic dispatch: nothing the
//! guest can observe changed except that register and its PC, and a host
//! interrupt still exits to the generic path. On `None` the generic path
//! (`handle_exit`) takes the exit and does exactly what it always did.

use super::emulate::RdhwrOutcome;
use super::exit_cost::ExitKind;
use super::exits::HostExit;
use super::host::GuestMemory;
use super::state::Vcpu;
use crate::cp0::fields::{ExcCode, HwrEna};
use crate::isa::{decode, Gpr, Insn};

/// A guest register the fast path wrote; the guest continues at `pc`.
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
    /// Serves `exit` if it is an RDHWR outside a delay slot whose result
    /// the vCPU holds (UserLocal, CCRes, CPUNum, SYNCI_Step: not Count, which
    /// needs the timer, nor one the guest may not read, which is its RI).
    /// `None`: take the generic path. `self.regs` is not used: the
    /// firmware's frame holds the guest's registers.
    pub fn fast_exit(&mut self, exit: &HostExit) -> Option<FastResume> {
        if !self.fast_exits || exit.exc != ExcCode::Ri || exit.cause_bd {
            return None;
        }
        let word = match exit.bad_instr {
            Some(word) => word,
            None => {
                let (mode, asid) = (self.guest_mode(), self.cp0.asid());
                // The table walk is cheap; the guest TLB search is the fallback.
                match self.mmu.read_mapped_u32(exit.epc, mode) {
                    Some(word) => word,
                    None => self.mmu.read_u32(exit.epc, mode, &self.tlb, asid).ok()?,
                }
            }
        };
        let Insn::Rdhwr { rt, hwr, sel } = decode(word, self.isa) else { return None };
        let RdhwrOutcome::Value(value) = self.rdhwr_outcome(hwr, sel) else { return None };
        self.stats.exits += 1;
        self.stats.resvd_inst += 1;
        self.stats.rdhwr_fast += 1;
        self.exit_kind = ExitKind::RdhwrFast;
        Some(FastResume { reg: rt, value, pc: exit.epc.wrapping_add(4) })
    }
}
