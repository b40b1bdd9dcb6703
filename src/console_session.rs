//! The monitor console's hardware side: the guest's reads of the console
//! UART go through `mipsvisor::monitor_console::ConsoleRx`, and after an
//! exit that saw the escape byte the prompt runs here on the polled UART
//! while the guest stays stopped.

use mipsvisor::board::UartDesc;
use mipsvisor::isa::Width;
use mipsvisor::monitor_console::{self, Action, Command, ConsoleRx, Edit, LineEditor, NotACommand};
use mipsvisor::vcpu::mmu::GuestMmu;
use mipsvisor::vcpu::Vcpu;

/// The console UART's registers as the guest addresses them.
pub struct ConsoleUart {
    phys: u32,
    stride: u32,
}

impl ConsoleUart {
    pub fn new(uart: UartDesc) -> Self {
        ConsoleUart { phys: uart.phys as u32, stride: uart.stride }
    }

    /// The register a guest byte access at `phys` reads, if it is one the
    /// console filter answers.
    pub fn filtered_register(&self, phys: u32, width: Width) -> Option<u32> {
        let offset = phys.checked_sub(self.phys)?;
        let register = offset / self.stride;
        (width == Width::Byte && offset % self.stride == 0 && register < 8 && ConsoleRx::filters(register))
            .then_some(register)
    }

    /// Reads register `register` of the real UART.
    pub fn read(&self, register: u32) -> u8 {
        let address = crate::arch::kseg1((self.phys + register * self.stride) as u64);
        // SAFETY: the board's console UART, a byte register read through KSEG1.
        unsafe { core::ptr::read_volatile(address as *const u8) }
    }
}

/// Host Count ticks between the monitor console's looks at a UART the guest
/// does not read (a tenth of a second).
pub fn poll_ticks(timer_hz: u64) -> u32 {
    (timer_hz / 10).clamp(1, i32::MAX as u64) as u32
}

/// The guest's filtered read of console register `register`.
pub fn guest_read(uart: &ConsoleUart, rx: &mut ConsoleRx, register: u32) -> u32 {
    rx.guest_read(register, &mut |r| uart.read(r)) as u32
}

/// The prompt, until a command leaves it; the guest is stopped meanwhile.
pub fn session(vcpu: &Vcpu<GuestMmu>, rx: &mut ConsoleRx) -> Action {
    println!();
    println!("{}", monitor_console::BANNER);
    let mut first = true;
    loop {
        print!("{}", monitor_console::PROMPT);
        let mut editor = LineEditor::default();
        let line = loop {
            let byte = crate::console::get_byte();
            if core::mem::take(&mut first) && byte == monitor_console::ESCAPE {
                // Ctrl-] twice: the guest gets one.
                println!("(Ctrl-] sent to the guest)");
                rx.hold(byte);
                return Action::Resume;
            }
            match editor.push(byte) {
                Edit::Echo(b) => print!("{}", b as char),
                Edit::Erase => print!("\x08 \x08"),
                Edit::Done(line) => break line,
                Edit::Ignored => {}
            }
        };
        println!();
        let action = match Command::parse(&line) {
            Ok(command) => {
                let mut out = crate::console::Out;
                monitor_console::execute(command, vcpu, &mut out).unwrap_or(Action::Prompt)
            }
            Err(NotACommand(text)) => {
                println!("{text}");
                Action::Prompt
            }
        };
        if action != Action::Prompt {
            if action == Action::Resume {
                println!("mipsvisor: console: resuming the guest");
            }
            return action;
        }
    }
}
