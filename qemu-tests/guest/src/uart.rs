//! The board's console: a 16550 UART reached uncached through KSEG1, at the
//! address and register stride the platform table gives. Polled in both directions.

use core::ptr::{read_volatile, write_volatile};

use crate::platform::PLATFORM;

const RBR_THR: usize = 0;
const IER: usize = 1;
const FCR: usize = 2;
const LCR: usize = 3;
const MCR: usize = 4;
const LSR: usize = 5;

const LSR_DATA_READY: u8 = 1 << 0;
const LSR_THR_EMPTY: u8 = 1 << 5;

fn address(reg: usize) -> usize {
    PLATFORM.console_uart + reg * PLATFORM.console_stride
}

fn read(reg: usize) -> u8 {
    // SAFETY: a device register of the board's fixed console UART.
    unsafe { read_volatile(address(reg) as *const u8) }
}

fn write(reg: usize, value: u8) {
    // SAFETY: as for `read`.
    unsafe { write_volatile(address(reg) as *mut u8, value) }
}

/// 8N1, FIFOs on (bytes typed before boot are kept), no UART interrupts (we poll).
pub fn init() {
    write(IER, 0);
    write(LCR, 0x03);
    write(FCR, 0x01);
    write(MCR, 0x03);
}

pub fn put_byte(byte: u8) {
    while read(LSR) & LSR_THR_EMPTY == 0 {}
    write(RBR_THR, byte);
}

/// A received byte, if one is waiting.
pub fn try_get_byte() -> Option<u8> {
    if read(LSR) & LSR_DATA_READY != 0 {
        Some(read(RBR_THR))
    } else {
        None
    }
}

/// The line-status register (for the MMIO benchmark).
pub fn line_status() -> u8 {
    read(LSR)
}
