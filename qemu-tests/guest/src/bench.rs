//! `bench`: fixed-work micro-benchmarks measured in CP0 Count ticks.
//!
//! Output, one line per benchmark, stable for scripts:
//!     bench NAME ops=N count=C per_op=P
//! C is the Count delta over all N operations, P = C / N with two decimals. Count
//! ticks, not wall time: natively and under the monitor the same work is
//! done, so the ratio of the two runs is the virtualization overhead.

use crate::cp0;
use crate::sched::{self, critical};
use crate::user;

fn report(name: &str, ops: u32, count: u32) {
    let hundredths = count as u64 * 100 / ops.max(1) as u64;
    println!("bench {name} ops={ops} count={count} per_op={}.{:02}", hundredths / 100, hundredths % 100);
}

/// Every benchmark, in the order `bench` runs them.
const BENCHMARKS: &[(&str, fn())] = &[
    ("compute", compute),
    ("cp0", cp0_access),
    ("mmio", mmio),
    ("syscall", syscall),
    ("ctxsw", context_switch),
    ("tlb-refill", tlb_refill),
    ("guest-tlb-miss", guest_tlb_miss),
];

/// Runs every benchmark, or only the one named `only` (so a monitor's exit
/// counts can be taken for one workload).
pub fn run(only: &str) {
    let mut ran = false;
    for (name, benchmark) in BENCHMARKS {
        if only.is_empty() || only == *name {
            benchmark();
            ran = true;
        }
    }
    if !ran {
        println!("bench: no benchmark named {only}");
    }
}

/// Kernel integer work: xorshift steps, no memory, no traps.
fn compute() {
    const OPS: u32 = 100_000;
    let count = critical(|| {
        let start = cp0::count();
        let mut state = 0x2545_f491u32;
        for _ in 0..OPS {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
        }
        core::hint::black_box(state);
        cp0::count().wrapping_sub(start)
    });
    report("compute", OPS, count);
}

/// MFC0 Status: one privileged instruction each (a trap under the monitor).
fn cp0_access() {
    const OPS: u32 = 1000;
    let count = critical(|| {
        let start = cp0::count();
        for _ in 0..OPS {
            core::hint::black_box(cp0::status());
        }
        cp0::count().wrapping_sub(start)
    });
    report("cp0", OPS, count);
}

/// Uncached reads of the UART line-status register (KSEG1 device access).
fn mmio() {
    const OPS: u32 = 1000;
    let count = critical(|| {
        let start = cp0::count();
        for _ in 0..OPS {
            core::hint::black_box(crate::uart::line_status());
        }
        cp0::count().wrapping_sub(start)
    });
    report("mmio", OPS, count);
}

/// Runs built-in programs to completion; returns the largest exit code
/// (each benchmark program exits with its own Count delta).
fn run_programs(names: &[&str]) -> Option<u32> {
    let mut pids = [0u32; sched::MAX_PROCESSES];
    for (slot, name) in pids.iter_mut().zip(names) {
        *slot = sched::spawn(user::find(name)?).ok()?;
    }
    let mut largest = 0;
    for &pid in &pids[..names.len()] {
        let (code, fault) = sched::wait_exit(pid)?;
        if fault.is_some() {
            return None;
        }
        largest = largest.max(code as u32);
    }
    Some(largest)
}

fn report_programs(name: &str, ops: u32, programs: &[&str]) {
    match run_programs(programs) {
        Some(count) => report(name, ops, count),
        None => println!("bench {name} failed"),
    }
}

/// getpid round trips from user mode.
fn syscall() {
    report_programs("syscall", 1000, &["bench-syscall"]);
}

/// Two processes yielding to each other: 2 x 500 switches.
fn context_switch() {
    report_programs("ctxsw", 1000, &["bench-yield", "bench-yield"]);
}

/// 20 rounds over 32 resident pages 8 KiB apart: more pairs than a 16-entry
/// host TLB holds, fewer than the 64-entry guest TLB, so under a monitor
/// every miss is a host refill of a translation the guest TLB already has.
fn tlb_refill() {
    report_programs("tlb-refill", 20 * 32, &["bench-refill"]);
}

/// First touches of 64 heap pages: refill of an invalid PTE, TLB Invalid,
/// the kernel maps a zeroed page and rewrites the TLB entry.
fn guest_tlb_miss() {
    report_programs("guest-tlb-miss", 64, &["bench-fault"]);
}
