//! Guest image loading: a 32-bit MIPS guest kernel ELF, checked against what
//! the monitor can run, copied into guest RAM, and the YAMON-style boot
//! arguments a Malta kernel expects written beside it.
//!
//! The guest uses the KVM-guest layout (docs: trap-and-emulate.md; its
//! boundaries come from `vcpu::guest_layout`): it is linked in guest KSEG0,
//! 0x40000000..0x60000000, where guest physical = address - 0x40000000. Decisions, and why:
//! - A segment is placed by its virtual address, since that is where the guest
//!   will fetch it; `p_paddr` must agree with it as QEMU's Malta loader reads
//!   it (`p_paddr & 0x1FFFFFFF`), so `p_paddr` may be the same guest KSEG0
//!   address (Linux's vmlinux, GNU ld and rust-lld without `AT()`), the plain
//!   physical address, or its real-KSEG0 alias, and the image lands at the same
//!   place natively under QEMU and under the monitor.
//! - Segments linked at real KSEG0 (0x80000000+) are refused: a guest kernel
//!   runs in user mode, where every fetch there is an address error. Linux
//!   must be built with CONFIG_KVM_GUEST.
//! - Only the ELF header and program headers are read; section headers are
//!   ignored, so a stripped image or a broken section table still loads.

mod bootblock;
pub mod bundle;
mod error;
mod expect;
mod image;

pub use bootblock::{BootBlock, BootBlockError, BootRegisters, BOOT_BLOCK_BYTES, BOOT_BLOCK_PHYS};
pub use error::{ImageError, SegmentId};
pub use expect::{GuestExpectations, GuestIsa, IsaLevel};
pub use image::{GuestImage, LoadSegment, LoadedImage, LoadedRange};

#[cfg(test)]
mod test_elves;
#[cfg(test)]
mod tests;
