//! The TLB refill handler, generated at boot for the CPU the monitor finds.
//!
//! It walks the current guest mode's GVA table (geometry in
//! [`crate::mmu::layout`]) and writes the even/odd pair with `tlbwr`:
//!
//! 1. save the guest's k0/k1 in two CP0 scratch registers (a guest kernel
//!    uses k0/k1 itself, so the handler must give them back untouched);
//! 2. k0 = root table (from a KScratch register, or loaded from a fixed address);
//! 3. k0 = root[BadVAddr >> ROOT_SHIFT], the leaf (never null: empty slots
//!    point at a shared all-zero leaf);
//! 4. k0 = &leaf[pair of BadVAddr]; load both PTEs into EntryLo0/EntryLo1;
//! 5. `ehb` if the CPU needs it before `tlbwr`; `tlbwr`; restore k0/k1; `eret`.
//!
//! PTEs are stored in EntryLo form, so there is no shifting of PTEs; a zero
//! PTE writes an invalid entry, whose retry raises TLB Invalid (slow path).
//!
//! Invariant the monitor must keep: refills reach this handler only for
//! guest addresses below 2 GiB (guest user mode cannot reach higher, and the
//! monitor never touches mapped kernel segments). The index arithmetic masks
//! to the table sizes anyway, so no address can read outside the tables.

mod handler;
mod target;

#[cfg(test)]
mod interpreter;
#[cfg(test)]
mod tests;

pub use handler::{generate, RefillError, RefillHandler, RefillReport, MAX_WORDS};
pub use target::{RefillTarget, RootSource, Scratch};
