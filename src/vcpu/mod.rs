//! The guest's virtual CPU: what the monitor emulates when a guest kernel
//! running in host user mode touches CP0.
//!
//! - [`model`]: the virtual 24Kc the guest sees (identification, Config, masks).
//! - [`guest_tlb`]: the guest's software TLB and the guest-MMU lookup.

pub mod guest_tlb;
pub mod model;

pub use guest_tlb::{Displaced, GuestTlb, Lookup, PageSize, TlbEntry, TlbHit, TlbWrite};
pub use model::{Endianness, GuestLayout, VcpuModel};
