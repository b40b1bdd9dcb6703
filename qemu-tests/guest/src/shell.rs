//! The interactive shell: reads a line from the console, runs a command.

use crate::{commands, console, uart};

const LINE_MAX: usize = 128;

pub fn run() -> ! {
    let mut line = [0u8; LINE_MAX];
    loop {
        print!("guest> ");
        let length = read_line(&mut line);
        let text = core::str::from_utf8(&line[..length]).unwrap_or("");
        commands::execute(text.trim());
    }
}

/// Reads one line with echo and backspace; returns its length.
fn read_line(buffer: &mut [u8]) -> usize {
    let mut length = 0;
    loop {
        let byte = get_byte();
        match byte {
            b'\r' | b'\n' => {
                println!();
                return length;
            }
            0x08 | 0x7f => {
                if length > 0 {
                    length -= 1;
                    console::write_bytes(b"\x08 \x08");
                }
            }
            0x20..=0x7e if length < buffer.len() => {
                buffer[length] = byte;
                length += 1;
                uart::put_byte(byte);
            }
            _ => {}
        }
    }
}

/// Waits for a console byte, idling in `wait` between polls when the timer
/// is running (it wakes us), so an idle guest does not spin.
fn get_byte() -> u8 {
    loop {
        if let Some(byte) = uart::try_get_byte() {
            return byte;
        }
        crate::idle();
    }
}
