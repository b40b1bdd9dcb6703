//! A guest's SDBBP, taken by the monitor's flash debug vector.
//!
//! The guest kernel runs in host user mode, where SDBBP enters EJTAG Debug
//! Mode at 0xBFC00480 with kernel privilege. The monitor owns that vector on
//! a flash boot (`arch::flash`): it leaves Debug Mode with DERET and comes
//! here with DEPC. The guest gets a Reserved Instruction exception: that is
//! what SDBBP raises on a CPU without EJTAG (MIPS32 PRA: SDBBP is reserved
//! when Debug Mode is not implemented) and on Release 6 with Config5.SBRI
//! set, and the virtual 24Kc has no EJTAG (no Config1.EP, no debug vector a
//! guest could own). A guest that expects a debugger sees an illegal
//! instruction, never the monitor's privilege.

use super::emulate::{Step, RESERVED_INSTRUCTION};
use super::exits::ExitOutcome;
use super::host::{GuestMemory, HostServices};
use super::state::Vcpu;
use crate::isa::decode;

impl<M: GuestMemory> Vcpu<M> {
    /// Handles a debug-exception exit at `depc`. DEPC names the branch when
    /// the SDBBP sits in its delay slot (Debug.DBD; QEMU 7.2 leaves DEPC at
    /// the branch but never sets DBD), so a branch word at DEPC means BD.
    pub fn handle_debug_exit(&mut self, depc: u32, host: &mut impl HostServices) -> ExitOutcome {
        self.stats.exits += 1;
        self.stats.resvd_inst += 1;
        self.exit_kind = super::exit_cost::ExitKind::Special;
        self.regs.pc = depc;
        // A first read may only map the page (Retry): read again once.
        let word = self.fetch(depc, host).or_else(|_| self.fetch(depc, host));
        match word {
            Ok(word) => {
                let in_delay_slot = decode(word, self.isa)
                    .as_branch()
                    .is_some_and(|branch| branch.has_delay_slot() || branch.has_forbidden_slot());
                self.deliver(RESERVED_INSTRUCTION, depc, in_delay_slot);
            }
            // The page went away under the guest: it takes that fault instead.
            Err(Step::Deliver(exception)) => self.deliver(exception, depc, false),
            Err(_) => self.deliver(RESERVED_INSTRUCTION, depc, false),
        }
        self.deliver_pending_interrupt();
        ExitOutcome::Resume
    }
}
