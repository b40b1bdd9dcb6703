//! What the monitor does with an exception taken in its own context.
//!
//! Until guests run, every exception in the monitor is unexpected: print
//! what happened and stop in a known state rather than guess.

use mipsvisor::cp0::{
    self,
    fields::{ExcCode, Status},
};
use mipsvisor::exit_status::HaltKind;
use mipsvisor::trapframe::{Dump, TrapFrame};

pub fn handle(frame: &mut TrapFrame) {
    crate::halt::exception_after_exit();
    if frame.vector == crate::arch::flash::DEBUG_EXIT_VECTOR {
        // SDBBP (or another debug exception) in the monitor's own code: a bug.
        // First: Cause is stale here (a debug exception does not write it).
        println!(
            "mipsvisor: debug exception (SDBBP) in the monitor itself at {:#x}; its registers:\n{}",
            frame.epc,
            Dump(frame)
        );
        println!("mipsvisor: halted");
        crate::halt::end(HaltKind::MonitorFault)
    }
    if frame.cause().exc_code() == ExcCode::Int {
        // `wait_for_interrupt` woke: mask interrupts so the ERET resumes it
        // instead of taking the same still-pending interrupt again.
        let status = Status::from_bits_retain(mfc0!(cp0::STATUS));
        mtc0!(cp0::STATUS, status.difference(Status::IE).bits());
        // Resuming at the `wait` with IE now clear would sleep for good.
        frame.epc = crate::arch::resume_after_wait_region(frame.epc);
        return;
    }
    println!("mipsvisor: unexpected {}", Dump(frame));
    println!("mipsvisor: halted");
    crate::halt::end(HaltKind::MonitorFault)
}
