//! mipsvisor's portable core: everything that is not inline assembly lives
//! here as plain Rust, so `scripts/host-test` exercises it on x86_64.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod cp0;
pub mod isa;
pub mod mmu;
pub mod word;
