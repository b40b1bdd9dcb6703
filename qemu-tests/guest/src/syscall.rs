//! The system-call interface. ABI: SYSCALL with v0 = number, a0..a2 =
//! arguments; the result comes back in v0; all other registers preserved.

use crate::console;
use crate::sched::Process;
use crate::trap::{frame::reg, TrapFrame};

pub const WRITE: u32 = 1;
pub const EXIT: u32 = 2;
pub const YIELD: u32 = 3;
pub const GETPID: u32 = 4;

/// Returned in v0 for an unknown call or bad arguments.
const ERROR: u32 = u32::MAX;

pub enum Outcome {
    Resume,
    Yield,
    Exit(i32),
}

pub fn handle(frame: &mut TrapFrame, process: &Process) -> Outcome {
    let arguments = [frame.regs[reg::A0], frame.regs[reg::A1], frame.regs[reg::A2]];
    let (result, outcome) = match frame.regs[reg::V0] {
        WRITE => (write(process, arguments[0], arguments[1], arguments[2]), Outcome::Resume),
        EXIT => return Outcome::Exit(arguments[0] as i32),
        YIELD => (0, Outcome::Yield),
        GETPID => (process.pid, Outcome::Resume),
        _ => (ERROR, Outcome::Resume),
    };
    frame.regs[reg::V0] = result;
    outcome
}

/// write(fd, buffer, length): fd 1 and 2 go to the console. Copies through
/// the page table, never touching user addresses directly.
fn write(process: &Process, fd: u32, buffer: u32, length: u32) -> u32 {
    if fd != 1 && fd != 2 || length > 4096 {
        return ERROR;
    }
    for offset in 0..length {
        let Some(byte) = process.read_user_byte(buffer.wrapping_add(offset)) else {
            return ERROR;
        };
        console::write_bytes(&[byte]);
    }
    length
}
