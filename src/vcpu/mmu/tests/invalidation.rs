//! TLBWI/TLBWR over an entry that was copied into the tables: its whole
//! range leaves every table that can hold it, and the host TLB flush asked
//! for covers exactly the tables that lost something.

use super::*;
use crate::vcpu::guest_tlb::VaRange;

fn map(mmu: &mut GuestMmu, tlb: &GuestTlb, gva: u32, mode: GuestMode) {
    let asid = mmu.guest_asid();
    assert_eq!(
        mmu.resolve_fault(gva, AccessKind::Load, mode, tlb, asid),
        FaultResolution::Mapped,
        "{gva:#x}"
    );
}

fn space_id_of(mmu: &GuestMmu, table: TableId) -> SpaceId {
    mmu.table_tag(table).unwrap().id
}

#[test]
fn a_displaced_16k_pair_leaves_the_kernel_and_user_tables_and_is_probed_out() {
    let (mut mmu, mut tlb) = (mmu(4), guest_tlb());
    let _ = tlbwi(
        &mut mmu,
        &mut tlb,
        3,
        entry(0x0040_8000, 0, PageSize::K16, lo(0x10_0000, V | D), lo(0x10_4000, V)),
    );
    map(&mut mmu, &tlb, 0x0040_8000, GuestMode::Kernel);
    map(&mut mmu, &tlb, 0x0040_c000, GuestMode::User);
    assert_eq!(mmu.stats().mapped_pages, 16);
    let (kernel, user) = (space_id_of(&mmu, TableId::Kernel), mmu.space_id(GuestMode::User));

    let flush =
        tlbwi(&mut mmu, &mut tlb, 3, entry(0x0100_0000, 0, PageSize::K4, lo(0x2000, V), lo(0x3000, V)));
    // The 32 KiB range: four 8 KiB host pairs, in both tables' host ASIDs.
    let expected_range = VaRange { start: 0x0040_8000, len: 0x8000 };
    assert_eq!(flush, HostTlbFlush::Pages { range: expected_range, ids: set(&[kernel, user]) });
    assert_eq!(flush.probes().count(), 8);
    assert_eq!(mmu.stats().mapped_pages, 0);
    // Host ASIDs stay: probing was enough.
    assert_eq!(space_id_of(&mmu, TableId::Kernel), kernel);
}

#[test]
fn only_tables_that_held_the_range_are_named() {
    let (mut mmu, mut tlb) = (mmu(4), guest_tlb());
    let _ = tlbwi(&mut mmu, &mut tlb, 0, entry(0x0040_0000, 0, PageSize::K4, lo(0x2000, V), lo(0x3000, V)));
    map(&mut mmu, &tlb, 0x0040_0000, GuestMode::User);
    let user = mmu.space_id(GuestMode::User);
    let flush =
        tlbwi(&mut mmu, &mut tlb, 0, entry(0x0100_0000, 0, PageSize::K4, lo(0x2000, V), lo(0x3000, V)));
    assert_eq!(
        flush,
        HostTlbFlush::Pages { range: VaRange { start: 0x0040_0000, len: 0x2000 }, ids: set(&[user]) }
    );
    // Displacing an entry nobody copied asks for nothing.
    let flush =
        tlbwi(&mut mmu, &mut tlb, 0, entry(0x0200_0000, 0, PageSize::K4, lo(0x2000, V), lo(0x3000, V)));
    assert_eq!(flush, HostTlbFlush::Nothing);
}

#[test]
fn a_non_global_entry_of_a_cached_address_space_leaves_only_that_asids_table() {
    let (mut mmu, mut tlb) = (mmu(4), guest_tlb());
    let _ = mmu.asid_changed(0, 5);
    let _ = tlbwi(&mut mmu, &mut tlb, 0, entry(0x0040_0000, 5, PageSize::K4, lo(0x2000, V), lo(0x3000, V)));
    let _ = tlbwi(&mut mmu, &mut tlb, 1, entry(0x0040_0000, 6, PageSize::K4, lo(0x4000, V), lo(0x5000, V)));
    map(&mut mmu, &tlb, 0x0040_0000, GuestMode::User);
    let table5 = space_id_of(&mmu, TableId::User { guest_asid: 5 });
    let _ = mmu.asid_changed(5, 6);
    map(&mut mmu, &tlb, 0x0040_0000, GuestMode::User);
    assert_eq!(user_mapping(&mmu, 0x0040_0000), ro(0x4000, Scope::AsidSpecific));

    // The guest (running ASID 6) overwrites ASID 5's entry.
    let flush =
        tlbwi(&mut mmu, &mut tlb, 0, entry(0x0100_0000, 5, PageSize::K4, lo(0x2000, V), lo(0x3000, V)));
    assert_eq!(
        flush,
        HostTlbFlush::Pages { range: VaRange { start: 0x0040_0000, len: 0x2000 }, ids: set(&[table5]) }
    );
    assert_eq!(mmu.mapping(TableId::User { guest_asid: 5 }, 0x0040_0000), None);
    assert_eq!(user_mapping(&mmu, 0x0040_0000), ro(0x4000, Scope::AsidSpecific));
}

#[test]
fn a_global_useg_entry_leaves_every_user_table_and_the_kernel_table() {
    let (mut mmu, mut tlb) = (mmu(4), guest_tlb());
    let _ = tlbwi(
        &mut mmu,
        &mut tlb,
        0,
        entry(0x0040_0000, 0, PageSize::K16, lo(0x8000, V | G), lo(0xc000, V | G)),
    );
    let mut user_asids = alloc::vec::Vec::new();
    for (old, new) in [(0, 1), (1, 2), (2, 3)] {
        let _ = mmu.asid_changed(old, new);
        map(&mut mmu, &tlb, 0x0040_0000, GuestMode::User);
        user_asids.push(mmu.space_id(GuestMode::User));
    }
    map(&mut mmu, &tlb, 0x0040_4000, GuestMode::Kernel);
    let kernel = space_id_of(&mmu, TableId::Kernel);
    assert_eq!(kernel_mapping(&mmu, 0x0040_4000), ro(0xc000, Scope::Global));

    // 4 host pairs x 4 tables = 16 probes, within MAX_PROBES.
    let flush = tlbwi(&mut mmu, &mut tlb, 0, entry(0x0100_0000, 0, PageSize::K4, lo(0, V), lo(0, V)));
    let mut expected = set(&user_asids);
    assert!(expected.insert(kernel));
    assert_eq!(
        flush,
        HostTlbFlush::Pages { range: VaRange { start: 0x0040_0000, len: 0x8000 }, ids: expected }
    );
    assert_eq!(mmu.stats().mapped_pages, 0);
}

#[test]
fn a_guest_kseg2_entry_leaves_only_the_kernel_table() {
    let (mut mmu, mut tlb) = (mmu(4), guest_tlb());
    let _ = tlbwi(
        &mut mmu,
        &mut tlb,
        0,
        entry(0x6000_4000, 0, PageSize::K4, lo(0x2000, V | G), lo(0x3000, V | G)),
    );
    map(&mut mmu, &tlb, 0x6000_4000, GuestMode::Kernel);
    map(&mut mmu, &tlb, 0x4000_0000, GuestMode::Kernel);
    let kernel = space_id_of(&mmu, TableId::Kernel);
    let flush = tlbwi(&mut mmu, &mut tlb, 0, entry(0x0100_0000, 0, PageSize::K4, lo(0, V), lo(0, V)));
    assert_eq!(
        flush,
        HostTlbFlush::Pages { range: VaRange { start: 0x6000_4000, len: 0x2000 }, ids: set(&[kernel]) }
    );
    // Guest KSEG0 is untouched.
    assert_eq!(kernel_mapping(&mmu, 0x4000_0000), rw(0, Scope::Global));
    assert_eq!(kernel_mapping(&mmu, 0x6000_4000), None);
}

#[test]
fn an_entry_in_an_unmapped_segment_never_touches_the_tables() {
    let (mut mmu, mut tlb) = (mmu(4), guest_tlb());
    map(&mut mmu, &tlb, 0x4000_0000, GuestMode::Kernel);
    // PRA: guest KSEG0 is unmapped, so an entry there never matches; its
    // displacement must not drop the unmapped translations.
    let _ =
        tlbwi(&mut mmu, &mut tlb, 0, entry(0x4000_0000, 0, PageSize::K16, lo(0, V | G), lo(0x4000, V | G)));
    let flush = tlbwi(&mut mmu, &mut tlb, 0, entry(0x0100_0000, 0, PageSize::K4, lo(0, V), lo(0, V)));
    assert_eq!(flush, HostTlbFlush::Nothing);
    assert_eq!(kernel_mapping(&mmu, 0x4000_0000), rw(0, Scope::Global));
}

#[test]
fn a_displaced_large_page_retires_host_asids_instead_of_probing() {
    let (mut mmu, mut tlb) = (mmu(4), guest_tlb());
    // 1 MiB pages: a 2 MiB range is 256 host pairs.
    let _ =
        tlbwi(&mut mmu, &mut tlb, 0, entry(0x0020_0000, 0, PageSize::M1, lo(0, V | D), lo(0x10_0000, V | D)));
    map(&mut mmu, &tlb, 0x0030_0000, GuestMode::User);
    let (user, kernel) = (mmu.space_id(GuestMode::User), space_id_of(&mmu, TableId::Kernel));
    let flush = tlbwi(&mut mmu, &mut tlb, 0, entry(0x0100_0000, 0, PageSize::K4, lo(0, V), lo(0, V)));
    assert_eq!(flush, HostTlbFlush::Nothing, "fresh ASIDs were left in this round");
    assert_ne!(mmu.space_id(GuestMode::User), user);
    // The kernel table held nothing there: it keeps its host ASID.
    assert_eq!(space_id_of(&mmu, TableId::Kernel), kernel);
    assert_eq!(mmu.stats().mapped_pages, 0);
}

#[test]
fn with_mmids_a_displaced_large_page_invalidates_the_tables_mmids_instead() {
    let (mut mmu, mut tlb) = (mmid_mmu(4, 16), guest_tlb());
    let _ =
        tlbwi(&mut mmu, &mut tlb, 0, entry(0x0020_0000, 0, PageSize::M1, lo(0, V | D), lo(0x10_0000, V | D)));
    map(&mut mmu, &tlb, 0x0030_0000, GuestMode::User);
    map(&mut mmu, &tlb, 0x0020_0000, GuestMode::Kernel);
    let (user, kernel) = (mmu.space_id(GuestMode::User), space_id_of(&mmu, TableId::Kernel));
    // 256 host pairs x 2 tables: GINVT by MMID, once per table; both keep their MMIDs.
    let flush = tlbwi(&mut mmu, &mut tlb, 0, entry(0x0100_0000, 0, PageSize::K4, lo(0, V), lo(0, V)));
    assert_eq!(flush, HostTlbFlush::Spaces { ids: set(&[user, kernel]) });
    assert_eq!((mmu.space_id(GuestMode::User), space_id_of(&mmu, TableId::Kernel)), (user, kernel));
    assert_eq!(mmu.stats().mapped_pages, 0);
    // A small pair is still dropped page by page (GINVT by VA and MMID).
    let _ = tlbwi(&mut mmu, &mut tlb, 1, entry(0x0040_0000, 0, PageSize::K4, lo(0x2000, V), lo(0x3000, V)));
    map(&mut mmu, &tlb, 0x0040_0000, GuestMode::User);
    let flush =
        tlbwi(&mut mmu, &mut tlb, 1, entry(0x0200_0000, 0, PageSize::K4, lo(0x2000, V), lo(0x3000, V)));
    assert_eq!(
        flush,
        HostTlbFlush::Pages { range: VaRange { start: 0x0040_0000, len: 0x2000 }, ids: set(&[user]) }
    );
}
