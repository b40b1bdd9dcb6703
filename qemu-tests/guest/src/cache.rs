//! Making freshly written code visible to instruction fetch.
//!
//! Two architectural ways, both kept because the monitor must emulate both:
//! CACHE hit operations (privileged: trap under the monitor) and the
//! MIPS32r2 user-level SYNCI (which does not trap).

use core::arch::asm;

use crate::cp0;

/// Line size in bytes from a Config1 line-size field (0 means no cache).
fn line_size(field: u32) -> u32 {
    if field == 0 {
        0
    } else {
        2 << field
    }
}

/// CACHE Hit_Writeback_D then Hit_Invalidate_I over a range, then SYNC.
pub fn sync_icache_with_cache_ops(start: usize, length: usize) {
    let config1 = cp0::config1();
    let dline = line_size(cp0::bits(config1, 10, 3)) as usize;
    let iline = line_size(cp0::bits(config1, 19, 3)) as usize;
    if dline != 0 {
        for line in (start & !(dline - 1)..start + length).step_by(dline) {
            // SAFETY: a hit writeback of a line we own only cleans it.
            unsafe { asm!("cache 0x19, 0({0})", in(reg) line, options(nostack)) }
        }
    }
    if iline != 0 {
        for line in (start & !(iline - 1)..start + length).step_by(iline) {
            // SAFETY: invalidating instruction lines only forces refetch.
            unsafe { asm!("cache 0x10, 0({0})", in(reg) line, options(nostack)) }
        }
    }
    // SAFETY: barriers only.
    unsafe { asm!("sync", "ehb", options(nostack)) }
}

/// The SYNCI step in bytes (RDHWR register 1); 0 means no caches to sync.
pub fn synci_step() -> u32 {
    let step: u32;
    // SAFETY: reads a hardware register; kernel mode may always RDHWR.
    unsafe {
        asm!(".set push", ".set noat", "rdhwr {0}, $1", ".set pop", out(reg) step, options(nomem, nostack))
    }
    step
}

/// SYNCI over a range, then SYNC and a hazard barrier (MIPS32r2 recipe).
pub fn sync_icache_with_synci(start: usize, length: usize) {
    let step = synci_step() as usize;
    if step != 0 {
        for line in (start & !(step - 1)..start + length).step_by(step) {
            // SAFETY: SYNCI only writes back and invalidates caches.
            unsafe { asm!("synci 0({0})", in(reg) line, options(nostack)) }
        }
    }
    // SAFETY: barriers only; `jr.hb` would also do, `ehb` suffices for
    // later fetches on the same CPU after the SYNC.
    unsafe { asm!("sync", "ehb", options(nostack)) }
}
