//! The monitor console's hardware side: the guest's reads of the console
//! UART go through `mipsvisor::monitor_console::ConsoleRx`, and after an
//! exit that saw the escape byte the prompt runs here on the polled UART
//! while the guest stays stopped.

use alloc::string::String;

use mipsvisor::board::UartDesc;
use mipsvisor::cp0;
use mipsvisor::exit_status::HaltKind;
use mipsvisor::isa::Width;
use mipsvisor::monitor_console::{self, Action, Command, ConsoleRx, Edit, LineEditor, NotACommand};
use mipsvisor::vcpu::mmu::GuestMmu;
use mipsvisor::vcpu::Vcpu;

/// The console UART's registers as the guest addresses them.
struct ConsoleUart {
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

/// The guest's console UART with its receive filter.
pub struct GuestConsole {
    uart: ConsoleUart,
    rx: ConsoleRx,
    /// Host Count ticks between the monitor's looks at a UART the guest
    /// does not read (a tenth of a second); the host timer fires at least
    /// this often.
    pub poll_ticks: u32,
}

impl GuestConsole {
    pub fn new(uart: UartDesc, timer_hz: u64) -> Self {
        GuestConsole {
            uart: ConsoleUart::new(uart),
            rx: ConsoleRx::default(),
            poll_ticks: (timer_hz / 10).clamp(1, i32::MAX as u64) as u32,
        }
    }

    /// The guest's read at `phys`, if it is a console register the filter answers.
    pub fn guest_read(&mut self, phys: u32, width: Width) -> Option<u32> {
        let register = self.uart.filtered_register(phys, width)?;
        let uart = &self.uart;
        Some(self.rx.guest_read(register, &mut |r| uart.read(r)) as u32)
    }

    /// After each guest exit: the monitor's look at an unread UART, then
    /// the prompt if the escape came; what stops the run, if anything.
    pub fn after_exit(&mut self, vcpu: &Vcpu<GuestMmu>) -> Option<(HaltKind, String)> {
        let uart = &self.uart;
        self.rx.tick(mfc0!(cp0::COUNT), self.poll_ticks, &mut |r| uart.read(r));
        if !core::mem::take(&mut self.rx.requested) {
            return None;
        }
        match session(vcpu, &mut self.rx) {
            Action::Resume | Action::Prompt => None,
            Action::PowerOff => {
                Some((HaltKind::PowerOff, "guest powered off from the monitor console".into()))
            }
            Action::ResetBoard => {
                println!("mipsvisor: console: resetting the board (the monitor and the guest boot again)");
                crate::console::flush();
                crate::halt::reset_board()
            }
        }
    }
}

/// The prompt, until a command leaves it; the guest is stopped meanwhile.
fn session(vcpu: &Vcpu<GuestMmu>, rx: &mut ConsoleRx) -> Action {
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
