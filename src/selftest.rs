//! Boot-time self-tests chosen with `selftest=NAME` on the command line.

use crate::boot::Boot;

/// Names accepted by `selftest=`.
pub const NAMES: &[&str] = &["fault"];

pub fn run(name: &str, _boot: &Boot) {
    match name {
        "fault" => deliberate_fault(),
        other => println!("mipsvisor: unknown selftest `{other}`; known: {}", NAMES.join(", ")),
    }
}

/// A load from unmapped KSEG2: the vector must report a TLB miss on load
/// with this address in BadVAddr, and the monitor must stop in a known state.
fn deliberate_fault() {
    const UNMAPPED_KSEG2: usize = 0xc000_1230u32 as i32 as isize as usize;
    println!("selftest fault: loading from {UNMAPPED_KSEG2:#x}");
    // SAFETY: deliberately faults; the exception handler never returns here.
    let value = unsafe { core::ptr::read_volatile(UNMAPPED_KSEG2 as *const u32) };
    println!("selftest fault: FAILED, the load returned {value:#x}");
}
