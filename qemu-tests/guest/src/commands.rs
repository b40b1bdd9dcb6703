//! The shell's commands.

use crate::mm::frames;
use crate::sched::{self, State};
use crate::{boot_info, cp0, timer, user};

struct Command {
    name: &'static str,
    help: &'static str,
    run: fn(&str),
}

const COMMANDS: &[Command] = &[
    Command { name: "help", help: "list commands", run: help },
    Command { name: "echo", help: "echo <text>: print the text", run: echo },
    Command { name: "info", help: "CPU identification, configuration and memory", run: info },
    Command { name: "ticks", help: "timer ticks and context switches so far", run: ticks },
    Command { name: "mem", help: "page allocator usage", run: mem },
    Command { name: "ps", help: "list processes (and forget the exited ones)", run: ps },
    Command { name: "spawn", help: "spawn <program>...: start programs in the background", run: spawn },
    Command { name: "kill", help: "kill <pid>: end a background process", run: kill },
    Command {
        name: "run",
        help: "run <program>...: run user programs to completion (no name: list)",
        run: run,
    },
    Command { name: "selftest", help: "run the CPU conformance checks", run: selftest },
    Command { name: "bench", help: "micro-benchmarks in Count ticks (all, or the one named)", run: bench },
    Command { name: "pci", help: "bus 0's PCI functions: identity, command, BARs", run: crate::pci::list },
    Command { name: "halt", help: "stop the guest", run: halt },
    Command { name: "reset", help: "reset the board (its reset register)", run: reset },
];

pub fn execute(line: &str) {
    if line.is_empty() {
        return;
    }
    let (name, arguments) = line.split_once(' ').unwrap_or((line, ""));
    match COMMANDS.iter().find(|command| command.name == name) {
        Some(command) => (command.run)(arguments.trim()),
        None => println!("unknown command: {name} (try help)"),
    }
}

fn help(_: &str) {
    for command in COMMANDS {
        println!("  {:<10} {}", command.name, command.help);
    }
}

fn echo(text: &str) {
    println!("{text}");
}

fn info(_: &str) {
    use cp0::bits;
    let prid = cp0::prid();
    println!(
        "PRId     {prid:#010x} (company {:#04x}, processor {:#04x}, revision {:#04x})",
        bits(prid, 16, 8),
        bits(prid, 8, 8),
        bits(prid, 0, 8)
    );
    let config0 = cp0::config0();
    println!(
        "Config0  {config0:#010x} (M {}, BE {}, AT {}, AR {}, MT {}, K0 {})",
        bits(config0, 31, 1),
        bits(config0, 15, 1),
        bits(config0, 13, 2),
        bits(config0, 10, 3),
        bits(config0, 7, 3),
        bits(config0, 0, 3)
    );
    let config1 = cp0::config1();
    println!(
        "Config1  {config1:#010x} (M {}, MMUSize-1 {}, IS {} IL {} IA {}, DS {} DL {} DA {}, FP {})",
        bits(config1, 31, 1),
        bits(config1, 25, 6),
        bits(config1, 22, 3),
        bits(config1, 19, 3),
        bits(config1, 16, 3),
        bits(config1, 13, 3),
        bits(config1, 10, 3),
        bits(config1, 7, 3),
        bits(config1, 0, 1)
    );
    if bits(config1, 31, 1) == 1 {
        let config2 = cp0::config2();
        println!("Config2  {config2:#010x} (M {})", bits(config2, 31, 1));
        if bits(config2, 31, 1) == 1 {
            let config3 = cp0::config3();
            println!(
                "Config3  {config3:#010x} (M {}, ULRI {}, VInt {}, VEIC {}, SP {})",
                bits(config3, 31, 1),
                bits(config3, 13, 1),
                bits(config3, 5, 1),
                bits(config3, 6, 1),
                bits(config3, 4, 1)
            );
        }
    }
    println!("Board    {}", crate::platform::PLATFORM.name);
    println!("TLB      {} entries", cp0::tlb_entries());
    println!("EBase    {:#010x}", cp0::ebase());
    let boot = boot_info();
    println!("RAM      {} MiB", boot.ram_size >> 20);
}

fn halt(_: &str) {
    crate::halt();
}

fn reset(_: &str) {
    let platform = &crate::platform::PLATFORM;
    println!("guest: resetting the {} board", platform.name);
    // SAFETY: the board's reset register; the write resets the board (under a monitor: ends the run).
    unsafe { core::ptr::write_volatile(platform.reset_register as *mut u32, platform.reset_value) };
    println!("guest: the board did not reset");
}

fn ticks(_: &str) {
    println!("ticks {} switches {}", timer::ticks(), sched::switch_count());
}

fn mem(_: &str) {
    let (used, free) = frames::usage();
    println!("frames: {used} used, {free} free (4 KiB each)");
}

fn ps(_: &str) {
    println!("  PID  STATE      TICKS  PROGRAM");
    println!("    0  running        -  shell (kernel)");
    sched::for_each_process(|process| {
        let state = match process.state {
            State::Ready => "ready",
            State::Exited(_) => "exited",
            State::Free => "free",
        };
        let name = process.program.map_or("?", |program| program.name);
        println!("{:>5}  {:<9} {:>6}  {}", process.pid, state, process.ticks, name);
    });
    sched::reap_exited(|pid, name, code| println!("pid {pid} ({name}) exited with {code}"));
}

/// Starts the named programs; returns how many started, their pids in `pids`.
fn start_programs(names: &str, pids: &mut [u32]) -> usize {
    let mut started = 0;
    for name in names.split_whitespace() {
        let Some(program) = user::find(name) else {
            println!("no program {name} (run lists them)");
            continue;
        };
        if started == pids.len() {
            println!("too many programs");
            break;
        }
        match sched::spawn(program) {
            Ok(pid) => {
                pids[started] = pid;
                started += 1;
            }
            Err(error) => println!("cannot start {name}: {error:?}"),
        }
    }
    started
}

fn spawn(arguments: &str) {
    let mut pids = [0u32; sched::MAX_PROCESSES];
    let started = start_programs(arguments, &mut pids);
    for pid in &pids[..started] {
        println!("started pid {pid}");
    }
}

fn kill(arguments: &str) {
    match crate::bootargs::parse_number(arguments.as_bytes()) {
        Some(pid) => match sched::kill(pid) {
            Ok(()) => println!("pid {pid} killed"),
            Err(error) => println!("kill: pid {pid}: {error:?}"),
        },
        None => println!("usage: kill <pid>"),
    }
}

fn run(arguments: &str) {
    if arguments.is_empty() {
        for program in user::PROGRAMS {
            println!("  {:<14} {}", program.name, program.help);
        }
        return;
    }
    let mut pids = [0u32; sched::MAX_PROCESSES];
    let started = start_programs(arguments, &mut pids);
    for &pid in &pids[..started] {
        let code = wait(pid);
        println!("pid {pid} exited with {code}");
    }
}

fn wait(pid: u32) -> i32 {
    sched::wait_exit(pid).map_or(-1, |(code, _)| code)
}

fn selftest(_: &str) {
    crate::selftest::run();
}

fn bench(args: &str) {
    crate::bench::run(args.trim());
}
