#![no_std]
#![no_main]
#![feature(asm_experimental_arch)]
use core::panic::PanicInfo;
#[no_mangle]
pub extern "C" fn rust_main() -> ! {
    let _ = mipsvisor::answer();
    loop {}
}
#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    loop {}
}
