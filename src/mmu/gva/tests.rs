//! Unit tests of each table operation, for both PTE widths. Expected slot
//! positions come from the layout's definitions (root slot = gva >>
//! ROOT_SHIFT, leaf slot = (gva >> PAGE_SHIFT) % LEAF_ENTRIES, pair halves
//! at 2k and 2k+1); expected PTE words from the PRA's EntryLo layout.

use super::*;
use crate::cp0::fields::cca;
use crate::mmu::entrylo::Access;

/// Guest-virtual bytes one root slot (one leaf) covers.
pub(super) const LEAF_SPAN: u32 = 1 << ROOT_SHIFT;

/// Root slot `index`, read from raw memory as the refill handler does.
pub(super) fn raw_root_slot<W: PteWord>(table: &GvaTable<W>, index: usize) -> usize {
    assert!(index < ROOT_ENTRIES);
    // SAFETY: `root_address` is element 0 of the table's live root of
    // `ROOT_ENTRIES` usize words, `index` is in bounds, and `&table` keeps
    // the root alive and unmodified during the read.
    unsafe { (table.root_address() as *const usize).add(index).read() }
}

/// Leaf word `index` at `leaf_address`, read from raw memory.
pub(super) fn raw_leaf_word<W: PteWord>(table: &GvaTable<W>, leaf_address: usize, index: usize) -> W {
    assert!(index < LEAF_ENTRIES);
    let known = leaf_address == empty_leaf_address()
        || table.leaves.iter().any(|leaf| leaf.ptes.address() == leaf_address);
    assert!(known, "root slot {leaf_address:#x} is neither the empty leaf nor a live leaf");
    // SAFETY: `leaf_address` is the shared empty leaf (static, at least
    // `LEAF_ENTRIES` words of any width) or a leaf `table` owns, alive while
    // `&table` is held; `index` is in bounds.
    unsafe { (leaf_address as *const W).add(index).read() }
}

/// What the refill handler loads for `gva`: root[gva >> ROOT_SHIFT] as a
/// pointer, then leaf[(gva >> PAGE_SHIFT) % LEAF_ENTRIES].
pub(super) fn load_like_refill_handler<W: PteWord>(table: &GvaTable<W>, gva: u32) -> W {
    let leaf_address = raw_root_slot(table, (gva >> ROOT_SHIFT) as usize);
    raw_leaf_word(table, leaf_address, (gva >> PAGE_SHIFT) as usize % LEAF_ENTRIES)
}

fn page(host_phys: u64) -> EntryLo {
    EntryLo::new(host_phys, cca::CACHEABLE_NONCOHERENT_WB, Access::ReadWrite).unwrap()
}

fn zero<W: PteWord>() -> W {
    W::from_entry_lo(EntryLo::INVALID)
}

fn new_table_points_every_root_slot_at_the_shared_empty_leaf<W: PteWord>() {
    let table = GvaTable::<W>::new().unwrap();
    assert_eq!(table.root_address() % layout::root_bytes(WordSize::native()) as usize, 0);
    for index in 0..ROOT_ENTRIES {
        assert_eq!(raw_root_slot(&table, index), empty_leaf_address());
    }
    let stats = table.stats();
    assert_eq!((stats.leaves, stats.mapped_pages), (0, 0));
    assert_eq!(stats.table_bytes, layout::root_bytes(WordSize::native()) as usize);
}

fn map_page_writes_the_entrylo_at_the_layout_slots<W: PteWord + Into<u64>>() {
    let mut table = GvaTable::<W>::new().unwrap();
    let gva = 3 * LEAF_SPAN + 5 * PAGE_SIZE;
    table.map_page(gva, page(0x0123_4000), Scope::AsidSpecific).unwrap();

    let leaf_address = raw_root_slot(&table, 3);
    assert_ne!(leaf_address, empty_leaf_address());
    assert_eq!(leaf_address % layout::leaf_bytes(W::WIDTH) as usize, 0, "leaf aligned to its size");
    // PRA EntryLo: PFN 0x1234 << 6 | C 3 << 3 | D | V.
    assert_eq!(raw_leaf_word::<W>(&table, leaf_address, 5).into(), 0x0004_8d1e);
    assert_eq!(raw_leaf_word::<W>(&table, leaf_address, 4), zero::<W>());
    assert_eq!(raw_root_slot(&table, 2), empty_leaf_address());
    assert_eq!(table.walk(gva + 0x123), Some(page(0x0123_4000)), "any byte of the page");
    assert_eq!(table.walk(gva + PAGE_SIZE), None);

    let stats = table.stats();
    assert_eq!((stats.leaves, stats.mapped_pages), (1, 1));
    assert_eq!(
        stats.table_bytes,
        (layout::root_bytes(WordSize::native()) + layout::leaf_bytes(W::WIDTH)) as usize
    );
}

fn last_page_below_two_gib_uses_the_last_root_and_leaf_slots<W: PteWord>() {
    assert_eq!(GVA_LIMIT, 0x8000_0000, "the root covers guest useg, 0..2 GiB");
    let mut table = GvaTable::<W>::new().unwrap();
    let gva = GVA_LIMIT - PAGE_SIZE;
    table.map_page(gva, page(0x7000), Scope::Global).unwrap();
    let leaf_address = raw_root_slot(&table, ROOT_ENTRIES - 1);
    assert_eq!(raw_leaf_word::<W>(&table, leaf_address, LEAF_ENTRIES - 1), W::from_entry_lo(page(0x7000)));
    assert_eq!(table.mapping(gva), Some(Mapping { pte: page(0x7000), scope: Scope::Global }));
}

fn map_pair_puts_even_and_odd_pages_at_slots_2k_and_2k_plus_1<W: PteWord>() {
    let mut table = GvaTable::<W>::new().unwrap();
    let gva = LEAF_SPAN + 7 * PAIR_SIZE;
    table.map_pair(gva, [page(0x10_000), page(0x20_000)], Scope::AsidSpecific).unwrap();
    let leaf_address = raw_root_slot(&table, 1);
    assert_eq!(raw_leaf_word::<W>(&table, leaf_address, 14), W::from_entry_lo(page(0x10_000)));
    assert_eq!(raw_leaf_word::<W>(&table, leaf_address, 15), W::from_entry_lo(page(0x20_000)));
    assert_eq!(load_like_refill_handler::<W>(&table, gva + PAGE_SIZE), W::from_entry_lo(page(0x20_000)));
    assert_eq!(table.stats().mapped_pages, 2);

    // A guest TLB entry with only its even half valid replaces both slots.
    table.map_pair(gva, [page(0x30_000), EntryLo::INVALID], Scope::AsidSpecific).unwrap();
    assert_eq!(table.walk(gva), Some(page(0x30_000)));
    assert_eq!(raw_leaf_word::<W>(&table, leaf_address, 15), zero::<W>());
    assert_eq!(table.stats().mapped_pages, 1);

    table.map_pair(gva, [EntryLo::INVALID; 2], Scope::AsidSpecific).unwrap();
    assert_eq!(table.stats().leaves, 0, "an all-invalid pair frees the leaf");
    assert_eq!(raw_root_slot(&table, 1), empty_leaf_address());
}

fn misaligned_and_out_of_range_addresses_are_errors<W: PteWord>() {
    let mut table = GvaTable::<W>::new().unwrap();
    let pte = page(0x1000);
    let scope = Scope::AsidSpecific;
    assert_eq!(
        table.map_pair(PAGE_SIZE, [pte, pte], scope),
        Err(GvaError::Misaligned { gva: PAGE_SIZE, alignment: PAIR_SIZE })
    );
    assert_eq!(
        table.map_page(0x123, pte, scope),
        Err(GvaError::Misaligned { gva: 0x123, alignment: PAGE_SIZE })
    );
    for gva in [GVA_LIMIT, 0xffff_f000, 0xffff_e000] {
        assert_eq!(table.map_page(gva, pte, scope), Err(GvaError::OutOfRange { gva }));
        assert_eq!(table.map_pair(gva, [pte, pte], scope), Err(GvaError::OutOfRange { gva }));
        assert_eq!(table.unmap_page(gva), Err(GvaError::OutOfRange { gva }));
        assert_eq!(table.walk(gva), None);
    }
    assert_eq!(table.walk(u32::MAX), None);
    assert_eq!(table.stats().leaves, 0, "a rejected call changes nothing");
}

fn global_or_non_zero_invalid_ptes_are_errors<W: PteWord>() {
    let mut table = GvaTable::<W>::new().unwrap();
    // G is EntryLo bit 0; V is bit 1.
    let global = EntryLo::from_bits(page(0x1000).bits() | 1).unwrap();
    let not_valid = EntryLo::from_bits(page(0x1000).bits() & !2).unwrap();
    assert_eq!(table.map_page(0, global, Scope::Global), Err(GvaError::GlobalPte(global)));
    assert_eq!(table.map_page(0, not_valid, Scope::Global), Err(GvaError::NotValid(not_valid)));
    assert_eq!(
        table.map_pair(0, [page(0x1000), not_valid], Scope::Global),
        Err(GvaError::NotValid(not_valid))
    );
    assert_eq!(table.walk(0), None, "a rejected pair installs neither half");
}

fn unmap_returns_the_old_pte_and_frees_the_leaf<W: PteWord>() {
    let mut table = GvaTable::<W>::new().unwrap();
    let gva = 9 * LEAF_SPAN;
    table.map_page(gva, page(0x5000), Scope::AsidSpecific).unwrap();
    table.map_page(gva + PAGE_SIZE, page(0x6000), Scope::AsidSpecific).unwrap();
    assert_eq!(table.unmap_page(gva), Ok(Some(page(0x5000))));
    assert_eq!(table.unmap_page(gva), Ok(None));
    assert_eq!(table.stats().leaves, 1);
    assert_eq!(table.unmap_page(gva + PAGE_SIZE), Ok(Some(page(0x6000))));
    assert_eq!(table.stats().leaves, 0);
    assert_eq!(raw_root_slot(&table, 9), empty_leaf_address());
    assert_eq!(table.unmap_page(gva), Ok(None), "unmapping in an empty slot is harmless");
}

fn remapping_a_page_replaces_pte_and_scope_without_double_counting<W: PteWord>() {
    let mut table = GvaTable::<W>::new().unwrap();
    table.map_page(0, page(0x1000), Scope::Global).unwrap();
    table.map_page(0, page(0x2000), Scope::AsidSpecific).unwrap();
    assert_eq!(table.mapping(0), Some(Mapping { pte: page(0x2000), scope: Scope::AsidSpecific }));
    assert_eq!(table.stats().mapped_pages, 1);
    table.map_page(0, EntryLo::INVALID, Scope::Global).unwrap();
    assert_eq!(table.stats().leaves, 0, "mapping INVALID removes the page");
}

fn invalidate_range_across_a_leaf_boundary<W: PteWord>() {
    let mut table = GvaTable::<W>::new().unwrap();
    let boundary = LEAF_SPAN;
    let gvas =
        [boundary - 2 * PAGE_SIZE, boundary - PAGE_SIZE, boundary, boundary + PAGE_SIZE, 5 * LEAF_SPAN];
    for (n, gva) in gvas.into_iter().enumerate() {
        table.map_page(gva, page((n as u64 + 1) << PAGE_SHIFT), Scope::Global).unwrap();
    }
    table.invalidate_range(boundary - PAGE_SIZE, boundary + PAGE_SIZE).unwrap();
    let left: Vec<bool> = gvas.iter().map(|&gva| table.walk(gva).is_some()).collect();
    assert_eq!(left, [true, false, false, true, true], "only [start, end) goes, global or not");
    assert_eq!(raw_leaf_word::<W>(&table, raw_root_slot(&table, 0), LEAF_ENTRIES - 1), zero::<W>());
    assert_eq!(raw_leaf_word::<W>(&table, raw_root_slot(&table, 1), 0), zero::<W>());

    table.invalidate_range(0, 0).unwrap();
    assert_eq!(table.stats().mapped_pages, 3, "an empty range removes nothing");
    table.invalidate_range(0, GVA_LIMIT).unwrap();
    assert_eq!(table.stats().leaves, 0);
}

fn invalidating_a_whole_leaf_frees_it<W: PteWord>() {
    let mut table = GvaTable::<W>::new().unwrap();
    for slot in [0, 1, LEAF_ENTRIES as u32 - 1] {
        table.map_page(2 * LEAF_SPAN + slot * PAGE_SIZE, page(0x1000), Scope::Global).unwrap();
    }
    table.map_page(3 * LEAF_SPAN, page(0x1000), Scope::Global).unwrap();
    table.invalidate_range(2 * LEAF_SPAN, 3 * LEAF_SPAN).unwrap();
    assert_eq!(raw_root_slot(&table, 2), empty_leaf_address());
    assert_eq!(table.stats().leaves, 1);
    assert_eq!(table.walk(3 * LEAF_SPAN), Some(page(0x1000)));
}

fn bad_ranges_are_errors<W: PteWord>() {
    let mut table = GvaTable::<W>::new().unwrap();
    assert_eq!(
        table.invalidate_range(2 * PAGE_SIZE, PAGE_SIZE),
        Err(GvaError::ReversedRange { start: 2 * PAGE_SIZE, end: PAGE_SIZE })
    );
    assert_eq!(
        table.invalidate_range(0, PAGE_SIZE + 1),
        Err(GvaError::Misaligned { gva: PAGE_SIZE + 1, alignment: PAGE_SIZE })
    );
    assert_eq!(
        table.invalidate_range(0, GVA_LIMIT + PAGE_SIZE),
        Err(GvaError::OutOfRange { gva: GVA_LIMIT + PAGE_SIZE })
    );
    assert_eq!(table.invalidate_range(GVA_LIMIT, GVA_LIMIT), Err(GvaError::OutOfRange { gva: GVA_LIMIT }));
}

fn flush_non_global_keeps_only_global_mappings<W: PteWord>() {
    let mut table = GvaTable::<W>::new().unwrap();
    table.map_page(0, page(0x1000), Scope::Global).unwrap();
    table.map_page(PAGE_SIZE, page(0x2000), Scope::AsidSpecific).unwrap();
    table.map_pair(4 * LEAF_SPAN, [page(0x3000), page(0x4000)], Scope::AsidSpecific).unwrap();
    table.flush_non_global();
    assert_eq!(table.mapping(0), Some(Mapping { pte: page(0x1000), scope: Scope::Global }));
    assert_eq!(table.walk(PAGE_SIZE), None);
    assert_eq!(table.walk(4 * LEAF_SPAN), None);
    assert_eq!(raw_root_slot(&table, 4), empty_leaf_address(), "the emptied leaf is freed");
    assert_eq!((table.stats().leaves, table.stats().mapped_pages), (1, 1));
}

fn flush_all_empties_the_table<W: PteWord>() {
    let mut table = GvaTable::<W>::new().unwrap();
    table.map_page(0, page(0x1000), Scope::Global).unwrap();
    table.map_page(100 * LEAF_SPAN, page(0x2000), Scope::AsidSpecific).unwrap();
    table.flush_all();
    assert_eq!(table.stats().leaves, 0);
    assert_eq!(table.walk(0), None);
    for index in 0..ROOT_ENTRIES {
        assert_eq!(raw_root_slot(&table, index), empty_leaf_address());
    }
}

macro_rules! for_both_pte_widths {
    ($($name:ident),* $(,)?) => {
        mod pte_u32 {
            $(#[test] fn $name() { super::$name::<u32>() })*
        }
        mod pte_u64 {
            $(#[test] fn $name() { super::$name::<u64>() })*
        }
    };
}

for_both_pte_widths!(
    new_table_points_every_root_slot_at_the_shared_empty_leaf,
    map_page_writes_the_entrylo_at_the_layout_slots,
    last_page_below_two_gib_uses_the_last_root_and_leaf_slots,
    map_pair_puts_even_and_odd_pages_at_slots_2k_and_2k_plus_1,
    misaligned_and_out_of_range_addresses_are_errors,
    global_or_non_zero_invalid_ptes_are_errors,
    unmap_returns_the_old_pte_and_frees_the_leaf,
    remapping_a_page_replaces_pte_and_scope_without_double_counting,
    invalidate_range_across_a_leaf_boundary,
    invalidating_a_whole_leaf_frees_it,
    bad_ranges_are_errors,
    flush_non_global_keeps_only_global_mappings,
    flush_all_empties_the_table,
);

#[test]
fn the_empty_leaf_is_zero_and_aligned_for_the_widest_pte() {
    let address = empty_leaf_address();
    assert_eq!(address % layout::leaf_bytes(WordSize::W64) as usize, 0);
    assert!(EMPTY_LEAF.0.iter().all(|&word| word == 0));
}

#[test]
fn two_tables_share_one_empty_leaf_but_not_their_roots() {
    let a = GvaTable::<u32>::new().unwrap();
    let b = GvaTable::<u64>::new().unwrap();
    assert_ne!(a.root_address(), b.root_address());
    assert_eq!(raw_root_slot(&a, 0), raw_root_slot(&b, 0));
}

#[test]
fn for_each_pte_visits_every_mapping_with_its_address() {
    let mut table = GvaTable::<u64>::new().unwrap();
    let a = EntryLo::new(0x0200_0000, 3, crate::mmu::entrylo::Access::ReadWrite).unwrap();
    table.map_page(0x0040_1000, a, Scope::AsidSpecific).unwrap();
    table.map_page(0x7fff_f000, a, Scope::Global).unwrap();
    let mut seen = alloc::vec::Vec::new();
    table.for_each_pte(|gva, word, address| {
        // SAFETY: the address is the live PTE word the walker just read.
        assert_eq!(unsafe { *(address as *const u64) }, word);
        seen.push((gva, word));
    });
    assert_eq!(seen, [(0x0040_1000, a.bits() as u64), (0x7fff_f000, a.bits() as u64)]);
}
