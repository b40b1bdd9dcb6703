//! Exceptions from user mode: system calls, demand-zero heap faults, and
//! fatal faults that end the process.

use super::{exit_current, next_task, scheduler, switch_to, Process, Scheduler, Task};
use crate::cp0::{self, cause, exc};
use crate::mm::space::pte;
use crate::mm::{tlb, PAGE_SIZE};
use crate::syscall;
use crate::trap::{self, Caught, TrapFrame};
use crate::user;

/// Any exception from user mode other than an interrupt.
pub fn user_exception(frame: *mut TrapFrame) -> *mut TrapFrame {
    let scheduler = scheduler();
    let Task::Process(slot) = scheduler.current else {
        // SAFETY: the frame the handler saved.
        trap::unexpected(unsafe { &*frame }, "user (no process)");
    };
    // SAFETY: the running process's own frame.
    let trap = unsafe { &mut *frame };
    let code = cause::exc_code(trap.cause);
    match code {
        exc::SYS if trap.cause & cause::BD == 0 => {
            trap.epc += 4;
            match syscall::handle(trap, &scheduler.processes[slot]) {
                syscall::Outcome::Resume => frame,
                syscall::Outcome::Yield => {
                    let next = next_task(scheduler);
                    switch_to(scheduler, next)
                }
                syscall::Outcome::Exit(code) => exit_current(scheduler, slot, code, None),
            }
        }
        exc::TLBL | exc::TLBS if demand_zero(scheduler, slot, trap.bad_vaddr) => frame,
        _ => {
            let fault = Caught {
                cause: trap.cause,
                epc: trap.epc,
                bad_vaddr: trap.bad_vaddr,
                status: trap.status,
                context: cp0::context(),
                entry_hi: cp0::entry_hi(),
            };
            let process = &scheduler.processes[slot];
            if !process.quiet {
                println!(
                    "pid {} ({}): killed by {} at EPC {:#010x}, BadVAddr {:#010x}",
                    process.pid,
                    process.program.map_or("?", |p| p.name),
                    exc::name(code),
                    trap.epc,
                    trap.bad_vaddr
                );
            }
            exit_current(scheduler, slot, -(code as i32), Some(fault))
        }
    }
}

/// Maps a zeroed page at a heap address on first touch; false if `va` is
/// not a heap address (or memory is exhausted).
fn demand_zero(scheduler: &mut Scheduler, slot: usize, va: u32) -> bool {
    if !(user::HEAP_START..user::HEAP_END).contains(&va) {
        return false;
    }
    let process = &mut scheduler.processes[slot];
    let space = process.space.as_mut().expect("running process has a space");
    let page = va & !(PAGE_SIZE - 1);
    if space.entry(page) & pte::VALID != 0 {
        return false; // mapped yet faulting: not ours to fix
    }
    if space.map_new(page, pte::VALID | pte::DIRTY | pte::CACHEABLE).is_err() {
        return false;
    }
    // The refill cached the pair with this half invalid: rewrite it.
    let (even, odd) = space.entry_pair(page);
    tlb::update(page, Process::asid(slot), even, odd);
    true
}
