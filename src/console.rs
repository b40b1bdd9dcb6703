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
/// The monitor's own log while a guest owns the console, where the board
/// has a second UART (Malta's CBUS UART); otherwise the console.
static LOG: ConsoleCell = ConsoleCell(UnsafeCell::new(None));

fn open(uart: UartDesc) -> Uart16550 {
    // SAFETY: the board file names the UART; KSEG1 reaches it uncached.
    let device = unsafe { Uart16550::new(crate::arch::kseg1(uart.phys), uart.stride as usize) };
    device.init();
    device
}

/// Points the console at a board's UART and programs it.
pub fn init(uart: UartDesc) {
    // SAFETY: single CPU, called before anything prints (see ConsoleCell).
    unsafe { *CONSOLE.0.get() = Some(open(uart)) };
}

/// Opens the monitor's log UART.
pub fn init_log(uart: UartDesc) {
    // SAFETY: as `init`.
    unsafe { *LOG.0.get() = Some(open(uart)) };
}

fn write_to(cell: &ConsoleCell, args: fmt::Arguments) -> bool {
    // SAFETY: see ConsoleCell.
    match unsafe { (*cell.0.get()).as_mut() } {
        Some(uart) => uart.write_fmt(args).is_ok(),
        None => false,
    }
}

#[doc(hidden)]
pub fn print_args(args: fmt::Arguments) {
    write_to(&CONSOLE, args);
}

/// A line for the monitor's log: the log UART if there is one, else the console.
pub fn log_args(args: fmt::Arguments) {
    let line = format_args!("mipsvisor: {args}\n");
    if !write_to(&LOG, line) {
        write_to(&CONSOLE, line);
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

/// Waits (bounded) until the console and log UARTs have sent every byte.
pub fn flush() {
    // Far more polls than one FIFO of bytes takes at any baud rate a board uses.
    const POLLS: u32 = 10_000_000;
    for cell in [&CONSOLE, &LOG] {
        // SAFETY: see ConsoleCell.
        if let Some(uart) = unsafe { (*cell.0.get()).as_ref() } {
            uart.flush(POLLS);
        }
    }
}

/// Waits for a byte typed on the console (the guest is stopped meanwhile).
pub fn get_byte() -> u8 {
    loop {
        // SAFETY: see ConsoleCell.
        if let Some(byte) = unsafe { (*CONSOLE.0.get()).as_ref() }.and_then(|uart| uart.try_get_byte()) {
            return byte;
        }
    }
}

/// The console as a `fmt::Write`, for code that prints to a writer.
pub struct Out;

impl Write for Out {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        print_args(format_args!("{s}"));
        Ok(())
    }
}
