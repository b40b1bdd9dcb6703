//! Exceptions: the vectors at EBase, the trap frame, and the dispatcher that
//! the general exception handler calls.

pub mod frame;
pub(crate) mod vectors;

use core::ptr::{addr_of, addr_of_mut};
use core::sync::atomic::{AtomicU32, Ordering};

use crate::cp0::{self, cause, exc, status};
use crate::{cache, sched, timer};
pub use frame::TrapFrame;

/// Where this kernel puts its exception vectors (guest physical 0).
pub const EBASE: u32 = 0x4000_0000;

/// The frame the general handler saves a user-mode trap into (the running
/// process's); read by the assembly.
#[no_mangle]
pub static mut current_user_frame: *mut TrapFrame = core::ptr::null_mut();

/// Copies the vectors to EBase, makes them visible to instruction fetch,
/// points EBase at them and leaves the boot-time exception vectors (BEV).
pub fn install() {
    write_vector(0x000, vectors::refill_code(), 0x80);
    write_vector(0x180, vectors::general_code(), 0x80);
    cp0::set_ebase(EBASE);
    cp0::set_cause(0); // IV = 0: interrupts use the general vector too
    cp0::set_status(
        cp0::status() & !(status::BEV | status::ERL | status::EXL | status::KSU_MASK | status::IE),
    );
}

pub(crate) fn write_vector(offset: u32, code: &[u8], room: usize) {
    assert!(code.len() <= room, "vector code too large");
    let target = (EBASE + offset) as usize as *mut u8;
    // SAFETY: guest physical 0..0x1000 is reserved for the vectors.
    unsafe { core::ptr::copy_nonoverlapping(code.as_ptr(), target, code.len()) };
    cache::sync_icache_with_cache_ops(target as usize, code.len());
}

/// What a caught exception looked like, for the self-tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caught {
    pub cause: u32,
    pub epc: u32,
    pub bad_vaddr: u32,
    pub status: u32,
    pub context: u32,
    pub entry_hi: u32,
}

impl Caught {
    pub fn exc_code(&self) -> u32 {
        cause::exc_code(self.cause)
    }
}

/// A one-shot catcher for the self-tests: while `resume` is non-zero, the
/// next non-interrupt exception taken in kernel mode is recorded and
/// execution continues at `resume`.
#[repr(C)]
struct Catcher {
    resume: u32,
    caught: Option<Caught>,
}

static mut CATCHER: Catcher = Catcher { resume: 0, caught: None };

/// Forgets the last catch and returns the word to store the resume address
/// into (the probing assembly stores it right before the probed code).
pub fn catch_begin() -> *mut u32 {
    // SAFETY: single CPU; the handler reads these with interrupts off.
    unsafe {
        let catcher = &mut *addr_of_mut!(CATCHER);
        core::ptr::write_volatile(&mut catcher.caught, None);
        core::ptr::write_volatile(&mut catcher.resume, 0);
        &mut catcher.resume
    }
}

/// Disarms the catcher; returns what it caught, if anything.
pub fn catch_end() -> Option<Caught> {
    // SAFETY: as for `catch_begin`.
    unsafe {
        let catcher = &mut *addr_of_mut!(CATCHER);
        core::ptr::write_volatile(&mut catcher.resume, 0);
        core::ptr::read_volatile(addr_of!(catcher.caught))
    }
}

/// Called by the general exception handler with the saved frame; returns
/// the frame to resume (the same one, or another task's).
#[no_mangle]
extern "C" fn trap_entry(frame: *mut TrapFrame) -> *mut TrapFrame {
    // SAFETY: the assembly passes a valid, exclusive frame.
    let trap = unsafe { &mut *frame };
    let code = cause::exc_code(trap.cause);
    // Status was saved with EXL set by the exception; KSU still tells the
    // mode the CPU trapped from (processes run in user or supervisor mode).
    let from_user = trap.status & status::KSU_MASK != 0;
    if code == exc::INT {
        return interrupt(frame);
    }
    if from_user {
        return sched::user_exception(frame);
    }
    if let Some(resume) = catch(trap) {
        trap.epc = resume;
        return frame;
    }
    if code == exc::SYS {
        // A kernel-mode SYSCALL is this kernel's "yield to user tasks".
        trap.epc += 4;
        return sched::kernel_yield(frame);
    }
    unexpected(trap, "kernel");
}

fn catch(trap: &TrapFrame) -> Option<u32> {
    // SAFETY: interrupts are off in the handler; single CPU.
    let catcher = unsafe { &mut *addr_of_mut!(CATCHER) };
    if catcher.resume == 0 {
        return None;
    }
    catcher.caught = Some(Caught {
        cause: trap.cause,
        epc: trap.epc,
        bad_vaddr: trap.bad_vaddr,
        status: trap.status,
        context: cp0::context(),
        entry_hi: cp0::entry_hi(),
    });
    let resume = catcher.resume;
    catcher.resume = 0;
    Some(resume)
}

/// Software interrupts taken so far, and the Cause value of the last one.
pub static SOFTWARE_INTERRUPTS: AtomicU32 = AtomicU32::new(0);
pub static LAST_SOFTWARE_CAUSE: AtomicU32 = AtomicU32::new(0);

fn interrupt(frame: *mut TrapFrame) -> *mut TrapFrame {
    // SAFETY: as in `trap_entry`.
    let trap = unsafe { &mut *frame };
    let pending = trap.cause & cp0::status() & (0xff << cause::IP_SHIFT);
    if pending & cause::ip(timer::line()) != 0 {
        timer::on_interrupt();
        return sched::on_tick(frame);
    }
    let software = pending & (cause::ip(0) | cause::ip(1));
    if software != 0 {
        // Software interrupts stay pending until Cause.IP1:0 is cleared.
        cp0::set_cause(cp0::cause() & !software);
        SOFTWARE_INTERRUPTS.fetch_add(1, Ordering::Relaxed);
        LAST_SOFTWARE_CAUSE.store(trap.cause, Ordering::Relaxed);
        return frame;
    }
    if pending == 0 {
        return frame; // already gone (e.g. Compare rewritten meanwhile)
    }
    unexpected(trap, "interrupt");
}

/// Reports an exception nobody expected and stops.
pub fn unexpected(trap: &TrapFrame, context: &str) -> ! {
    let code = cause::exc_code(trap.cause);
    println!(
        "guest: unexpected {} exception {} ({}) EPC {:#010x} BadVAddr {:#010x} Cause {:#010x} Status {:#010x} ra {:#010x} sp {:#010x}",
        context,
        code,
        exc::name(code),
        trap.epc,
        trap.bad_vaddr,
        trap.cause,
        trap.status,
        trap.regs[frame::reg::RA],
        trap.regs[frame::reg::SP]
    );
    crate::halt();
}
