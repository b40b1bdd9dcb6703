//! The monitor console: an escape byte typed on the guest's console opens
//! the monitor's prompt, which inspects the stopped guest and resumes,
//! resets or powers it off.
//!
//! Every guest access to a device register is performed by the monitor
//! (guest kernels run in user mode), so the console UART's receive path is
//! filtered there ([`ConsoleRx`]): the escape byte never reaches the guest.
//! A byte the monitor had to take out of the UART to look at is held and
//! given to the guest on its next read. Parsing, line editing and the
//! commands are here; only the UART polling is firmware.

use core::fmt::{self, Write};

use crate::uart16550::{reg, LSR_DATA_READY};
use crate::vcpu::mmu::{GuestMmu, TableId};
use crate::vcpu::{AccessKind, GuestDump, Vcpu};

/// Ctrl-] (0x1D): the escape of telnet and of libvirt's `virsh console`,
/// so familiar on serial consoles; QEMU's own escape is Ctrl-A, shells use
/// Ctrl-C/-D/-Z/-\ and readline's editing keys (its Ctrl-] "search
/// character" is rarely used). Typed twice, it reaches the guest once.
pub const ESCAPE: u8 = 0x1d;

/// The 16550 registers the filter reads (register numbers, not bytes).
const RBR: u32 = reg::DATA as u32;
const IIR: u32 = reg::FCR as u32;
const LCR: u32 = reg::LCR as u32;
const MCR: u32 = reg::MCR as u32;
const LSR: u32 = reg::LSR as u32;
/// Loopback: the UART receives what the guest transmits, not what is typed.
const MCR_LOOPBACK: u8 = 1 << 4;
/// Overrun, parity, framing errors and break: cleared by reading LSR.
const LSR_ERRORS: u8 = 0x1e;
const LCR_DLAB: u8 = 1 << 7;
const IIR_NO_INTERRUPT: u8 = 1 << 0;
const IIR_FIFO_BITS: u8 = 0xc0;
const IIR_RX_DATA: u8 = 0x04;
/// Bytes at most taken from the UART in one go (its FIFO holds 16).
const MAX_DRAIN: usize = 64;
/// Bytes the monitor can hold for the guest.
const HOLD: usize = 16;

/// The console UART's receive path as the guest sees it.
#[derive(Debug, Default)]
pub struct ConsoleRx {
    /// Bytes read from the UART that the guest has not read yet, oldest first.
    held: [u8; HOLD],
    held_len: usize,
    /// The escape byte came: open the monitor console after this exit.
    pub requested: bool,
    /// The guest read the console since the last [`ConsoleRx::tick`].
    guest_reads: bool,
    /// At the last tick a byte waited that the guest had not read.
    stale: bool,
    last_tick: u32,
}

impl ConsoleRx {
    /// Whether the guest's byte read at register `offset` is one the filter
    /// answers ([`ConsoleRx::guest_read`]); all other accesses pass through.
    pub fn filters(offset: u32) -> bool {
        matches!(offset, RBR | IIR | LSR)
    }

    /// The guest's read of register `offset`; `uart` reads the real one.
    pub fn guest_read(&mut self, offset: u32, uart: &mut impl FnMut(u32) -> u8) -> u8 {
        self.guest_reads = true;
        match offset {
            LSR => {
                let (last, errors) = self.drain(uart, true);
                let lsr = last.unwrap_or_else(|| uart(LSR)) | errors;
                if self.held_len > 0 {
                    lsr | LSR_DATA_READY
                } else {
                    lsr
                }
            }
            RBR if uart(LCR) & LCR_DLAB == 0 => {
                self.drain(uart, true);
                self.pop().unwrap_or_else(|| uart(RBR))
            }
            IIR => {
                let iir = uart(IIR);
                // The UART's FIFO is empty but a held byte waits: say so, as the UART would.
                if self.held_len > 0 && iir & IIR_NO_INTERRUPT != 0 {
                    (iir & IIR_FIFO_BITS) | IIR_RX_DATA
                } else {
                    iir
                }
            }
            _ => uart(offset),
        }
    }

    /// Called after guest exits with the host Count: every `period` ticks,
    /// a byte that has waited a whole period unread by the guest (it is
    /// hung, or masks its interrupts and never polls) is taken by the
    /// monitor, so the escape works on such a guest too.
    pub fn tick(&mut self, now: u32, period: u32, uart: &mut impl FnMut(u32) -> u8) {
        if now.wrapping_sub(self.last_tick) < period {
            return;
        }
        self.last_tick = now;
        if core::mem::take(&mut self.guest_reads) {
            self.stale = false;
        } else if uart(LSR) & LSR_DATA_READY == 0 {
            self.stale = false;
        } else if core::mem::replace(&mut self.stale, true) {
            self.drain(uart, false);
            self.stale = false;
        }
    }

    /// Takes bytes out of the UART, escapes setting `requested`, others
    /// held; for the guest's reads (`until_held`) only until one is held,
    /// leaving the rest to the UART, whose interrupt keeps asking. Returns
    /// the last LSR read if it showed the UART empty, and the error bits
    /// the LSR reads cleared.
    fn drain(&mut self, uart: &mut impl FnMut(u32) -> u8, until_held: bool) -> (Option<u8>, u8) {
        let mut errors = 0;
        for _ in 0..MAX_DRAIN {
            if self.held_len == HOLD || (until_held && self.held_len > 0) {
                break;
            }
            let lsr = uart(LSR);
            if lsr & LSR_DATA_READY == 0 {
                return (Some(lsr), errors);
            }
            errors |= lsr & LSR_ERRORS;
            let byte = uart(RBR);
            // In loopback the guest typed it to itself: the console is the user's, not the guest's.
            if byte == ESCAPE && uart(MCR) & MCR_LOOPBACK == 0 {
                // A second escape before the prompt opened is a literal one.
                self.requested = !self.requested;
                if self.requested {
                    continue;
                }
            }
            self.hold(byte);
        }
        (None, errors)
    }

    fn pop(&mut self) -> Option<u8> {
        if self.held_len == 0 {
            return None;
        }
        let byte = self.held[0];
        self.held.copy_within(1..self.held_len, 0);
        self.held_len -= 1;
        Some(byte)
    }

    /// Gives the guest `byte` after those already held (Ctrl-] typed twice);
    /// dropped when the hold is full, as a full UART FIFO would drop it.
    pub fn hold(&mut self, byte: u8) {
        if self.held_len < HOLD {
            self.held[self.held_len] = byte;
            self.held_len += 1;
        }
    }
}

/// One line of input with backspace, bounded.
#[derive(Debug, Default)]
pub struct LineEditor {
    line: alloc::string::String,
}

/// What one typed byte did to the line.
#[derive(Debug, PartialEq, Eq)]
pub enum Edit {
    /// Printable byte added: echo it.
    Echo(u8),
    /// Last byte removed: erase it on the terminal.
    Erase,
    /// Enter: the line is complete.
    Done(alloc::string::String),
    /// Nothing happened (control byte, full line, backspace at the start).
    Ignored,
}

impl LineEditor {
    pub const MAX: usize = 80;

    pub fn push(&mut self, byte: u8) -> Edit {
        match byte {
            b'\r' | b'\n' => Edit::Done(core::mem::take(&mut self.line)),
            0x08 | 0x7f => match self.line.pop() {
                Some(_) => Edit::Erase,
                None => Edit::Ignored,
            },
            0x20..=0x7e if self.line.len() < Self::MAX => {
                self.line.push(byte as char);
                Edit::Echo(byte)
            }
            _ => Edit::Ignored,
        }
    }
}

/// A console command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    /// Guest GPRs and CP0.
    Regs,
    /// The guest TLB's entries that map anything.
    Tlb,
    /// The guest's translation of a GVA and the GVA tables' PTEs for it.
    Walk(u32),
    /// Exit statistics so far.
    Stats,
    /// Reset the board: monitor and guest boot again.
    Reset,
    /// Power the guest off: the run ends with status 0.
    PowerOff,
    /// Back to the guest.
    Continue,
    /// An empty line: nothing.
    Nothing,
}

pub const USAGE: &str =
    "usage: regs | tlb | walk ADDRESS | stats | reset | poweroff | continue (c) | help  (Ctrl-] twice sends one to the guest)";

/// Why a line is not a command: the text to print.
#[derive(Debug, PartialEq, Eq)]
pub struct NotACommand(pub alloc::string::String);

impl Command {
    pub fn parse(line: &str) -> Result<Self, NotACommand> {
        let mut words = line.split_ascii_whitespace();
        let command = match (words.next(), words.next()) {
            (None, _) => Command::Nothing,
            (Some("help" | "?"), None) => Command::Help,
            (Some("regs"), None) => Command::Regs,
            (Some("tlb"), None) => Command::Tlb,
            (Some("walk"), Some(address)) => Command::Walk(parse_address(address).ok_or_else(|| {
                NotACommand(alloc::format!("walk: `{address}` is not an address (e.g. walk 0x40100000)"))
            })?),
            (Some("stats"), None) => Command::Stats,
            (Some("reset"), None) => Command::Reset,
            (Some("poweroff"), None) => Command::PowerOff,
            (Some("continue" | "c"), None) => Command::Continue,
            _ => return Err(NotACommand(alloc::format!("unknown command `{line}`; {USAGE}"))),
        };
        match words.next() {
            None => Ok(command),
            Some(_) => Err(NotACommand(alloc::format!("too many words in `{line}`; {USAGE}"))),
        }
    }
}

fn parse_address(text: &str) -> Option<u32> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => u32::from_str_radix(text, 16).ok(),
    }
}

/// What the firmware does after a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Stay at the prompt.
    Prompt,
    Resume,
    ResetBoard,
    PowerOff,
}

/// The guest as the console inspects it.
pub trait Inspect {
    fn registers(&self, out: &mut dyn Write) -> fmt::Result;
    fn tlb(&self, out: &mut dyn Write) -> fmt::Result;
    fn walk(&self, gva: u32, out: &mut dyn Write) -> fmt::Result;
    fn stats(&self, out: &mut dyn Write) -> fmt::Result;
}

/// Runs `command`, printing to `out`; what the firmware does next.
pub fn execute(command: Command, guest: &dyn Inspect, out: &mut dyn Write) -> Result<Action, fmt::Error> {
    Ok(match command {
        Command::Nothing => Action::Prompt,
        Command::Help => {
            writeln!(out, "{USAGE}")?;
            Action::Prompt
        }
        Command::Regs => {
            guest.registers(out)?;
            Action::Prompt
        }
        Command::Tlb => {
            guest.tlb(out)?;
            Action::Prompt
        }
        Command::Walk(gva) => {
            guest.walk(gva, out)?;
            Action::Prompt
        }
        Command::Stats => {
            guest.stats(out)?;
            Action::Prompt
        }
        Command::Continue => Action::Resume,
        Command::Reset => Action::ResetBoard,
        Command::PowerOff => Action::PowerOff,
    })
}

impl Inspect for Vcpu<GuestMmu> {
    fn registers(&self, out: &mut dyn Write) -> fmt::Result {
        writeln!(out, "{}", GuestDump(self))?;
        let cp0 = &self.cp0;
        writeln!(
            out,
            "  EntryHi {:08x}  Context {:08x}  EBase {:08x}  Compare {:08x}  ErrorEPC {:08x}",
            cp0.entry_hi().0,
            cp0.context().0,
            cp0.ebase().bits(),
            cp0.compare(),
            cp0.error_epc()
        )?;
        writeln!(
            out,
            "  Index {:08x}  Random {}  Wired {}  mode {:?}",
            cp0.index().bits(),
            cp0.random(),
            cp0.wired(),
            self.guest_mode()
        )
    }

    fn tlb(&self, out: &mut dyn Write) -> fmt::Result {
        let mut shown = 0;
        for (index, entry) in self.tlb.entries().iter().enumerate() {
            if !entry.maps_anything() {
                continue;
            }
            shown += 1;
            writeln!(
                out,
                "tlb {index:2}: va {:08x} asid {:02x} {:?}{} lo0 {:08x} lo1 {:08x}",
                entry.entry_hi.vpn2_address(),
                entry.entry_hi.asid(),
                entry.page_size,
                if entry.global { " global" } else { "" },
                entry.lo[0].bits(),
                entry.lo[1].bits()
            )?;
        }
        writeln!(out, "{shown} of {} guest TLB entries map something", self.tlb.len())
    }

    fn walk(&self, gva: u32, out: &mut dyn Write) -> fmt::Result {
        let (mode, asid) = (self.guest_mode(), self.cp0.asid());
        match self.mmu.translate(gva, AccessKind::Load, mode, &self.tlb, asid) {
            Ok(phys) => {
                writeln!(out, "walk {gva:08x} ({mode:?} mode, ASID {asid:02x}): guest physical {phys:08x}")?
            }
            Err(e) => {
                writeln!(out, "walk {gva:08x} ({mode:?} mode, ASID {asid:02x}): the guest would take {e:?}")?
            }
        }
        let tables = [
            ("kernel", TableId::Kernel),
            ("supervisor", TableId::Supervisor),
            ("user", TableId::User { guest_asid: asid }),
        ];
        for (name, table) in tables {
            match self.mmu.mapping(table, gva) {
                Some(m) => writeln!(
                    out,
                    "  {name} GVA table: PTE {:08x} host physical {:#x} {:?} {:?}",
                    m.pte.bits(),
                    m.pte.host_phys(),
                    m.pte.access(),
                    m.scope
                )?,
                None => writeln!(out, "  {name} GVA table: no PTE")?,
            }
        }
        Ok(())
    }

    fn stats(&self, out: &mut dyn Write) -> fmt::Result {
        write!(out, "{}", self.stats)
    }
}

/// The prompt's first line, naming the way back.
pub const BANNER: &str = "mipsvisor console (guest stopped; `help`, `c` to resume)";
/// The prompt.
pub const PROMPT: &str = "mipsvisor> ";

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::vec::Vec;
    use std::collections::VecDeque;

    /// A 16550 with bytes waiting in its FIFO; LSR reads count, errors once.
    #[derive(Default)]
    struct FakeUart {
        fifo: VecDeque<u8>,
        lcr: u8,
        mcr: u8,
        lsr_errors: u8,
        reads: Vec<u32>,
    }

    impl FakeUart {
        fn with(bytes: &[u8]) -> Self {
            FakeUart { fifo: bytes.iter().copied().collect(), ..Default::default() }
        }

        fn read(&mut self, offset: u32) -> u8 {
            self.reads.push(offset);
            match offset {
                RBR => self.fifo.pop_front().unwrap_or(0xee),
                IIR => 0xc0 | if self.fifo.is_empty() { IIR_NO_INTERRUPT } else { IIR_RX_DATA },
                LCR => self.lcr,
                LSR => 0x60 | u8::from(!self.fifo.is_empty()) | core::mem::take(&mut self.lsr_errors),
                MCR => self.mcr,
                _ => 0x55,
            }
        }
    }

    /// What a polling guest reads: LSR until DR is clear, RBR for each.
    fn guest_reads_all(rx: &mut ConsoleRx, uart: &mut FakeUart) -> Vec<u8> {
        let mut got = Vec::new();
        while rx.guest_read(LSR, &mut |o| uart.read(o)) & LSR_DATA_READY != 0 {
            got.push(rx.guest_read(RBR, &mut |o| uart.read(o)));
        }
        got
    }

    #[test]
    fn ordinary_bytes_reach_the_guest_in_order_and_nothing_is_requested() {
        let mut uart = FakeUart::with(b"ls\r");
        let mut rx = ConsoleRx::default();
        assert_eq!(guest_reads_all(&mut rx, &mut uart), b"ls\r");
        assert!(!rx.requested);
    }

    #[test]
    fn the_escape_is_taken_out_and_requests_the_console() {
        let mut uart = FakeUart::with(&[b'a', ESCAPE, b'b']);
        let mut rx = ConsoleRx::default();
        assert_eq!(guest_reads_all(&mut rx, &mut uart), b"ab");
        assert!(rx.requested);
        // Alone in the FIFO, it leaves the guest nothing to read.
        let mut uart = FakeUart::with(&[ESCAPE]);
        let mut rx = ConsoleRx::default();
        assert_eq!(rx.guest_read(LSR, &mut |o| uart.read(o)) & LSR_DATA_READY, 0);
        assert!(rx.requested);
    }

    #[test]
    fn an_escape_the_guest_sends_itself_in_loopback_is_its_own_byte() {
        let mut uart = FakeUart::with(&[ESCAPE]);
        uart.mcr = MCR_LOOPBACK;
        let mut rx = ConsoleRx::default();
        assert_eq!(guest_reads_all(&mut rx, &mut uart), [ESCAPE]);
        assert!(!rx.requested, "a guest opened the monitor console by itself");
    }

    #[test]
    fn an_escape_typed_twice_is_one_literal_escape_for_the_guest() {
        let mut uart = FakeUart::with(&[ESCAPE, ESCAPE, b'x']);
        let mut rx = ConsoleRx::default();
        assert_eq!(guest_reads_all(&mut rx, &mut uart), [ESCAPE, b'x']);
        assert!(!rx.requested);
    }

    #[test]
    fn an_interrupt_driven_guest_sees_a_held_byte_in_iir() {
        let mut uart = FakeUart::with(b"q");
        let mut rx = ConsoleRx::default();
        // A transmit-side LSR poll takes the byte out of the UART...
        assert_ne!(rx.guest_read(LSR, &mut |o| uart.read(o)) & LSR_DATA_READY, 0);
        assert!(uart.fifo.is_empty());
        // ...so IIR must still report received data, and RBR deliver it.
        assert_eq!(rx.guest_read(IIR, &mut |o| uart.read(o)), 0xc0 | IIR_RX_DATA);
        assert_eq!(rx.guest_read(RBR, &mut |o| uart.read(o)), b'q');
        assert_eq!(rx.guest_read(IIR, &mut |o| uart.read(o)), 0xc0 | IIR_NO_INTERRUPT);
    }

    #[test]
    fn line_errors_survive_the_filters_lsr_reads() {
        let mut uart = FakeUart::with(b"z");
        uart.lsr_errors = 0x02; // overrun
        let mut rx = ConsoleRx::default();
        assert_eq!(rx.guest_read(LSR, &mut |o| uart.read(o)) & 0x03, 0x03);
        let mut empty = FakeUart::default();
        empty.lsr_errors = 0x10; // break, no data
        assert_eq!(ConsoleRx::default().guest_read(LSR, &mut |o| empty.read(o)) & 0x11, 0x10);
    }

    #[test]
    fn with_dlab_set_register_zero_is_the_divisor_and_passes_through() {
        let mut uart = FakeUart::with(&[ESCAPE]);
        uart.lcr = LCR_DLAB;
        let mut rx = ConsoleRx::default();
        assert_eq!(rx.guest_read(RBR, &mut |o| uart.read(o)), ESCAPE);
        assert!(!rx.requested);
    }

    #[test]
    fn a_flood_of_escapes_is_drained_in_bounded_steps() {
        let mut uart = FakeUart::with(&[ESCAPE; 1000]);
        let mut rx = ConsoleRx::default();
        rx.guest_read(LSR, &mut |o| uart.read(o));
        assert!(uart.reads.len() <= 2 * MAX_DRAIN + 1, "{} reads", uart.reads.len());
    }

    #[test]
    fn a_guest_that_never_reads_its_console_still_gets_the_escape_seen() {
        let mut uart = FakeUart::with(b"xy");
        uart.fifo.push_back(ESCAPE);
        let mut rx = ConsoleRx::default();
        let mut read = |o| uart.read(o);
        rx.tick(1000, 1000, &mut read); // first look: the bytes may be about to be read
        assert!(!rx.requested);
        rx.tick(1500, 1000, &mut read); // not a period yet
        rx.tick(2000, 1000, &mut read); // a whole period unread: the monitor drains
        assert!(rx.requested);
        drop(read);
        assert!(uart.fifo.is_empty());
        // The guest, when it reads again, gets its bytes in order.
        assert_eq!(guest_reads_all(&mut rx, &mut uart), b"xy");
    }

    #[test]
    fn a_guest_that_reads_its_console_is_left_alone_by_the_tick() {
        let mut uart = FakeUart::with(b"k");
        let mut rx = ConsoleRx::default();
        for now in [1000, 2000, 3000] {
            rx.guest_read(IIR, &mut |o| uart.read(o));
            uart.reads.clear();
            rx.tick(now, 1000, &mut |o| uart.read(o));
            assert!(uart.reads.is_empty(), "the tick touched the UART of a reading guest");
        }
        // Idle with nothing waiting: one LSR read per period, nothing taken.
        let mut idle = FakeUart::default();
        let mut rx = ConsoleRx::default();
        for now in [1000, 2000, 3000] {
            rx.tick(now, 1000, &mut |o| idle.read(o));
        }
        assert_eq!(idle.reads, [LSR, LSR, LSR]);
    }

    #[test]
    fn the_hold_is_bounded() {
        let mut uart = FakeUart::with(&[b'a'; 100]);
        let mut rx = ConsoleRx::default();
        rx.tick(1000, 1000, &mut |o| uart.read(o));
        rx.tick(2000, 1000, &mut |o| uart.read(o));
        assert_eq!(uart.fifo.len(), 100 - HOLD);
        assert_eq!(guest_reads_all(&mut rx, &mut FakeUart::default()).len(), HOLD);
    }

    #[test]
    fn only_rbr_iir_and_lsr_are_filtered() {
        assert!(ConsoleRx::filters(RBR) && ConsoleRx::filters(IIR) && ConsoleRx::filters(LSR));
        assert!(!ConsoleRx::filters(1) && !ConsoleRx::filters(LCR) && !ConsoleRx::filters(7));
    }

    #[test]
    fn line_editing() {
        let mut line = LineEditor::default();
        for byte in *b"wakl" {
            assert_eq!(line.push(byte), Edit::Echo(byte));
        }
        assert_eq!(line.push(0x7f), Edit::Erase);
        assert_eq!(line.push(0x08), Edit::Erase);
        assert_eq!(line.push(0x1b), Edit::Ignored);
        line.push(b'l');
        line.push(b'k');
        assert_eq!(line.push(b'\r'), Edit::Done("walk".into()));
        assert_eq!(line.push(0x7f), Edit::Ignored);
        for _ in 0..200 {
            line.push(b'x');
        }
        assert!(matches!(line.push(b'\n'), Edit::Done(l) if l.len() == LineEditor::MAX));
    }

    #[test]
    fn commands_parse() {
        assert_eq!(Command::parse("regs"), Ok(Command::Regs));
        assert_eq!(Command::parse("  tlb "), Ok(Command::Tlb));
        assert_eq!(Command::parse("walk 0x40100000"), Ok(Command::Walk(0x4010_0000)));
        assert_eq!(Command::parse("walk 7fff0000"), Ok(Command::Walk(0x7fff_0000)));
        assert_eq!(Command::parse("stats"), Ok(Command::Stats));
        assert_eq!(Command::parse("reset"), Ok(Command::Reset));
        assert_eq!(Command::parse("poweroff"), Ok(Command::PowerOff));
        assert_eq!(Command::parse("c"), Ok(Command::Continue));
        assert_eq!(Command::parse("continue"), Ok(Command::Continue));
        assert_eq!(Command::parse("help"), Ok(Command::Help));
        assert_eq!(Command::parse(""), Ok(Command::Nothing));
    }

    #[test]
    fn bad_lines_get_the_usage_line() {
        for line in ["frobnicate", "regs now", "walk", "REGS"] {
            let Err(NotACommand(text)) = Command::parse(line) else { panic!("{line} parsed") };
            assert!(text.contains(USAGE), "{line}: {text}");
        }
        let Err(NotACommand(text)) = Command::parse("walk 0xzz") else { panic!() };
        assert!(text.contains("`0xzz` is not an address"), "{text}");
        assert_eq!(Command::parse("walk 0x100000000").map_err(|_| ()), Err(()));
    }

    struct FakeGuest;

    impl Inspect for FakeGuest {
        fn registers(&self, out: &mut dyn Write) -> fmt::Result {
            writeln!(out, "REGS")
        }
        fn tlb(&self, out: &mut dyn Write) -> fmt::Result {
            writeln!(out, "TLB")
        }
        fn walk(&self, gva: u32, out: &mut dyn Write) -> fmt::Result {
            writeln!(out, "WALK {gva:x}")
        }
        fn stats(&self, out: &mut dyn Write) -> fmt::Result {
            writeln!(out, "STATS")
        }
    }

    #[test]
    fn each_command_does_its_part() {
        let cases = [
            (Command::Regs, "REGS\n", Action::Prompt),
            (Command::Tlb, "TLB\n", Action::Prompt),
            (Command::Walk(0x1234), "WALK 1234\n", Action::Prompt),
            (Command::Stats, "STATS\n", Action::Prompt),
            (Command::Nothing, "", Action::Prompt),
            (Command::Continue, "", Action::Resume),
            (Command::Reset, "", Action::ResetBoard),
            (Command::PowerOff, "", Action::PowerOff),
        ];
        for (command, text, action) in cases {
            let mut out = String::new();
            assert_eq!(execute(command, &FakeGuest, &mut out), Ok(action), "{command:?}");
            assert_eq!(out, text, "{command:?}");
        }
        let mut out = String::new();
        execute(Command::Help, &FakeGuest, &mut out).unwrap();
        assert_eq!(out, alloc::format!("{USAGE}\n"));
    }
}
