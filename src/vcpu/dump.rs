//! The guest's state as the monitor prints it when it stops the guest: its
//! PC, the virtual CP0 registers that say what it was doing, and its GPRs.

use core::fmt;

use super::host::GuestMemory;
use super::state::Vcpu;
use crate::cp0::fields::Cause;
use crate::trapframe::write_gpr_rows;

/// Displays a vCPU's guest state over several lines.
pub struct GuestDump<'a, M: GuestMemory>(pub &'a Vcpu<M>);

impl<M: GuestMemory> fmt::Display for GuestDump<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (regs, cp0) = (&self.0.regs, &self.0.cp0);
        let cause = cp0.cause();
        writeln!(
            f,
            "guest pc {:08x}  Cause {:08x} (ExcCode {}{})",
            regs.pc,
            cause.bits(),
            cause.exc_code().describe(),
            if cause.contains(Cause::BD) { ", in a branch delay slot" } else { "" }
        )?;
        writeln!(
            f,
            "  EPC {:08x}  BadVAddr {:08x}  Status {:08x}",
            cp0.epc(),
            cp0.bad_vaddr(),
            cp0.status().bits()
        )?;
        write_gpr_rows(f, 8, |reg| regs.gpr[reg.number() as usize] as u64)?;
        write!(f, "    hi {:08x}    lo {:08x}", regs.hi, regs.lo)
    }
}
