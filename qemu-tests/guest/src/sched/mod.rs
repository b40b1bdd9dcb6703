//! Processes and the scheduler.
//!
//! Task 0 is the kernel shell (a kernel thread, ASID 0, no user mappings);
//! processes run in user mode, each with its own address space and ASID.
//! Every switch happens in trap context: the trap handler returns the frame
//! of the task to run next (the shell's frame lives on its own stack, a
//! process's in its table slot). Round robin on each timer tick, on a
//! process's `yield` or exit, and when the shell yields with a kernel-mode
//! SYSCALL while it waits for its children.

mod fault;
mod process;

use core::ptr::{addr_of_mut, null_mut};

use crate::cp0::{self, status};
use crate::mm::space;
use crate::trap::{self, Caught, TrapFrame};
pub use fault::user_exception;
use process::retire;
pub use process::{
    for_each_process, kill, reap_exited, spawn, spawn_quiet, spawn_supervisor_quiet, wait_exit, Process,
    State, MAX_PROCESSES,
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Task {
    Shell,
    Process(usize),
}

struct Scheduler {
    processes: [Process; MAX_PROCESSES],
    current: Task,
    shell_frame: *mut TrapFrame,
    next_pid: u32,
    switches: u32,
}

static mut SCHEDULER: Scheduler = Scheduler {
    processes: [Process::FREE; MAX_PROCESSES],
    current: Task::Shell,
    shell_frame: null_mut(),
    next_pid: 1,
    switches: 0,
};

/// The scheduler. Touched only in trap context (interrupts off) or by the
/// shell inside `critical`, so accesses never overlap on this single CPU.
fn scheduler() -> &'static mut Scheduler {
    // SAFETY: see above.
    unsafe { &mut *addr_of_mut!(SCHEDULER) }
}

/// Runs `body` with interrupts disabled (DI), restoring IE afterwards (EI).
pub fn critical<R>(body: impl FnOnce() -> R) -> R {
    let previous: u32;
    // SAFETY: DI only clears Status.IE and returns the old Status.
    unsafe {
        core::arch::asm!(".set push", ".set noat", "di {0}", "ehb", ".set pop", out(reg) previous, options(nostack))
    };
    let result = body();
    if previous & status::IE != 0 {
        // SAFETY: EI sets Status.IE back.
        unsafe { core::arch::asm!("ei", "ehb", options(nostack)) };
    }
    result
}

/// Gives the CPU to the user processes until the next switch back.
pub fn yield_from_kernel() {
    // SAFETY: a kernel-mode SYSCALL traps to `trap_entry`, which treats it
    // as a yield and resumes after it with every register intact.
    unsafe { core::arch::asm!("syscall") };
}

pub fn switch_count() -> u32 {
    critical(|| scheduler().switches)
}

// ---- trap context from here on (interrupts off) ----

/// The task after `current` in round-robin order (the shell is always ready).
fn next_task(scheduler: &Scheduler) -> Task {
    let start = match scheduler.current {
        Task::Shell => 0,
        Task::Process(slot) => slot + 1,
    };
    (start..MAX_PROCESSES)
        .find(|&slot| scheduler.processes[slot].state == State::Ready)
        .map(Task::Process)
        .unwrap_or(Task::Shell)
}

/// Saves nothing (frames are already saved in place); makes `task` current
/// and returns the frame to resume.
fn switch_to(scheduler: &mut Scheduler, task: Task) -> *mut TrapFrame {
    if task != scheduler.current {
        scheduler.switches += 1;
    }
    scheduler.current = task;
    match task {
        Task::Shell => {
            space::activate(space::empty_root());
            cp0::set_entry_hi(0);
            scheduler.shell_frame
        }
        Task::Process(slot) => {
            let process = &mut scheduler.processes[slot];
            let root = process.space.as_ref().expect("a ready process has a space").root_pointer();
            space::activate(root);
            cp0::set_entry_hi(Process::asid(slot));
            let frame = &mut process.frame as *mut TrapFrame;
            // SAFETY: a pointer-sized store the exception handler reads.
            unsafe { trap::current_user_frame = frame };
            frame
        }
    }
}

/// Remembers the shell's frame when it is the one interrupted.
fn save_current(scheduler: &mut Scheduler, frame: *mut TrapFrame) {
    if scheduler.current == Task::Shell {
        scheduler.shell_frame = frame;
    }
}

/// Timer tick: charge it to the running task and rotate.
pub fn on_tick(frame: *mut TrapFrame) -> *mut TrapFrame {
    let scheduler = scheduler();
    if let Task::Process(slot) = scheduler.current {
        scheduler.processes[slot].ticks += 1;
    }
    save_current(scheduler, frame);
    let next = next_task(scheduler);
    switch_to(scheduler, next)
}

/// The shell yields (kernel-mode SYSCALL).
pub fn kernel_yield(frame: *mut TrapFrame) -> *mut TrapFrame {
    let scheduler = scheduler();
    save_current(scheduler, frame);
    let next = next_task(scheduler);
    switch_to(scheduler, next)
}

/// Ends the running process and switches to the next task.
fn exit_current(scheduler: &mut Scheduler, slot: usize, code: i32, fault: Option<Caught>) -> *mut TrapFrame {
    retire(&mut scheduler.processes[slot], code, fault);
    let next = next_task(scheduler);
    switch_to(scheduler, next)
}
