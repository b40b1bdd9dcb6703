//! Faults on guest-TLB-mapped addresses: which exception the guest gets,
//! and what lands in the table (PRA rules in `tests/mod.rs`).

use super::*;
use crate::vcpu::exception::Access as Exc;

fn resolve(
    mmu: &mut GuestMmu,
    tlb: &GuestTlb,
    gva: u32,
    access: AccessKind,
    mode: GuestMode,
) -> FaultResolution {
    let asid = mmu.guest_asid();
    mmu.resolve_fault(gva, access, mode, tlb, asid)
}

#[test]
fn pra_no_match_is_refill_v_clear_is_invalid_store_to_clean_is_modified() {
    let (mut mmu, mut tlb) = (mmu(4), guest_tlb());
    let deliver = FaultResolution::Deliver;
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x0040_0010, AccessKind::Store, GuestMode::User),
        deliver(GuestException::TlbRefill { access: Exc::Store, bad_vaddr: 0x0040_0010 })
    );
    // Even half clean, odd half invalid.
    let _ = tlbwi(&mut mmu, &mut tlb, 0, entry(0x0040_0000, 0, PageSize::K4, lo(0x3000, V), lo(0x4000, D)));
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x0040_1ffc, AccessKind::Fetch, GuestMode::User),
        deliver(GuestException::TlbInvalid { access: Exc::Load, bad_vaddr: 0x0040_1ffc })
    );
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x0040_0010, AccessKind::Store, GuestMode::User),
        deliver(GuestException::TlbModified { bad_vaddr: 0x0040_0010 })
    );
    assert_eq!(mmu.stats().mapped_pages, 0, "no exception maps anything");
}

#[test]
fn a_clean_page_is_mapped_read_only_so_the_first_store_is_the_guests_modified() {
    let (mut mmu, mut tlb) = (mmu(4), guest_tlb());
    let _ =
        tlbwi(&mut mmu, &mut tlb, 0, entry(0x0040_0000, 0, PageSize::K4, lo(0x3000, V), lo(0x4000, V | D)));
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x0040_0010, AccessKind::Load, GuestMode::User),
        FaultResolution::Mapped
    );
    assert_eq!(user_mapping(&mmu, 0x0040_0000), ro(0x3000, Scope::AsidSpecific));
    assert_eq!(user_mapping(&mmu, 0x0040_1000), rw(0x4000, Scope::AsidSpecific));
    // The store then raises host TLB Modified; it is the guest's.
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x0040_0010, AccessKind::Store, GuestMode::User),
        FaultResolution::Deliver(GuestException::TlbModified { bad_vaddr: 0x0040_0010 })
    );
    // The guest's handler sets D and rewrites the entry: the stale read-only
    // mapping goes, and the retried store maps the page writable.
    let flush = tlbwi(
        &mut mmu,
        &mut tlb,
        0,
        entry(0x0040_0000, 0, PageSize::K4, lo(0x3000, V | D), lo(0x4000, V | D)),
    );
    assert!(matches!(flush, HostTlbFlush::Pages { .. }));
    assert_eq!(user_mapping(&mmu, 0x0040_0000), None);
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x0040_0010, AccessKind::Store, GuestMode::User),
        FaultResolution::Mapped
    );
    assert_eq!(user_mapping(&mmu, 0x0040_0000), rw(0x3000, Scope::AsidSpecific));
}

#[test]
fn pra_16k_pages_split_into_4k_host_pages_va_bit_14_selects_the_odd_page() {
    let (mut mmu, mut tlb) = (mmu(4), guest_tlb());
    // PageMask 0x6000; EntryLo1's PFN bits under the mask are ignored.
    let _ = tlbwi(
        &mut mmu,
        &mut tlb,
        5,
        entry(0x0040_8000, 0, PageSize::K16, lo(0x10_0000, V | D), lo(0x20_6000, V)),
    );
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x0040_d123, AccessKind::Load, GuestMode::Kernel),
        FaultResolution::Mapped
    );
    // The whole 32 KiB guest pair fits FILL_SPAN: all eight host pages.
    for k in 0..4 {
        assert_eq!(
            kernel_mapping(&mmu, 0x0040_8000 + k * 0x1000),
            rw(0x10_0000 + k * 0x1000, Scope::AsidSpecific)
        );
        assert_eq!(
            kernel_mapping(&mmu, 0x0040_c000 + k * 0x1000),
            ro(0x20_4000 + k * 0x1000, Scope::AsidSpecific)
        );
    }
    assert_eq!(kernel_mapping(&mmu, 0x0041_0000), None);
    assert_eq!(mmu.stats().mapped_pages, 8);
}

#[test]
fn a_pair_with_one_invalid_half_maps_only_the_valid_half() {
    let (mut mmu, mut tlb) = (mmu(4), guest_tlb());
    let _ = tlbwi(
        &mut mmu,
        &mut tlb,
        0,
        entry(0x0040_0000, 0, PageSize::K4, lo(0x3000, NONE), lo(0x4000, V | D)),
    );
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x0040_1000, AccessKind::Store, GuestMode::User),
        FaultResolution::Mapped
    );
    assert_eq!(user_mapping(&mmu, 0x0040_1000), rw(0x4000, Scope::AsidSpecific));
    // The even half stays zero: a host access to it raises TLB Invalid.
    assert_eq!(user_mapping(&mmu, 0x0040_0000), None);
}

#[test]
fn large_pages_fill_only_the_fill_span_around_the_fault() {
    let (mut mmu, mut tlb) = (mmu(4), guest_tlb());
    // 1 MiB pages: a 2 MiB pair.
    let _ = tlbwi(
        &mut mmu,
        &mut tlb,
        0,
        entry(0x0060_0000, 0, PageSize::M1, lo(0x10_0000, V | D), lo(0x20_0000, V)),
    );
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x0071_2345, AccessKind::Load, GuestMode::User),
        FaultResolution::Mapped
    );
    // VA bit 20 is set: the odd page, offset 0x12345 into guest physical 0x200000.
    assert_eq!(user_mapping(&mmu, 0x0071_2000), ro(0x21_2000, Scope::AsidSpecific));
    assert_eq!(mmu.stats().mapped_pages, (FILL_SPAN / 0x1000) as usize);
    assert_eq!(user_mapping(&mmu, 0x0071_0000), ro(0x21_0000, Scope::AsidSpecific));
    assert_eq!(user_mapping(&mmu, 0x0071_8000), None);
}

#[test]
fn tlb_mappings_of_guest_physical_space_outside_ram_are_emulated() {
    let (mut mmu, mut tlb) = (mmu(4), guest_tlb());
    // A device page (guest physical 0x1F000000) mapped in guest KSEG2 by ioremap.
    let _ = tlbwi(
        &mut mmu,
        &mut tlb,
        0,
        entry(0x6000_0000, 0, PageSize::K4, lo(0x1f00_0000, V | D | G), lo(0, G)),
    );
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x6000_0abc, AccessKind::Store, GuestMode::Kernel),
        FaultResolution::Emulate { guest_phys: 0x1f00_0abc }
    );
    assert_eq!(mmu.stats().mapped_pages, 0);
}

#[test]
fn a_guest_page_straddling_the_end_of_ram_maps_only_the_part_inside() {
    // RAM ends 8 KiB into the 16 KiB guest page at guest physical RAM_BYTES.
    let ram = super::super::guest_ram::tests::leaked_ram(RAM_BASE, RAM_BYTES + 0x2000);
    let (mut mmu, mut tlb) = (GuestMmu::new(ram, 2, HostTags::ASIDS).unwrap(), guest_tlb());
    let _ =
        tlbwi(&mut mmu, &mut tlb, 0, entry(0x0040_0000, 0, PageSize::K16, lo(RAM_BYTES, V | D), lo(0, NONE)));
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x0040_0000, AccessKind::Load, GuestMode::User),
        FaultResolution::Mapped
    );
    assert_eq!(user_mapping(&mmu, 0x0040_1000), rw(RAM_BYTES + 0x1000, Scope::AsidSpecific));
    assert_eq!(user_mapping(&mmu, 0x0040_2000), None);
    assert_eq!(mmu.stats().mapped_pages, 2);
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x0040_2004, AccessKind::Load, GuestMode::User),
        FaultResolution::Emulate { guest_phys: RAM_BYTES + 0x2004 }
    );
}

#[test]
fn a_kseg0_fill_stops_at_the_end_of_ram() {
    // 4 MiB + 8 KiB: the last FILL_SPAN block is three quarters outside.
    let ram = super::super::guest_ram::tests::leaked_ram(RAM_BASE, RAM_BYTES + 0x2000);
    let (mut mmu, tlb) = (GuestMmu::new(ram, 2, HostTags::ASIDS).unwrap(), guest_tlb());
    let gva = 0x4000_0000 + RAM_BYTES;
    assert_eq!(
        resolve(&mut mmu, &tlb, gva + 0x1ffc, AccessKind::Load, GuestMode::Kernel),
        FaultResolution::Mapped
    );
    assert_eq!(kernel_mapping(&mmu, gva + 0x1000), rw(RAM_BYTES + 0x1000, Scope::Global));
    assert_eq!(kernel_mapping(&mmu, gva + 0x2000), None);
    assert_eq!(mmu.stats().mapped_pages, 2);
}

#[test]
fn global_guest_entries_map_global_and_survive_an_asid_change_in_the_kernel_table() {
    let (mut mmu, mut tlb) = (mmu(4), guest_tlb());
    let _ = tlbwi(
        &mut mmu,
        &mut tlb,
        0,
        entry(0x0040_0000, 0, PageSize::K4, lo(0x3000, V | D | G), lo(0x4000, V | D | G)),
    );
    let _ = tlbwi(
        &mut mmu,
        &mut tlb,
        1,
        entry(0x0050_0000, 0, PageSize::K4, lo(0x5000, V | D), lo(0x6000, V | D)),
    );
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x0040_0000, AccessKind::Load, GuestMode::Kernel),
        FaultResolution::Mapped
    );
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x0050_0000, AccessKind::Load, GuestMode::Kernel),
        FaultResolution::Mapped
    );
    assert_eq!(kernel_mapping(&mmu, 0x0040_0000), rw(0x3000, Scope::Global));
    assert_eq!(kernel_mapping(&mmu, 0x0050_0000), rw(0x5000, Scope::AsidSpecific));
    let _ = mmu.asid_changed(0, 7);
    // PRA: a G entry matches every ASID; the ASID-0 entry no longer matches.
    assert_eq!(kernel_mapping(&mmu, 0x0040_0000), rw(0x3000, Scope::Global));
    assert_eq!(kernel_mapping(&mmu, 0x0050_0000), None);
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x0050_0000, AccessKind::Load, GuestMode::Kernel),
        FaultResolution::Deliver(GuestException::TlbRefill { access: Exc::Load, bad_vaddr: 0x0050_0000 })
    );
}
