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
mod guest_image;
mod heap;
mod selftest;
mod trap;

use core::panic::PanicInfo;

/// Called by `_start` with the boot loader's a0-a3.
#[no_mangle]
extern "C" fn rust_entry(a0: usize, a1: usize, a2: usize, a3: usize) -> ! {
    let boot = boot::boot(a0, a1, a2, a3);
    if let Some(name) = boot.info.option("selftest") {
        selftest::run(name, &boot);
    }
    println!("mipsvisor: no guest to run; halted");
    arch::halt()
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    println!("mipsvisor: panic: {info}");
    println!("mipsvisor: halted");
    arch::halt()
}
