//! Guest image loading: a 32-bit MIPS guest kernel ELF, checked against what
//! the monitor can run, copied into guest RAM, and the YAMON-style boot
//! arguments a Malta kernel expects written beside it.
//!
//! The guest uses the KVM-guest layout (docs: trap-and-emulate.md): it is
//! linked in guest KSEG0, 0x40000000..0x60000000, where guest physical =
//! address - 0x40000000. Decisions, and why:
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

use core::ops::Range;

/// Guest KSEG0: unmapped, cached, guest physical = address - base.
pub const GUEST_KSEG0: Range<u32> = 0x4000_0000..0x6000_0000;

/// Real KSEG0, where Linux guests also reach guest RAM (by address errors
/// the monitor serves): physical = address - base.
pub const REAL_KSEG0_BASE: u32 = 0x8000_0000;

/// The low 29 bits of a 32-bit compatibility-segment address: the physical
/// address QEMU's loader takes from `p_paddr` (its cpu_mips_kseg0_to_phys).
const SEGMENT_PHYS_MASK: u32 = 0x1fff_ffff;

/// The guest-physical address behind a guest KSEG0 address, if it is one.
pub const fn guest_phys_of(vaddr: u32) -> Option<u32> {
    if vaddr >= GUEST_KSEG0.start && vaddr < GUEST_KSEG0.end {
        Some(vaddr - GUEST_KSEG0.start)
    } else {
        None
    }
}
