//! The end of a run: the status line, then what `on_halt=` says (park,
//! reset the board, or end QEMU with the status as its exit code).

use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use mipsvisor::board::Platform;
use mipsvisor::exit_status::{self, HaltKind, OnHalt, StatusLine};

static POLICY: AtomicU8 = AtomicU8::new(OnHalt::Park as u8);
/// The board's platform once known (which register `on_halt=reset` writes).
static PLATFORM: AtomicU8 = AtomicU8::new(NO_BOARD);
const NO_BOARD: u8 = u8::MAX;
/// Set just before the semihosting exit: if the monitor takes an exception
/// after it, nothing answered the SDBBP.
static EXIT_ISSUED: AtomicBool = AtomicBool::new(false);

/// Reads `on_halt=` for the rest of the run (a bad value stops here, parked).
pub fn configure(word: Option<&str>, platform: Platform) {
    PLATFORM.store(platform as u8, Ordering::Relaxed);
    match OnHalt::parse(word) {
        Ok(policy) => POLICY.store(policy as u8, Ordering::Relaxed),
        Err(e) => crate::run::stop(format_args!("on_halt={}: {e}", word.unwrap_or(""))),
    }
}

pub fn policy() -> OnHalt {
    OnHalt::from_u8(POLICY.load(Ordering::Relaxed))
}

/// Prints the status line and ends the run as `on_halt=` says.
pub fn end(kind: HaltKind) -> ! {
    end_with(kind, || {})
}

/// As [`end`]; `park` runs just before the CPU parks (the guest's held-back
/// power-off write, which switches the board off).
pub fn end_with(kind: HaltKind, park: impl FnOnce()) -> ! {
    println!("{}", StatusLine(kind));
    crate::console::flush();
    match policy() {
        OnHalt::Park => park(),
        OnHalt::Reset => reset_board(),
        OnHalt::Exit => {
            EXIT_ISSUED.store(true, Ordering::Relaxed);
            crate::arch::uhi_exit(kind.code());
            println!("mipsvisor: on_halt=exit: the semihosting exit returned; parked");
        }
    }
    crate::arch::halt()
}

/// Resets the board (the monitor and the guest boot again); parks if it cannot.
pub fn reset_board() -> ! {
    let platform = match PLATFORM.load(Ordering::Relaxed) {
        raw if raw == Platform::Malta as u8 => Platform::Malta,
        raw if raw == Platform::Boston as u8 => Platform::Boston,
        _ => {
            println!("mipsvisor: board reset before the board is known; parked");
            crate::arch::halt()
        }
    };
    let (phys, value) = exit_status::board_reset_write(platform);
    // SAFETY: the board's own reset register, a word write through KSEG1.
    unsafe { core::ptr::write_volatile(crate::arch::kseg1(phys as u64) as *mut u32, value) };
    println!("mipsvisor: the board did not reset; parked");
    crate::arch::halt()
}

/// Called first on every exception in the monitor: one after the
/// semihosting exit means no semihosting host answered SDBBP 1 (a board
/// without a probe, or QEMU without `-semihosting-config enable=on`).
pub fn exception_after_exit() {
    if EXIT_ISSUED.load(Ordering::Relaxed) {
        println!(
            "mipsvisor: on_halt=exit: nothing answered the semihosting exit (QEMU needs -semihosting-config enable=on,target=native); parked"
        );
        crate::arch::halt()
    }
}
