//! Geometry of the two-level GVA page tables. The table code and the refill
//! generator both derive from these constants, so they cannot disagree.
//!
//! - Root: `ROOT_ENTRIES` host pointers (word-sized), indexed by `gva >> ROOT_SHIFT`.
//!   An empty slot points at one shared all-zero leaf, never null, so the
//!   refill handler needs no null check.
//! - Leaf: `LEAF_ENTRIES` PTEs (word-sized), indexed by `(gva >> PAGE_SHIFT) % LEAF_ENTRIES`;
//!   the even/odd pair of a TLB entry sits at indices 2k and 2k+1.
//! - A PTE is exactly the EntryLo value to write (PFN << 6 | C << 3 | D << 2 | V << 1,
//!   G clear); zero is an invalid entry, so a refill of it raises TLB Invalid.

use crate::word::WordSize;

/// Host pages are 4 KiB.
pub const PAGE_SHIFT: u32 = 12;
pub const PAGE_SIZE: u32 = 1 << PAGE_SHIFT;
pub const LEAF_INDEX_BITS: u32 = 10;
pub const LEAF_ENTRIES: usize = 1 << LEAF_INDEX_BITS;
/// Each root slot covers 4 MiB of guest-virtual space.
pub const ROOT_SHIFT: u32 = PAGE_SHIFT + LEAF_INDEX_BITS;
/// Guest addresses at or above 2 GiB are address errors in user mode and
/// never reach the TLB, so the root covers only 0..2 GiB.
pub const ROOT_ENTRIES: usize = 1 << (31 - ROOT_SHIFT);

/// Bytes of one root table for a host of this width.
pub const fn root_bytes(word: WordSize) -> u32 {
    (ROOT_ENTRIES as u32) << word.shift()
}

/// Bytes of one leaf table for a host of this width.
pub const fn leaf_bytes(word: WordSize) -> u32 {
    (LEAF_ENTRIES as u32) << word.shift()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_and_leaf_cover_two_gib_in_4k_pages() {
        let covered = ROOT_ENTRIES as u64 * LEAF_ENTRIES as u64 * PAGE_SIZE as u64;
        assert_eq!(covered, 1 << 31);
        assert_eq!(leaf_bytes(WordSize::W32), 4096);
        assert_eq!(leaf_bytes(WordSize::W64), 8192);
        assert_eq!(root_bytes(WordSize::W32), 2048);
    }
}
