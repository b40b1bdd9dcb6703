//! mipsvisor firmware: start-up, board discovery, and the monitor's main line.
#![no_std]
#![no_main]
#![feature(asm_experimental_arch)]

extern crate alloc;

#[macro_use]
mod console;
#[macro_use]
mod arch;
mod boot;
mod console_session;
mod guest_image;
mod halt;
mod heap;
mod isolation_check;
mod run;
mod selftest;
mod trap;

use core::panic::PanicInfo;

use mipsvisor::exit_status::HaltKind;

/// Called by `_start` with the boot loader's a0-a3.
#[no_mangle]
extern "C" fn rust_entry(a0: usize, a1: usize, a2: usize, a3: usize) -> ! {
    // The boot record lives as long as the monitor.
    let boot: &'static boot::Boot =
        alloc::boxed::Box::leak(alloc::boxed::Box::new(boot::boot(a0, a1, a2, a3)));
    if let Some(name) = boot.info.option("selftest") {
        if selftest::run(name, boot) {
            println!("mipsvisor: selftest done; halted");
            halt::end(HaltKind::SelftestPassed)
        }
        println!("mipsvisor: halted");
        halt::end(HaltKind::SelftestFailed)
    }
    match guest_image::find(&boot.info, boot.memory.ram_end) {
        Ok(Some(source)) => run::run(boot, source),
        Ok(None) => println!("mipsvisor: no guest to run (none built in, no -initrd); halted"),
        Err(e) => println!("mipsvisor: cannot get the guest image: {e}; halted"),
    }
    halt::end(HaltKind::MonitorStop)
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    println!("mipsvisor: panic: {info}");
    println!("mipsvisor: halted");
    halt::end(HaltKind::MonitorFault)
}
