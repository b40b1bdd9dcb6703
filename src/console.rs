//! The monitor's console: the board's UART, reached through KSEG1.

use core::cell::UnsafeCell;
use core::fmt::{self, Write};

use mipsvisor::board::UartDesc;
use mipsvisor::uart16550::Uart16550;

struct ConsoleCell(UnsafeCell<Option<Uart16550>>);

// SAFETY: the monitor runs on one CPU with interrupts masked while it
// prints, so the console is never entered twice at once.
unsafe impl Sync for ConsoleCell {}

static CONSOLE: ConsoleCell = ConsoleCell(UnsafeCell::new(None));

/// Points the console at a board's UART and programs it.
pub fn init(uart: UartDesc) {
    // SAFETY: the board file names the UART; KSEG1 reaches it uncached.
    let device = unsafe { Uart16550::new(crate::arch::kseg1(uart.phys), uart.stride as usize) };
    device.init();
    // SAFETY: single CPU, called before anything prints (see ConsoleCell).
    unsafe { *CONSOLE.0.get() = Some(device) };
}

#[doc(hidden)]
pub fn print_args(args: fmt::Arguments) {
    // SAFETY: see ConsoleCell.
    if let Some(uart) = unsafe { (*CONSOLE.0.get()).as_mut() } {
        let _ = uart.write_fmt(args);
    }
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::console::print_args(format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::console::print_args(format_args!("{}\n", format_args!($($arg)*))) };
}
