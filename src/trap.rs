//! What the monitor does with an exception taken in its own context.
//!
//! Until guests run, every exception in the monitor is unexpected: print
//! what happened and stop in a known state rather than guess.

use mipsvisor::trapframe::{Dump, TrapFrame};

pub fn handle(frame: &mut TrapFrame) {
    println!("mipsvisor: unexpected {}", Dump(frame));
    println!("mipsvisor: halted");
    crate::arch::halt()
}
