//! Guest virtual to guest physical, as the guest's MMU would translate, for
//! the instructions the monitor performs on the guest's behalf by address
//! (CACHE hit operations, SYNCI): the guest physical address or the
//! exception the guest would take. Segments come from [`super::guest_layout`].

use super::cp0::GuestMode;
use super::exception::{Access, GuestException};
use super::guest_layout::{GuestLayout, Segment};
use super::guest_tlb::{GuestTlb, Lookup};

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
    match Segment::of(layout, gva, mode) {
        Segment::Unmapped { guest_phys, .. } => Ok(guest_phys),
        Segment::AddressError => Err(GuestException::AddressError { access, bad_vaddr: gva }),
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
    use GuestMode::Kernel;

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
