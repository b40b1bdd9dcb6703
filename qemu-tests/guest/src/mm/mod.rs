//! Memory: physical frames and per-process address spaces.
//!
//! This kernel sees guest physical memory at `KSEG0_ALIAS + physical`
//! (QEMU's T&E layout, or the monitor's guest KSEG0).

pub mod frames;
pub mod space;
pub mod tlb;

pub const PAGE_SIZE: u32 = 4096;
pub const PAGE_SHIFT: u32 = 12;
pub const KSEG0_ALIAS: u32 = 0x4000_0000;
/// The unmapped kernel segment is 512 MiB; RAM beyond it is not reachable.
pub const KSEG0_ALIAS_SIZE: u32 = 0x2000_0000;

pub fn physical_to_kernel(physical: u32) -> *mut u8 {
    (KSEG0_ALIAS + physical) as usize as *mut u8
}

pub fn kernel_to_physical(address: *const u8) -> u32 {
    address as usize as u32 - KSEG0_ALIAS
}
