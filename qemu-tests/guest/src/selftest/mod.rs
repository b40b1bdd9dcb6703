//! `selftest`: a conformance suite of small named checks of the CPU as this
//! kernel sees it. Each prints `PASS name` or `FAIL name: expected X got Y`,
//! then one summary line `selftest: N passed, M failed`.
//!
//! Every expected value follows from the MIPS32 Release 2 architecture
//! (the rule is named at the check) and is what QEMU's 24Kf model produces
//! natively; the same binary under mipsvisor must print the same lines.

mod board;
mod cp0_regs;
mod cpu_model;
mod exceptions;
mod mapped;
mod misc;
mod tlb_ops;
mod translation;

pub struct Suite {
    passed: u32,
    failed: u32,
}

impl Suite {
    /// Checks a 32-bit value (printed in hex on failure).
    pub fn eq(&mut self, name: &str, expected: u32, got: u32) {
        if expected == got {
            self.pass(name);
        } else {
            self.fail(name, format_args!("{expected:#010x}"), format_args!("{got:#010x}"));
        }
    }

    /// Checks a condition described by `expected`, showing `got` on failure.
    pub fn that(&mut self, name: &str, condition: bool, expected: &str, got: u32) {
        if condition {
            self.pass(name);
        } else {
            self.fail(name, format_args!("{expected}"), format_args!("{got:#010x}"));
        }
    }

    /// Checks that an exception with ExcCode `code` was caught; returns it.
    pub fn caught(
        &mut self,
        name: &str,
        code: u32,
        caught: Option<crate::trap::Caught>,
    ) -> crate::trap::Caught {
        match caught {
            Some(record) => self.eq(name, code, record.exc_code()),
            None => self.fail(name, format_args!("exception {code}"), format_args!("none")),
        }
        caught.unwrap_or_default()
    }

    /// A check group that does not apply to this board: one line saying why.
    pub fn skip(&mut self, name: &str, board: &str, why: &str) {
        println!("SKIP {name}: skipped on {board} ({why})");
    }

    /// Records a value that differs from one CPU model to another: the
    /// native run on QEMU's model of the CPU is its oracle (the differential
    /// compares `SEEN` lines like `PASS` lines).
    pub fn seen(&mut self, name: &str, value: u32) {
        println!("SEEN {name} {value:#010x}");
    }

    /// As `seen`, for a yes/no fact about `item`.
    pub fn seen_flag(&mut self, name: &str, item: &str, value: bool) {
        println!("SEEN {name}_{item} {}", if value { "yes" } else { "no" });
    }

    fn pass(&mut self, name: &str) {
        self.passed += 1;
        println!("PASS {name}");
    }

    fn fail(&mut self, name: &str, expected: core::fmt::Arguments, got: core::fmt::Arguments) {
        self.failed += 1;
        println!("FAIL {name}: expected {expected} got {got}");
    }
}

/// Runs `$body` (assembly) with the exception catcher armed. Label `1:`
/// marks the instruction of interest; a caught exception resumes after the
/// body with every register as it was at the fault. Evaluates to
/// `(Option<Caught>, address of label 1)`. Operands follow a `;`.
macro_rules! probe {
    ($($line:expr),+ $(,)? $(; $($operand:tt)+)?) => {{
        let slot = $crate::trap::catch_begin();
        let mark: u32;
        // SAFETY: the probed instructions are this test's own; the catcher
        // turns their exception into a jump to label 9.
        unsafe {
            core::arch::asm!(
                ".set push",
                ".set noreorder",
                ".set noat",
                "la {mark}, 9f",
                "sw {mark}, 0({slot})",
                "la {mark}, 1f",
                $($line,)+
                "9:",
                ".set pop",
                slot = in(reg) slot,
                mark = out(reg) mark,
                $($($operand)+)?
            );
        }
        ($crate::trap::catch_end(), mark)
    }};
}
pub(crate) use probe;

pub fn run() {
    let mut suite = Suite { passed: 0, failed: 0 };
    cp0_regs::run(&mut suite);
    tlb_ops::run(&mut suite);
    exceptions::run(&mut suite);
    mapped::run(&mut suite);
    translation::run(&mut suite);
    misc::run(&mut suite);
    board::run(&mut suite);
    cpu_model::run(&mut suite);
    println!("selftest: {} passed, {} failed", suite.passed, suite.failed);
}
