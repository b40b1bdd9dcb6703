//! Processes and the scheduler.
//!
//! Task 0 is the kernel shell (a kernel thread, ASID 0, no user mappings);
//! processes run in user mode, each with its own address space and ASID.
//! Every switch happens in trap context: the trap handler returns the frame
//! of the task to run next (the shell's frame lives on its own stack, a
//! process's in its table slot). Round robin on each timer tick, on a
//! process's `yield` or exit, and when the shell yields with a kernel-mode
//! SYSCALL while it waits for its children.

use core::ptr::{addr_of_mut, null_mut};

use crate::cp0::{self, cause, exc, status};
use crate::mm::space::{self, pte, AddressSpace, MapError};
use crate::mm::{tlb, PAGE_SIZE};
use crate::trap::{self, frame::reg, Caught, TrapFrame};
use crate::user::{self, Program};
use crate::{syscall, timer};

pub const MAX_PROCESSES: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Free,
    Ready,
    /// Exited with this code; kept for `ps` until the parent reaps it.
    Exited(i32),
}

pub struct Process {
    pub pid: u32,
    pub state: State,
    pub program: Option<&'static Program>,
    frame: TrapFrame,
    space: Option<AddressSpace>,
    /// The exception that killed it, if one did.
    pub fault: Option<Caught>,
    /// Timer ticks while it was running.
    pub ticks: u32,
    /// Do not report its death on the console (the self-tests kill on purpose).
    quiet: bool,
}

impl Process {
    const FREE: Process = Process {
        pid: 0,
        state: State::Free,
        program: None,
        frame: TrapFrame::zeroed(),
        space: None,
        fault: None,
        ticks: 0,
        quiet: false,
    };

    fn asid(slot: usize) -> u32 {
        slot as u32 + 1
    }

    /// A byte of this process's memory, if mapped and below kseg.
    pub fn read_user_byte(&self, va: u32) -> Option<u8> {
        if va >= 0x4000_0000 {
            return None;
        }
        let address = self.space.as_ref()?.kernel_address(va, false)?;
        // SAFETY: a mapped frame of this process.
        Some(unsafe { address.read() })
    }
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpawnError {
    NoFreeSlot,
    OutOfMemory,
}

impl From<MapError> for SpawnError {
    fn from(_: MapError) -> Self {
        SpawnError::OutOfMemory
    }
}

/// Creates a ready process running `program`; returns its pid.
pub fn spawn(program: &'static Program) -> Result<u32, SpawnError> {
    spawn_with(program, false)
}

/// As `spawn`, but a fatal exception is not reported on the console.
pub fn spawn_quiet(program: &'static Program) -> Result<u32, SpawnError> {
    spawn_with(program, true)
}

fn spawn_with(program: &'static Program, quiet: bool) -> Result<u32, SpawnError> {
    let space = build_space()?;
    critical(|| {
        let scheduler = scheduler();
        let Some(slot) = scheduler.processes.iter().position(|p| p.state == State::Free) else {
            space.destroy();
            return Err(SpawnError::NoFreeSlot);
        };
        let pid = scheduler.next_pid;
        scheduler.next_pid += 1;
        let mut frame = TrapFrame::zeroed();
        frame.epc = program.entry();
        frame.regs[reg::SP] = user::STACK_TOP - 16;
        frame.status = user_status();
        scheduler.processes[slot] = Process {
            pid,
            state: State::Ready,
            program: Some(program),
            frame,
            space: Some(space),
            fault: None,
            ticks: 0,
            quiet,
        };
        Ok(pid)
    })
}

/// User mode with interrupts and the timer enabled; no coprocessor access
/// (CU0 clear, so CP0 instructions raise Coprocessor Unusable). EXL is set
/// so the ERET that enters the process switches to user mode.
fn user_status() -> u32 {
    status::UM | status::IE | status::im(timer::line()) | status::EXL
}

fn build_space() -> Result<AddressSpace, SpawnError> {
    let mut space = AddressSpace::new().ok_or(SpawnError::OutOfMemory)?;
    match populate(&mut space) {
        Ok(()) => Ok(space),
        Err(error) => {
            space.destroy();
            Err(error.into())
        }
    }
}

/// Maps the user image (read-only) and the stack.
fn populate(space: &mut AddressSpace) -> Result<(), MapError> {
    let image = user::image();
    for (index, chunk) in image.chunks(PAGE_SIZE as usize).enumerate() {
        let va = user::USER_CODE + index as u32 * PAGE_SIZE;
        let frame = space.map_new(va, pte::VALID | pte::CACHEABLE)?;
        // SAFETY: a fresh frame of ours.
        unsafe {
            core::ptr::copy_nonoverlapping(chunk.as_ptr(), crate::mm::physical_to_kernel(frame), chunk.len());
        }
        crate::cache::sync_icache_with_cache_ops(crate::mm::physical_to_kernel(frame) as usize, chunk.len());
    }
    for page in 1..=user::STACK_PAGES {
        space.map_new(user::STACK_TOP - page * PAGE_SIZE, pte::VALID | pte::DIRTY | pte::CACHEABLE)?;
    }
    Ok(())
}

/// Reaps an exited process: frees its slot; returns its exit code and fault.
pub fn reap(pid: u32) -> Option<(i32, Option<Caught>)> {
    critical(|| {
        let process = scheduler().processes.iter_mut().find(|p| p.pid == pid && p.state != State::Free)?;
        match process.state {
            State::Exited(code) => {
                let fault = process.fault;
                *process = Process::FREE;
                Some((code, fault))
            }
            _ => None,
        }
    })
}

/// The exit code `kill` gives a process.
pub const KILLED: i32 = -9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KillError {
    NoSuchProcess,
    AlreadyExited,
}

/// Ends process `pid` (called by the shell, so it is not the one running).
pub fn kill(pid: u32) -> Result<(), KillError> {
    critical(|| {
        let process = scheduler()
            .processes
            .iter_mut()
            .find(|p| p.pid == pid && p.state != State::Free)
            .ok_or(KillError::NoSuchProcess)?;
        match process.state {
            State::Ready => {
                retire(process, KILLED, None);
                Ok(())
            }
            _ => Err(KillError::AlreadyExited),
        }
    })
}

/// Reaps every exited process; calls `report` with (pid, program, code).
pub fn reap_exited(mut report: impl FnMut(u32, &str, i32)) {
    critical(|| {
        for process in scheduler().processes.iter_mut() {
            if let State::Exited(code) = process.state {
                report(process.pid, process.program.map_or("?", |p| p.name), code);
                *process = Process::FREE;
            }
        }
    })
}

/// Yields to the processes until `pid` has exited, then reaps it; `None`
/// if there is no such process.
pub fn wait_exit(pid: u32) -> Option<(i32, Option<Caught>)> {
    loop {
        match state_of(pid)? {
            State::Exited(_) => return reap(pid),
            _ => yield_from_kernel(),
        }
    }
}

fn state_of(pid: u32) -> Option<State> {
    critical(|| {
        let processes = &scheduler().processes;
        processes.iter().find(|p| p.pid == pid && p.state != State::Free).map(|p| p.state)
    })
}

/// Gives the CPU to the user processes until the next switch back.
pub fn yield_from_kernel() {
    // SAFETY: a kernel-mode SYSCALL traps to `trap_entry`, which treats it
    // as a yield and resumes after it with every register intact.
    unsafe { core::arch::asm!("syscall") };
}

/// A snapshot of the process table for `ps`.
pub fn for_each_process(mut visit: impl FnMut(&Process)) {
    critical(|| scheduler().processes.iter().filter(|p| p.state != State::Free).for_each(&mut visit));
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

fn exit_current(scheduler: &mut Scheduler, slot: usize, code: i32, fault: Option<Caught>) -> *mut TrapFrame {
    retire(&mut scheduler.processes[slot], code, fault);
    let next = next_task(scheduler);
    switch_to(scheduler, next)
}

/// Ends a process: frees its memory and keeps its exit status for `reap`.
fn retire(process: &mut Process, code: i32, fault: Option<Caught>) {
    process.state = State::Exited(code);
    process.fault = fault;
    if let Some(space) = process.space.take() {
        space.destroy();
    }
    // Its ASID will be reused: drop its translations now.
    tlb::flush_all();
}
