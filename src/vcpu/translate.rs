//! The guest's own view of its virtual address space: which segment an
//! address is in and, for the instructions the monitor performs on the
//! guest's behalf by address (CACHE hit operations, SYNCI), the guest
//! physical address or the exception the guest would take.
//!
//! Segments (PRA "Virtual Memory"; the KVM-guest layout moves the unmapped
//! kernel segments below 2 GiB, see docs/trap-and-emulate.md):
//!
//! | KVM layout | native | guest mode | translation |
//! | --- | --- | --- | --- |
//! | 0x00000000-0x3FFFFFFF | 0x00000000-0x7FFFFFFF | any | guest TLB |
//! | 0x40000000-0x5FFFFFFF | 0x80000000-0xBFFFFFFF | kernel | guest physical = address & 0x1FFFFFFF |
//! | 0x60000000-0x7FFFFFFF | 0xC0000000-0xFFFFFFFF | kernel | guest TLB |
//! | 0x80000000-0xBFFFFFFF | (as above) | kernel | served by the monitor: address & 0x1FFFFFFF |
//! | 0xC0000000-0xFFFFFFFF | | | address error |

use super::cp0::GuestMode;
use super::exception::{Access, GuestException};
use super::guest_tlb::{GuestTlb, Lookup};
use super::model::GuestLayout;

/// Where a guest virtual address leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Translated by the guest TLB.
    Mapped,
    /// An unmapped segment: this guest physical address.
    Unmapped { guest_phys: u32 },
    /// Not accessible in this mode (or at all): address error.
    Inaccessible,
}

/// Real KSEG0/KSEG1 (0x80000000-0xBFFFFFFF), which a KVM-layout guest kernel
/// reaches only through the monitor's address-error emulation.
pub const fn is_real_kseg01(gva: u32) -> bool {
    matches!(gva, 0x8000_0000..=0xbfff_ffff)
}

/// The guest physical address of an unmapped-segment address.
pub const fn unmapped_phys(gva: u32) -> u32 {
    gva & 0x1fff_ffff
}

/// The segment of `gva` for a guest in `mode` with this layout.
pub fn segment(layout: GuestLayout, gva: u32, mode: GuestMode) -> Segment {
    let kernel = mode == GuestMode::Kernel;
    let useg_end = match layout {
        GuestLayout::KvmUserSegments => 0x4000_0000,
        GuestLayout::Native => 0x8000_0000,
    };
    if gva < useg_end {
        return Segment::Mapped;
    }
    if !kernel {
        return Segment::Inaccessible;
    }
    match (layout, gva) {
        (GuestLayout::KvmUserSegments, 0x4000_0000..=0x5fff_ffff) => {
            Segment::Unmapped { guest_phys: gva - 0x4000_0000 }
        }
        (GuestLayout::KvmUserSegments, 0x6000_0000..=0x7fff_ffff) => Segment::Mapped,
        (_, 0x8000_0000..=0xbfff_ffff) => Segment::Unmapped { guest_phys: unmapped_phys(gva) },
        (GuestLayout::Native, _) => Segment::Mapped,
        (GuestLayout::KvmUserSegments, _) => Segment::Inaccessible,
    }
}

/// Translates `gva` as the guest's MMU would for an access of kind `access`:
/// its guest physical address, or the exception the guest takes.
pub fn translate(
    layout: GuestLayout,
    tlb: &GuestTlb,
    asid: u8,
    gva: u32,
    mode: GuestMode,
    access: Access,
) -> Result<u32, GuestException> {
    match segment(layout, gva, mode) {
        Segment::Unmapped { guest_phys } => Ok(guest_phys),
        Segment::Inaccessible => Err(GuestException::AddressError { access, bad_vaddr: gva }),
        Segment::Mapped => match tlb.lookup(gva, asid) {
            Lookup::Miss => Err(GuestException::TlbRefill { access, bad_vaddr: gva }),
            Lookup::Invalid { .. } => Err(GuestException::TlbInvalid { access, bad_vaddr: gva }),
            Lookup::Hit(hit) if access == Access::Store && !hit.dirty => {
                Err(GuestException::TlbModified { bad_vaddr: gva })
            }
            Lookup::Hit(hit) => Ok(hit.guest_phys),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cp0::fields::{EntryHi, EntryLo, PageMask};
    use crate::vcpu::guest_tlb::TlbEntry;

    const KVM: GuestLayout = GuestLayout::KvmUserSegments;
    use GuestMode::{Kernel, User};

    #[test]
    fn kvm_layout_segments_by_mode() {
        assert_eq!(segment(KVM, 0x3fff_ffff, User), Segment::Mapped);
        // Guest user mode above its 1 GiB useg: address error.
        assert_eq!(segment(KVM, 0x4000_0000, User), Segment::Inaccessible);
        assert_eq!(segment(KVM, 0x4010_0000, Kernel), Segment::Unmapped { guest_phys: 0x0010_0000 });
        assert_eq!(segment(KVM, 0x5fc0_0000, Kernel), Segment::Unmapped { guest_phys: 0x1fc0_0000 });
        assert_eq!(segment(KVM, 0x6000_0000, Kernel), Segment::Mapped);
        assert_eq!(segment(KVM, 0xa000_0100, Kernel), Segment::Unmapped { guest_phys: 0x100 });
        assert_eq!(segment(KVM, 0x8000_0100, User), Segment::Inaccessible);
        assert_eq!(segment(KVM, 0xc000_0000, Kernel), Segment::Inaccessible);
    }

    #[test]
    fn native_layout_is_the_pra_one() {
        // PRA: kuseg 0-2 GiB mapped, kseg0/kseg1 unmapped (phys = addr & 0x1FFFFFFF), kseg2/3 mapped.
        let n = GuestLayout::Native;
        assert_eq!(segment(n, 0x7fff_ffff, User), Segment::Mapped);
        assert_eq!(segment(n, 0x8000_1000, Kernel), Segment::Unmapped { guest_phys: 0x1000 });
        assert_eq!(segment(n, 0xbfc0_0000, Kernel), Segment::Unmapped { guest_phys: 0x1fc0_0000 });
        assert_eq!(segment(n, 0xc000_0000, Kernel), Segment::Mapped);
        assert_eq!(segment(n, 0xc000_0000, User), Segment::Inaccessible);
    }

    #[test]
    fn mapped_addresses_take_the_guest_tlb_exceptions() {
        let mut tlb = GuestTlb::new(64).unwrap();
        // 4 KiB pair at 0x00400000, ASID 3: even page valid clean, odd page invalid.
        let even = EntryLo::V.with_pfn(0x123).with_cca(3);
        let entry = TlbEntry::from_registers(EntryHi(0x0040_0003), PageMask(0), even, EntryLo::empty());
        tlb.write(0, entry).unwrap();
        let t = |gva, access| translate(KVM, &tlb, 3, gva, Kernel, access);
        assert_eq!(t(0x0040_0010, Access::Load), Ok(0x0012_3010));
        assert_eq!(
            t(0x0040_0010, Access::Store),
            Err(GuestException::TlbModified { bad_vaddr: 0x0040_0010 })
        );
        assert_eq!(
            t(0x0040_1000, Access::Load),
            Err(GuestException::TlbInvalid { access: Access::Load, bad_vaddr: 0x0040_1000 })
        );
        assert_eq!(
            t(0x6000_0000, Access::Store),
            Err(GuestException::TlbRefill { access: Access::Store, bad_vaddr: 0x6000_0000 })
        );
        assert_eq!(
            translate(KVM, &tlb, 3, 0xc000_0000, Kernel, Access::Load),
            Err(GuestException::AddressError { access: Access::Load, bad_vaddr: 0xc000_0000 })
        );
    }
}
