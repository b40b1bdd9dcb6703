//! mipsvisor's portable core: everything that is not inline assembly lives
//! here as plain Rust, so `scripts/host-test` exercises it on x86_64.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod board;
pub mod bootargs;
pub mod cp0;
pub mod cpu;
pub mod devices;
pub mod exit_status;
pub mod flash;
pub mod isa;
pub mod isolation;
pub mod loader;
pub mod memmap;
pub mod mmu;
pub mod monitor_console;
pub mod refill;
#[cfg(test)]
mod testsupport;
pub mod trapframe;
pub mod uart16550;
pub mod uasm;
pub mod vcpu;
pub mod word;
