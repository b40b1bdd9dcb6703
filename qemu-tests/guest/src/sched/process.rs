//! The process table's lifecycle: spawn (address space and first frame),
//! kill, exit bookkeeping, wait and reap.

use super::{critical, scheduler, yield_from_kernel};
use crate::cp0::status;
use crate::mm::space::{pte, AddressSpace, MapError};
use crate::mm::{tlb, PAGE_SIZE};
use crate::timer;
use crate::trap::{frame::reg, Caught, TrapFrame};
use crate::user::{self, Program};

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
    pub(super) frame: TrapFrame,
    pub(super) space: Option<AddressSpace>,
    /// The exception that killed it, if one did.
    pub fault: Option<Caught>,
    /// Timer ticks while it was running.
    pub ticks: u32,
    /// Do not report its death on the console (the self-tests kill on purpose).
    pub(super) quiet: bool,
}

impl Process {
    pub(super) const FREE: Process = Process {
        pid: 0,
        state: State::Free,
        program: None,
        frame: TrapFrame::zeroed(),
        space: None,
        fault: None,
        ticks: 0,
        quiet: false,
    };

    pub(super) fn asid(slot: usize) -> u32 {
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
    spawn_with(program, false, status::UM)
}

/// As `spawn`, but a fatal exception is not reported on the console.
pub fn spawn_quiet(program: &'static Program) -> Result<u32, SpawnError> {
    spawn_with(program, true, status::UM)
}

/// As `spawn_quiet`, the process in supervisor mode (KSU = 01): suseg and
/// sseg reachable, CP0 not (for the self-tests of CPUs that have it).
pub fn spawn_supervisor_quiet(program: &'static Program) -> Result<u32, SpawnError> {
    spawn_with(program, true, status::SM)
}

fn spawn_with(program: &'static Program, quiet: bool, mode: u32) -> Result<u32, SpawnError> {
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
        frame.status = process_status(mode);
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

/// `mode` (KSU: user or supervisor) with interrupts and the timer enabled;
/// no coprocessor access (CU0 clear, so CP0 instructions raise Coprocessor
/// Unusable). EXL is set so the ERET that enters the process switches mode.
fn process_status(mode: u32) -> u32 {
    mode | status::IE | status::im(timer::line()) | status::EXL
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
    // One page in sseg (this layout's 0x60000000 up), which only a process
    // in supervisor mode reaches; it starts with `user::SSEG_MARK`.
    let frame = space.map_new(user::SSEG_PAGE, pte::VALID | pte::DIRTY | pte::CACHEABLE)?;
    // SAFETY: a fresh frame of ours.
    unsafe { (crate::mm::physical_to_kernel(frame) as *mut u32).write_volatile(user::SSEG_MARK) };
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

/// A snapshot of the process table for `ps`.
pub fn for_each_process(mut visit: impl FnMut(&Process)) {
    critical(|| scheduler().processes.iter().filter(|p| p.state != State::Free).for_each(&mut visit));
}

/// Ends a process: frees its memory and keeps its exit status for `reap`.
pub(super) fn retire(process: &mut Process, code: i32, fault: Option<Caught>) {
    process.state = State::Exited(code);
    process.fault = fault;
    if let Some(space) = process.space.take() {
        space.destroy();
    }
    // Its ASID will be reused: drop its translations now.
    tlb::flush_all();
}
