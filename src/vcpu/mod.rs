//! The guest's virtual CPU: what the monitor emulates when a guest kernel
//! running in host user mode touches CP0.
//!
//! - [`model`]: the virtual 24Kc the guest sees (identification, Config, masks).

pub mod model;

pub use model::{Endianness, GuestLayout, VcpuModel};
