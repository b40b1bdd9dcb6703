//! Guest ASID changes: the user-table cache (hits keep their mappings, the
//! least recently used goes past the bound), the kernel table's
//! ASID-specific flush, and host ASID rounds.

use super::*;
use alloc::collections::BTreeSet;
use alloc::vec::Vec;

fn map_user(mmu: &mut GuestMmu, tlb: &GuestTlb, gva: u32) {
    let asid = mmu.guest_asid();
    assert_eq!(mmu.resolve_fault(gva, AccessKind::Load, GuestMode::User, tlb, asid), FaultResolution::Mapped);
}

fn switch(mmu: &mut GuestMmu, new: u8) -> HostTlbFlush {
    let old = mmu.guest_asid();
    mmu.asid_changed(old, new)
}

fn cached(mmu: &GuestMmu) -> BTreeSet<u8> {
    mmu.cached_guest_asids().collect()
}

/// One page per ASID 0..=4 at 0x00400000, each to its own guest physical page.
fn tlb_with_a_page_per_asid(mmu: &mut GuestMmu) -> GuestTlb {
    let mut tlb = guest_tlb();
    for asid in 0..=4u8 {
        let phys = 0x1_0000 * (u32::from(asid) + 1);
        let _ = tlbwi(
            mmu,
            &mut tlb,
            u32::from(asid),
            entry(0x0040_0000, asid, PageSize::K4, lo(phys, V), lo(phys, NONE)),
        );
    }
    tlb
}

#[test]
fn switching_back_to_a_cached_asid_finds_its_mappings() {
    let mut mmu = mmu(3);
    let tlb = tlb_with_a_page_per_asid(&mut mmu);
    map_user(&mut mmu, &tlb, 0x0040_0000);
    assert_eq!(switch(&mut mmu, 1), HostTlbFlush::Nothing);
    map_user(&mut mmu, &tlb, 0x0040_0000);
    let host_asid_of_1 = mmu.space_id(GuestMode::User);
    assert_eq!(switch(&mut mmu, 0), HostTlbFlush::Nothing);
    assert_eq!(user_mapping(&mmu, 0x0040_0000), ro(0x1_0000, Scope::AsidSpecific));
    assert_eq!(switch(&mut mmu, 1), HostTlbFlush::Nothing);
    assert_eq!(user_mapping(&mmu, 0x0040_0000), ro(0x2_0000, Scope::AsidSpecific));
    // The same table, so the same host ASID: host TLB entries stay good.
    assert_eq!(mmu.space_id(GuestMode::User), host_asid_of_1);
    let stats = mmu.stats();
    assert_eq!((stats.user_table_hits, stats.user_table_misses, stats.evictions), (2, 1, 0));
}

#[test]
fn the_least_recently_used_table_goes_beyond_the_bound() {
    let mut mmu = mmu(3);
    let tlb = tlb_with_a_page_per_asid(&mut mmu);
    for asid in [0, 1, 2] {
        let _ = switch(&mut mmu, asid);
        map_user(&mut mmu, &tlb, 0x0040_0000);
    }
    assert_eq!(cached(&mmu), BTreeSet::from([0, 1, 2]));
    // 3 is new and the cache is full: 0, used longest ago, goes.
    let _ = switch(&mut mmu, 3);
    assert_eq!(cached(&mmu), BTreeSet::from([1, 2, 3]));
    // Touch 1, then 4: now 2 is the least recently used.
    let _ = switch(&mut mmu, 1);
    let _ = switch(&mut mmu, 4);
    assert_eq!(cached(&mmu), BTreeSet::from([1, 3, 4]));
    assert_eq!(mmu.mapping(TableId::User { guest_asid: 1 }, 0x0040_0000), ro(0x2_0000, Scope::AsidSpecific));
    assert_eq!(mmu.mapping(TableId::User { guest_asid: 2 }, 0x0040_0000), None);
    let stats = mmu.stats();
    assert_eq!((stats.user_tables, stats.evictions), (3, 2));
    // A re-created table starts empty.
    let _ = switch(&mut mmu, 0);
    assert_eq!(user_mapping(&mmu, 0x0040_0000), None);
    assert_eq!(mmu.stats().user_tables, 3);
}

#[test]
fn a_cache_of_one_recycles_the_current_table() {
    let mut mmu = mmu(1);
    let tlb = tlb_with_a_page_per_asid(&mut mmu);
    map_user(&mut mmu, &tlb, 0x0040_0000);
    let before = mmu.space_id(GuestMode::User);
    let _ = switch(&mut mmu, 2);
    assert_eq!(cached(&mmu), BTreeSet::from([2]));
    assert_eq!(user_mapping(&mmu, 0x0040_0000), None);
    assert_ne!(mmu.space_id(GuestMode::User), before, "the recycled table's old host entries are retired");
    map_user(&mut mmu, &tlb, 0x0040_0000);
    assert_eq!(user_mapping(&mmu, 0x0040_0000), ro(0x3_0000, Scope::AsidSpecific));
    assert_eq!(mmu.stats().evictions, 1);
}

#[test]
fn an_asid_change_flushes_the_kernel_tables_asid_specific_part_and_retags_it() {
    let mut mmu = mmu(3);
    let tlb = tlb_with_a_page_per_asid(&mut mmu);
    let kernel_before = mmu.table_tag(TableId::Kernel).unwrap().id;
    // Only guest KSEG0 (global) in the kernel table: nothing to flush.
    assert_eq!(
        mmu.resolve_fault(0x4000_0000, AccessKind::Load, GuestMode::Kernel, &tlb, 0),
        FaultResolution::Mapped
    );
    let _ = switch(&mut mmu, 1);
    assert_eq!(mmu.table_tag(TableId::Kernel).map(|tag| tag.id), Some(kernel_before));
    assert_eq!(mmu.stats().kernel_flushes, 0);
    // copy_to_user: the guest kernel touches ASID 1's useg page.
    assert_eq!(
        mmu.resolve_fault(0x0040_0000, AccessKind::Load, GuestMode::Kernel, &tlb, 1),
        FaultResolution::Mapped
    );
    assert_eq!(kernel_mapping(&mmu, 0x0040_0000), ro(0x2_0000, Scope::AsidSpecific));
    let _ = switch(&mut mmu, 2);
    assert_eq!(kernel_mapping(&mmu, 0x0040_0000), None);
    assert_eq!(kernel_mapping(&mmu, 0x4000_0000), rw(0, Scope::Global));
    let kernel_after = mmu.table_tag(TableId::Kernel).unwrap().id;
    assert_ne!(kernel_after, kernel_before, "host entries of ASID 1's pages die with the old host ASID");
    assert_eq!(mmu.stats().kernel_flushes, 1);
    // Writing the same ASID again changes nothing.
    assert_eq!(switch(&mut mmu, 2), HostTlbFlush::Nothing);
    assert_eq!(mmu.table_tag(TableId::Kernel).map(|tag| tag.id), Some(kernel_after));
}

/// Switches among guest ASIDs 1..=4 with the kernel touching useg each
/// time (so every change retags the kernel table too) on an MMU with 3-bit
/// ids (7 per generation) and a cache of 2; checks that an id given up
/// without invalidation comes back only after a full flush.
fn given_up_ids_return_only_after_a_full_flush(kind: TagKind) -> (u64, u64) {
    let ram = super::super::guest_ram::tests::leaked_ram(RAM_BASE, RAM_BYTES);
    let mut mmu = GuestMmu::new(ram, 2, HostTags { kind, bits: 3 }).unwrap();
    let tlb = tlb_with_a_page_per_asid(&mut mmu);
    let live = |mmu: &GuestMmu| -> BTreeSet<SpaceId> {
        let users = mmu.cached_guest_asids().map(|a| mmu.table_tag(TableId::User { guest_asid: a }).unwrap());
        let tags: Vec<SpaceTag> = users.chain(mmu.table_tag(TableId::Kernel)).collect();
        assert!(tags.iter().all(|tag| tag.generation == mmu.id_generation()), "{tags:?}");
        let distinct: BTreeSet<SpaceId> = tags.iter().map(|tag| tag.id).collect();
        assert_eq!(distinct.len(), tags.len(), "live tables share no host id");
        distinct
    };
    let mut before = live(&mmu);
    // Ids given up since the last full flush: their host TLB entries may live on.
    let mut given_up: BTreeSet<SpaceId> = BTreeSet::new();
    let (mut full_flushes, mut space_flushes) = (0, 0);
    for step in 0..60u32 {
        let asid = mmu.guest_asid();
        let _ = mmu.resolve_fault(0x0040_0000, AccessKind::Load, GuestMode::Kernel, &tlb, asid);
        let flush = switch(&mut mmu, (step % 4) as u8 + 1);
        let now = live(&mmu);
        assert!(now.iter().all(|id| (1..=7).contains(&id.0)), "{now:?}");
        match flush {
            HostTlbFlush::All => {
                full_flushes += 1;
                given_up.clear();
            }
            HostTlbFlush::Spaces { ids } => {
                assert_eq!(kind, TagKind::Mmid, "only MMIDs are invalidated by id");
                assert!(ids.iter().all(|id| now.contains(&id)), "the recycled table keeps its MMID");
                space_flushes += 1;
            }
            HostTlbFlush::Nothing => {}
            other => panic!("an ASID change asks for no page flush: {other:?}"),
        }
        if flush != HostTlbFlush::All {
            given_up.extend(before.difference(&now));
            assert!(now.is_disjoint(&given_up), "step {step}: {now:?} reuses one of {given_up:?}");
        }
        before = now;
    }
    assert_eq!(mmu.stats().host_id_rollovers, full_flushes);
    (full_flushes, space_flushes)
}

#[test]
fn a_given_up_asid_returns_only_after_a_full_flush() {
    // Kernel and recycled user table retagged per change, 7 ids, 3 live: rollovers are frequent.
    let (full, spaces) = given_up_ids_return_only_after_a_full_flush(TagKind::Asid);
    assert!(full >= 25 && spaces == 0, "{full} {spaces}");
}

#[test]
fn a_given_up_mmid_returns_only_after_a_full_flush() {
    // Only the kernel table is retagged; an evicted user table is invalidated by its MMID.
    let (full, spaces) = given_up_ids_return_only_after_a_full_flush(TagKind::Mmid);
    assert!(full >= 10 && spaces >= 40, "{full} {spaces}");
}

#[test]
fn with_mmids_an_evicted_user_table_keeps_its_mmid_after_a_ginvt_by_mmid() {
    let mut mmu = mmid_mmu(2, 16);
    let tlb = tlb_with_a_page_per_asid(&mut mmu);
    map_user(&mut mmu, &tlb, 0x0040_0000);
    // A miss with room: a new MMID, nothing to flush.
    assert_eq!(switch(&mut mmu, 1), HostTlbFlush::Nothing);
    let of_1 = mmu.space_id(GuestMode::User);
    // Back and forth between cached tables: nothing.
    assert_eq!(switch(&mut mmu, 0), HostTlbFlush::Nothing);
    let of_0 = mmu.space_id(GuestMode::User);
    assert_eq!(switch(&mut mmu, 1), HostTlbFlush::Nothing);
    // 2 is new and the cache is full: 0's table is emptied and its MMID invalidated, and kept.
    assert_eq!(switch(&mut mmu, 2), HostTlbFlush::Spaces { ids: set(&[of_0]) });
    assert_eq!((mmu.space_id(GuestMode::User), cached(&mmu)), (of_0, BTreeSet::from([1, 2])));
    assert_eq!(mmu.table_tag(TableId::User { guest_asid: 1 }).unwrap().id, of_1);
    assert_eq!((mmu.stats().evictions, mmu.stats().host_id_rollovers), (1, 0));
    assert_eq!(
        alloc::format!("{}", mmu.summary()),
        "guest MMU: host MMIDs of 16 bits, generation 1 (0 rollovers); 2 user tables, 2 hits, 2 misses, \
         1 evictions, 1 tables invalidated by MMID, 0 kernel-table retags"
    );
}

#[test]
fn bad_configurations_are_refused() {
    let ram = || super::super::guest_ram::tests::leaked_ram(RAM_BASE, 0x1000);
    let tags = |bits| HostTags { kind: TagKind::Asid, bits };
    assert_eq!(GuestMmu::new(ram(), 0, HostTags::ASIDS).err(), Some(MmuError::NoUserTableCache));
    assert_eq!(
        GuestMmu::new(ram(), 3, tags(2)).err(),
        Some(MmuError::TooFewHostIds { needed: 6, available: 3 })
    );
    assert!(GuestMmu::new(ram(), 3, tags(3)).is_ok());
    // The kernel and supervisor tables and the user tables all fit in one id set.
    assert!(GuestMmu::new(ram(), 14, HostTags::ASIDS).is_ok());
    assert_eq!(
        GuestMmu::new(ram(), 15, HostTags::ASIDS).err(),
        Some(MmuError::TooManyTables { tables: 17, most: 16 })
    );
    assert_eq!(GuestMmu::new(ram(), 1, tags(0)).err(), Some(MmuError::BadIdWidth(0)));
}
