//! The CP0 Count/Compare timer: a periodic tick on the interrupt line that
//! IntCtl.IPTI names (IP7 on a 24K). Periods are in Count ticks, never in
//! wall-clock time, so the guest behaves the same natively and emulated.

use core::sync::atomic::{AtomicU32, Ordering};

use crate::cp0::{self, status};

/// Count ticks between timer interrupts.
pub const PERIOD: u32 = 500_000;

static TICKS: AtomicU32 = AtomicU32::new(0);

/// The CPU interrupt line the timer raises: IntCtl.IPTI (bits 31:29) is
/// the IP number (2..7) on a MIPS32r2 CPU.
pub fn line() -> u32 {
    cp0::bits(cp0::int_ctl(), 29, 3)
}

pub fn ticks() -> u32 {
    TICKS.load(Ordering::Relaxed)
}

/// Arms the first tick and unmasks the timer line and interrupts.
pub fn start() {
    cp0::set_compare(cp0::count().wrapping_add(PERIOD));
    cp0::set_status(cp0::status() | status::im(line()) | status::IE);
}

/// Acknowledges the interrupt (a Compare write clears Cause.TI) and arms
/// the next one, skipping ticks that were missed.
pub fn on_interrupt() {
    let mut next = cp0::compare().wrapping_add(PERIOD);
    if (next.wrapping_sub(cp0::count()) as i32) <= 0 {
        next = cp0::count().wrapping_add(PERIOD);
    }
    cp0::set_compare(next);
    TICKS.fetch_add(1, Ordering::Relaxed);
}
