//! The monitor's own accesses to guest memory: by guest physical address,
//! and by guest virtual address as the guest would translate it.

use super::*;
use crate::vcpu::exception::Access as Exc;

const WORD: u32 = 0x2400_0001; // addiu zero, zero, 1 (any recognisable word)

#[test]
fn one_word_through_every_unmapped_alias_and_a_tlb_mapping() {
    let (mut mmu, mut tlb) = (mmu(2), guest_tlb());
    assert!(mmu.write_phys(0x0001_2344, 4, WORD));
    // Guest KSEG0 (gva - 0x40000000), real KSEG0 and KSEG1 (gva & 0x1FFFFFFF).
    for gva in [0x4001_2344, 0x8001_2344, 0xa001_2344] {
        assert_eq!(mmu.read_u32(gva, GuestMode::Kernel, &tlb, 0), Ok(WORD), "{gva:#x}");
    }
    // A guest TLB page at gva 0x00403000 -> guest physical 0x00012000 (odd half).
    let _ = tlbwi(&mut mmu, &mut tlb, 0, entry(0x0040_2000, 0, PageSize::K4, lo(0, NONE), lo(0x1_2000, V)));
    assert_eq!(mmu.read_u32(0x0040_3344, GuestMode::User, &tlb, 0), Ok(WORD));
    assert_eq!(mmu.read_u32(0x0040_3344, GuestMode::Kernel, &tlb, 0), Ok(WORD));
    // Reading maps nothing.
    assert_eq!(mmu.stats().mapped_pages, 0);
}

#[test]
fn reads_the_guest_could_not_make_return_its_exception() {
    let (mut mmu, mut tlb) = (mmu(2), guest_tlb());
    let deliver = |e| Err(FaultResolution::Deliver(e));
    assert_eq!(
        mmu.read_u32(0x0040_0000, GuestMode::User, &tlb, 0),
        deliver(GuestException::TlbRefill { access: Exc::Load, bad_vaddr: 0x0040_0000 })
    );
    let _ = tlbwi(&mut mmu, &mut tlb, 0, entry(0x0040_0000, 0, PageSize::K4, lo(0, NONE), lo(0, V)));
    assert_eq!(
        mmu.read_u32(0x0040_0000, GuestMode::User, &tlb, 0),
        deliver(GuestException::TlbInvalid { access: Exc::Load, bad_vaddr: 0x0040_0000 })
    );
    // PRA: a word access must be word aligned (AdEL).
    assert_eq!(
        mmu.read_u32(0x4000_0002, GuestMode::Kernel, &tlb, 0),
        deliver(GuestException::AddressError { access: Exc::Load, bad_vaddr: 0x4000_0002 })
    );
    assert_eq!(
        mmu.read_u32(0x4000_0000, GuestMode::User, &tlb, 0),
        deliver(GuestException::AddressError { access: Exc::Load, bad_vaddr: 0x4000_0000 })
    );
}

#[test]
fn reads_outside_ram_are_for_the_device_layer() {
    let (mut mmu, tlb) = (mmu(2), guest_tlb());
    assert_eq!(
        mmu.read_u32(0xbfc0_0000, GuestMode::Kernel, &tlb, 0),
        Err(FaultResolution::Emulate { guest_phys: 0x1fc0_0000 })
    );
    assert_eq!(mmu.read_phys(RAM_BYTES, 4), None);
    assert_eq!(mmu.read_phys(RAM_BYTES - 4, 4), Some(0));
    assert!(!mmu.write_phys(RAM_BYTES, 1, 0));
}

#[test]
fn physical_accesses_of_each_width_see_native_byte_order() {
    let mut mmu = mmu(2);
    assert!(mmu.write_phys(0x100, 4, 0xa1b2_c3d4));
    let bytes = 0xa1b2_c3d4u32.to_ne_bytes();
    for (offset, byte) in bytes.iter().enumerate() {
        assert_eq!(mmu.read_phys(0x100 + offset as u32, 1), Some(u32::from(*byte)));
    }
    assert!(mmu.write_phys(0x102, 2, 0xffff_0102));
    assert_eq!(mmu.read_phys(0x102, 2), Some(0x0102));
    assert_eq!(mmu.read_phys(0x101, 2), None, "misaligned halfword");
}

#[test]
fn a_mapped_read_sees_only_what_the_current_table_maps() {
    let (mut mmu, mut tlb) = (mmu(2), guest_tlb());
    assert!(mmu.write_phys(0x0001_3344, 4, WORD));
    let _ = tlbwi(&mut mmu, &mut tlb, 0, entry(0x0040_2000, 0, PageSize::K4, lo(0, NONE), lo(0x1_3000, V)));
    // Not in the table yet: the caller falls back to the guest TLB.
    assert_eq!(mmu.read_mapped_u32(0x0040_3344, GuestMode::User), None);
    assert_eq!(
        mmu.resolve_fault(0x0040_3344, AccessKind::Fetch, GuestMode::User, &tlb, 0),
        FaultResolution::Mapped
    );
    assert_eq!(mmu.read_mapped_u32(0x0040_3344, GuestMode::User), Some(WORD));
    // Misaligned, or the other mode's table: nothing.
    assert_eq!(mmu.read_mapped_u32(0x0040_3346, GuestMode::User), None);
    assert_eq!(mmu.read_mapped_u32(0x0040_3344, GuestMode::Kernel), None);
    // The guest TLB entry overwritten: the table forgets the page.
    let _ = tlbwi(&mut mmu, &mut tlb, 0, entry(0x0050_0000, 0, PageSize::K4, lo(0, NONE), lo(0, NONE)));
    assert_eq!(mmu.read_mapped_u32(0x0040_3344, GuestMode::User), None);
}
