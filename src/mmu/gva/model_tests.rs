//! Model-based test: random operation sequences against a `BTreeMap` model,
//! checking after every step both the API and the raw memory the refill
//! handler walks.

use super::tests::{load_like_refill_handler, raw_leaf_word, raw_root_slot, LEAF_SPAN};
use super::*;
use crate::mmu::entrylo::{Access, HOST_PHYS_LIMIT};
use crate::mmu::layout::LEAF_INDEX_BITS;
use alloc::collections::{BTreeMap, BTreeSet};

/// Page number (gva >> PAGE_SHIFT) -> what should be mapped there.
type Model = BTreeMap<u32, Mapping>;

use crate::testsupport::XorShift64;

/// A guest page, mostly in a few leaves near their edges so that pages
/// collide, pairs share leaves and leaves empty out again.
fn random_gva(rng: &mut XorShift64) -> u32 {
    let leaves = [0, 1, 2, ROOT_ENTRIES as u32 / 2, ROOT_ENTRIES as u32 - 1];
    let leaf = if rng.chance(8) {
        rng.below(ROOT_ENTRIES as u64) as u32
    } else {
        leaves[rng.below(leaves.len() as u64) as usize]
    };
    let near_edge = rng.below(16) as u32;
    let slot = if rng.chance(2) { near_edge } else { LEAF_ENTRIES as u32 - 1 - near_edge };
    leaf * LEAF_SPAN + slot * PAGE_SIZE
}

/// Sometimes an address the table must refuse.
fn random_gva_maybe_outside(rng: &mut XorShift64) -> u32 {
    if rng.chance(16) {
        GVA_LIMIT + (rng.next() as u32 % (u32::MAX - GVA_LIMIT)) / PAGE_SIZE * PAGE_SIZE
    } else {
        random_gva(rng)
    }
}

fn random_pte(rng: &mut XorShift64) -> EntryLo {
    let phys = rng.below(HOST_PHYS_LIMIT) & !u64::from(PAGE_SIZE - 1);
    let access = if rng.chance(2) { Access::ReadOnly } else { Access::ReadWrite };
    EntryLo::new(phys, rng.below(8) as u8, access).unwrap()
}

fn random_scope(rng: &mut XorShift64) -> Scope {
    if rng.chance(3) {
        Scope::Global
    } else {
        Scope::AsidSpecific
    }
}

fn model_set(model: &mut Model, gva: u32, pte: EntryLo, scope: Scope) {
    if pte == EntryLo::INVALID {
        model.remove(&(gva >> PAGE_SHIFT));
    } else {
        model.insert(gva >> PAGE_SHIFT, Mapping { pte, scope });
    }
}

/// One random operation, applied to both the table and the model.
fn step<W: PteWord>(rng: &mut XorShift64, table: &mut GvaTable<W>, model: &mut Model) {
    match rng.below(100) {
        0..=34 => {
            let gva = random_gva_maybe_outside(rng);
            let (pte, scope) = (random_pte(rng), random_scope(rng));
            let result = table.map_page(gva, pte, scope);
            if gva >= GVA_LIMIT {
                assert_eq!(result, Err(GvaError::OutOfRange { gva }));
            } else {
                result.unwrap();
                model_set(model, gva, pte, scope);
            }
        }
        35..=59 => {
            let gva = random_gva(rng) & !(PAIR_SIZE - 1);
            let mut half = || if rng.chance(4) { EntryLo::INVALID } else { random_pte(rng) };
            let ptes = [half(), half()];
            let scope = random_scope(rng);
            table.map_pair(gva, ptes, scope).unwrap();
            model_set(model, gva, ptes[0], scope);
            model_set(model, gva + PAGE_SIZE, ptes[1], scope);
        }
        60..=84 => {
            let gva = random_gva_maybe_outside(rng);
            let result = table.unmap_page(gva);
            if gva >= GVA_LIMIT {
                assert_eq!(result, Err(GvaError::OutOfRange { gva }));
            } else {
                let expected = model.remove(&(gva >> PAGE_SHIFT)).map(|m| m.pte);
                assert_eq!(result, Ok(expected));
            }
        }
        85..=94 => {
            let start = random_gva(rng);
            let pages = if rng.chance(10) { rng.below(3 * LEAF_ENTRIES as u64) } else { rng.below(40) };
            let end = (start as u64 + pages * PAGE_SIZE as u64).min(GVA_LIMIT as u64) as u32;
            table.invalidate_range(start, end).unwrap();
            let first_page = start >> PAGE_SHIFT;
            let end_page = end >> PAGE_SHIFT;
            model.retain(|&page, _| page < first_page || page >= end_page);
        }
        95..=98 => {
            table.flush_non_global();
            model.retain(|_, m| m.scope == Scope::Global);
        }
        _ => {
            if rng.chance(4) {
                table.flush_all();
                model.clear();
            }
        }
    }
}

/// The table agrees with the model, through the API and in raw memory.
fn check<W: PteWord>(table: &GvaTable<W>, model: &Model, rng: &mut XorShift64) {
    for (&page, &expected) in model {
        let gva = page << PAGE_SHIFT;
        assert_eq!(table.mapping(gva), Some(expected));
        assert_eq!(table.walk(gva + PAGE_SIZE - 1), Some(expected.pte));
        assert_eq!(load_like_refill_handler::<W>(table, gva), W::from_entry_lo(expected.pte));
    }
    for _ in 0..8 {
        let gva = random_gva_maybe_outside(rng);
        let expected = model.get(&(gva >> PAGE_SHIFT)).copied();
        assert_eq!(table.mapping(gva), expected.filter(|_| gva < GVA_LIMIT));
    }

    // Every root slot, every word of every leaf, as the handler sees them.
    let used_leaves: BTreeSet<usize> =
        model.keys().map(|&page| (page << PAGE_SHIFT >> ROOT_SHIFT) as usize).collect();
    for root_index in 0..ROOT_ENTRIES {
        let leaf_address = raw_root_slot(table, root_index);
        if !used_leaves.contains(&root_index) {
            assert_eq!(leaf_address, empty_leaf_address(), "root slot {root_index} should be empty");
            continue;
        }
        assert_ne!(leaf_address, empty_leaf_address());
        assert_eq!(leaf_address % layout::leaf_bytes(W::WIDTH) as usize, 0);
        for slot in 0..LEAF_ENTRIES {
            let page = ((root_index << LEAF_INDEX_BITS) | slot) as u32;
            let expected = model.get(&page).map_or(EntryLo::INVALID, |m| m.pte);
            assert_eq!(raw_leaf_word::<W>(table, leaf_address, slot), W::from_entry_lo(expected));
        }
    }
    for slot in 0..LEAF_ENTRIES {
        assert_eq!(raw_leaf_word::<W>(table, empty_leaf_address(), slot), W::from_entry_lo(EntryLo::INVALID));
    }

    let stats = table.stats();
    assert_eq!(stats.leaves, used_leaves.len(), "a leaf exists exactly where something is mapped");
    assert_eq!(stats.mapped_pages, model.len());
    assert_eq!(
        stats.table_bytes,
        (layout::root_bytes(WordSize::native()) as usize)
            + used_leaves.len() * layout::leaf_bytes(W::WIDTH) as usize
    );
}

fn run_model<W: PteWord>(seed: u64, steps: usize) {
    let mut rng = XorShift64(seed);
    let mut table = GvaTable::<W>::new().unwrap();
    let mut model = Model::new();
    for _ in 0..steps {
        step(&mut rng, &mut table, &mut model);
        check(&table, &model, &mut rng);
    }
    // Unmapping everything left returns all leaves to the heap.
    for &page in model.keys() {
        assert!(table.unmap_page(page << PAGE_SHIFT).unwrap().is_some());
    }
    check(&table, &Model::new(), &mut rng);
    assert_eq!(table.stats().leaves, 0);
}

const SEEDS: [u64; 6] = [1, 0x9e37_79b9_7f4a_7c15, 0xdead_beef, 42, 0x1234_5678_9abc_def0, 7];
const STEPS: usize = 1500;

#[test]
fn random_operations_match_the_model_with_u32_ptes() {
    for seed in SEEDS {
        run_model::<u32>(seed, STEPS);
    }
}

#[test]
fn random_operations_match_the_model_with_u64_ptes() {
    for seed in SEEDS {
        run_model::<u64>(seed, STEPS);
    }
}
