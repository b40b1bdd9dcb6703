//! Guest-virtual -> host-physical page tables, walked by the generated host
//! TLB refill handler (geometry in [`crate::mmu::layout`]).
//!
//! In memory, exactly what the handler reads:
//! - the root: `ROOT_ENTRIES` native-width pointers (`usize`), aligned to
//!   its size; slot `gva >> ROOT_SHIFT` holds the address of a leaf, or of
//!   the one shared [`empty_leaf_address`] leaf, never null;
//! - a leaf: `LEAF_ENTRIES` PTE words `W`, aligned to its size; slot
//!   `(gva >> PAGE_SHIFT) % LEAF_ENTRIES` holds the [`EntryLo`] value to
//!   write, zero for none.
//!
//! Root slots are `usize` because they are real pointers of the running
//! CPU: `lw` on MIPS32, `ld` on MIPS64. The PTE word is a type parameter so
//! both widths are tested on any host; on the monitor the handler needs the
//! PTE width to equal the pointer width, which [`NativeGvaTable`] fixes.
//!
//! Everything else (which slots are global, how many are live) is kept
//! beside the tables, so a PTE stays a pure EntryLo value. Changing a table
//! does not touch the host TLB: dropping stale host entries is the
//! caller's job.

use crate::mmu::aligned::{OutOfMemory, SizeAlignedWords};
use crate::mmu::entrylo::{EntryLo, PteWord};
use crate::mmu::layout::{self, LEAF_ENTRIES, PAGE_SHIFT, PAGE_SIZE, ROOT_ENTRIES, ROOT_SHIFT};
use crate::word::WordSize;
use alloc::vec::Vec;
use core::fmt;
use core::mem::size_of;

#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod tests;

/// The first guest-virtual address the root does not cover (2 GiB).
pub const GVA_LIMIT: u32 = (ROOT_ENTRIES as u32) << ROOT_SHIFT;
/// One TLB entry maps an even/odd pair of pages.
pub const PAIR_SIZE: u32 = 2 * PAGE_SIZE;

/// The PTE word of the machine this is compiled for.
#[cfg(target_pointer_width = "32")]
pub type NativePte = u32;
/// The PTE word of the machine this is compiled for.
#[cfg(target_pointer_width = "64")]
pub type NativePte = u64;
/// The table a refill handler on this machine walks: PTEs as wide as the
/// root's pointers.
pub type NativeGvaTable = GvaTable<NativePte>;
const _: () = assert!(size_of::<NativePte>() == size_of::<usize>());

/// The shared leaf every empty root slot points at: all zero, sized and
/// aligned for the widest PTE word, so a table of either width can use it.
#[repr(C, align(8192))]
struct EmptyLeaf([u64; LEAF_ENTRIES]);
const _: () = assert!(core::mem::align_of::<EmptyLeaf>() == layout::leaf_bytes(WordSize::W64) as usize);
const _: () = assert!(size_of::<EmptyLeaf>() == layout::leaf_bytes(WordSize::W64) as usize);

/// Immutable, so nothing can ever write a mapping into it.
static EMPTY_LEAF: EmptyLeaf = EmptyLeaf([0; LEAF_ENTRIES]);

/// The address of the shared all-zero leaf (what empty root slots hold).
pub fn empty_leaf_address() -> usize {
    &EMPTY_LEAF as *const EmptyLeaf as usize
}

/// Which flush a mapping survives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Belongs to the current guest ASID; [`GvaTable::flush_non_global`]
    /// drops it.
    AsidSpecific,
    /// Valid in every guest ASID (guest KSEG0, guest TLB entries with G).
    Global,
}

/// One installed page: its PTE and the flush it survives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    pub pte: EntryLo,
    pub scope: Scope,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GvaError {
    /// At or above [`GVA_LIMIT`]: outside every table.
    OutOfRange { gva: u32 },
    /// Not a multiple of `alignment` (a page, or a pair for `map_pair`).
    Misaligned { gva: u32, alignment: u32 },
    /// `start > end` in a range.
    ReversedRange { start: u32, end: u32 },
    /// G would make the host entry match every host ASID and leak guest
    /// kernel pages into guest user mode.
    GlobalPte(EntryLo),
    /// Non-zero but V clear: zero is the only invalid PTE.
    NotValid(EntryLo),
    /// The heap could not supply a leaf.
    OutOfMemory,
}

impl From<OutOfMemory> for GvaError {
    fn from(_: OutOfMemory) -> Self {
        GvaError::OutOfMemory
    }
}

/// Memory a table holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableStats {
    /// Leaves allocated (the shared empty leaf not counted).
    pub leaves: usize,
    /// Non-zero PTEs.
    pub mapped_pages: usize,
    /// Root plus leaves: the memory the refill handler reads.
    pub table_bytes: usize,
    /// Per-leaf bookkeeping kept beside the tables (live counts, global marks).
    pub bookkeeping_bytes: usize,
}

/// One bit per leaf slot: set when the slot's mapping is [`Scope::Global`].
struct GlobalMarks([u64; LEAF_ENTRIES.div_ceil(u64::BITS as usize)]);

impl GlobalMarks {
    const fn locate(slot: usize) -> (usize, u64) {
        (slot / u64::BITS as usize, 1 << (slot % u64::BITS as usize))
    }

    fn get(&self, slot: usize) -> bool {
        let (word, bit) = Self::locate(slot);
        self.0[word] & bit != 0
    }

    fn set(&mut self, slot: usize, global: bool) {
        let (word, bit) = Self::locate(slot);
        if global {
            self.0[word] |= bit;
        } else {
            self.0[word] &= !bit;
        }
    }
}

/// A leaf with the bookkeeping the refill handler never reads.
struct Leaf<W: PteWord> {
    root_index: usize,
    ptes: SizeAlignedWords<W>,
    global: GlobalMarks,
    live: usize,
}

impl<W: PteWord> Leaf<W> {
    fn new(root_index: usize) -> Result<Self, OutOfMemory> {
        Ok(Leaf {
            root_index,
            ptes: SizeAlignedWords::zeroed(LEAF_ENTRIES)?,
            global: GlobalMarks([0; LEAF_ENTRIES.div_ceil(u64::BITS as usize)]),
            live: 0,
        })
    }

    fn zero() -> W {
        W::from_entry_lo(EntryLo::INVALID)
    }

    fn get(&self, slot: usize) -> Option<Mapping> {
        let word = self.ptes[slot];
        if word == Self::zero() {
            return None;
        }
        // Every non-zero word here was written from an EntryLo by `set`.
        let pte = word.to_entry_lo().ok()?;
        let scope = if self.global.get(slot) { Scope::Global } else { Scope::AsidSpecific };
        Some(Mapping { pte, scope })
    }

    /// Stores a valid PTE, or clears the slot for `EntryLo::INVALID`.
    fn set(&mut self, slot: usize, pte: EntryLo, scope: Scope) {
        if pte == EntryLo::INVALID {
            self.clear(slot);
            return;
        }
        if self.ptes[slot] == Self::zero() {
            self.live += 1;
        }
        self.ptes[slot] = W::from_entry_lo(pte);
        self.global.set(slot, scope == Scope::Global);
    }

    fn clear(&mut self, slot: usize) -> Option<EntryLo> {
        let old = self.get(slot)?;
        self.ptes[slot] = Self::zero();
        self.global.set(slot, false);
        self.live -= 1;
        Some(old.pte)
    }

    fn clear_non_global(&mut self) {
        for slot in 0..LEAF_ENTRIES {
            if !self.global.get(slot) {
                self.clear(slot);
            }
        }
    }
}

/// One guest-virtual address space (guest kernel mode, or one guest user
/// ASID) as the refill handler walks it.
pub struct GvaTable<W: PteWord> {
    root: SizeAlignedWords<usize>,
    /// Allocated leaves, sorted by `root_index`; a `Vec` so growth can fail
    /// with an error instead of aborting.
    leaves: Vec<Leaf<W>>,
}

impl<W: PteWord> GvaTable<W> {
    const LEAF_BYTES: usize = {
        let bytes = layout::leaf_bytes(W::WIDTH) as usize;
        assert!(bytes == LEAF_ENTRIES * size_of::<W>());
        bytes
    };
    const ROOT_BYTES: usize = {
        let bytes = layout::root_bytes(WordSize::native()) as usize;
        assert!(bytes == ROOT_ENTRIES * size_of::<usize>());
        bytes
    };

    /// An empty table: every root slot points at the shared empty leaf.
    pub fn new() -> Result<Self, GvaError> {
        let mut root = SizeAlignedWords::zeroed(ROOT_ENTRIES)?;
        root.fill(empty_leaf_address());
        Ok(GvaTable { root, leaves: Vec::new() })
    }

    /// The root's address, for the refill handler; valid while `self` lives.
    pub fn root_address(&self) -> usize {
        self.root.address()
    }

    /// Installs one page. `EntryLo::INVALID` removes it instead.
    pub fn map_page(&mut self, gva: u32, pte: EntryLo, scope: Scope) -> Result<(), GvaError> {
        check_aligned_in_range(gva, PAGE_SIZE)?;
        check_pte(pte)?;
        if pte == EntryLo::INVALID {
            self.unmap_page(gva)?;
            return Ok(());
        }
        self.leaf_for_write(root_index(gva))?.set(leaf_index(gva), pte, scope);
        Ok(())
    }

    /// Installs the even/odd pair of one TLB entry at `gva` (pair-aligned),
    /// replacing both slots; an `EntryLo::INVALID` half leaves its slot empty.
    pub fn map_pair(&mut self, gva: u32, ptes: [EntryLo; 2], scope: Scope) -> Result<(), GvaError> {
        check_aligned_in_range(gva, PAIR_SIZE)?;
        check_pte(ptes[0])?;
        check_pte(ptes[1])?;
        let odd_gva = gva + PAGE_SIZE;
        if ptes == [EntryLo::INVALID; 2] {
            return self.invalidate_range(gva, odd_gva + PAGE_SIZE);
        }
        // A pair never straddles leaves: leaves hold whole pairs.
        let leaf = self.leaf_for_write(root_index(gva))?;
        leaf.set(leaf_index(gva), ptes[0], scope);
        leaf.set(leaf_index(odd_gva), ptes[1], scope);
        Ok(())
    }

    /// Removes one page; returns the PTE it had, if any.
    pub fn unmap_page(&mut self, gva: u32) -> Result<Option<EntryLo>, GvaError> {
        check_aligned_in_range(gva, PAGE_SIZE)?;
        let Ok(position) = self.position(root_index(gva)) else {
            return Ok(None);
        };
        let old = self.leaves[position].clear(leaf_index(gva));
        self.release_if_empty(position);
        Ok(old)
    }

    /// Removes every page in `[start, end)`; both page-aligned, `end` at
    /// most [`GVA_LIMIT`].
    pub fn invalidate_range(&mut self, start: u32, end: u32) -> Result<(), GvaError> {
        check_aligned_in_range(start, PAGE_SIZE)?;
        if end > GVA_LIMIT {
            return Err(GvaError::OutOfRange { gva: end });
        }
        if !end.is_multiple_of(PAGE_SIZE) {
            return Err(GvaError::Misaligned { gva: end, alignment: PAGE_SIZE });
        }
        if start > end {
            return Err(GvaError::ReversedRange { start, end });
        }
        let mut position = self.leaves.partition_point(|leaf| leaf.root_index < root_index(start));
        while let Some(leaf) = self.leaves.get_mut(position) {
            let leaf_start = (leaf.root_index as u32) << ROOT_SHIFT;
            if leaf_start >= end {
                break;
            }
            let first = if start > leaf_start { leaf_index(start) } else { 0 };
            let last = if end - leaf_start < 1 << ROOT_SHIFT { leaf_index(end) } else { LEAF_ENTRIES };
            for slot in first..last {
                leaf.clear(slot);
            }
            if !self.release_if_empty(position) {
                position += 1;
            }
        }
        Ok(())
    }

    /// Removes every [`Scope::AsidSpecific`] mapping (a guest ASID change).
    pub fn flush_non_global(&mut self) {
        let root = &mut self.root;
        self.leaves.retain_mut(|leaf| {
            leaf.clear_non_global();
            let keep = leaf.live > 0;
            if !keep {
                root[leaf.root_index] = empty_leaf_address();
            }
            keep
        });
    }

    /// Removes every mapping.
    pub fn flush_all(&mut self) {
        for leaf in &self.leaves {
            self.root[leaf.root_index] = empty_leaf_address();
        }
        self.leaves.clear();
    }

    /// The PTE the refill handler would load for `gva`, if non-zero.
    /// Addresses outside the table have none.
    pub fn walk(&self, gva: u32) -> Option<EntryLo> {
        self.mapping(gva).map(|m| m.pte)
    }

    /// The mapping of the page holding `gva`, with its scope.
    pub fn mapping(&self, gva: u32) -> Option<Mapping> {
        if gva >= GVA_LIMIT {
            return None;
        }
        let position = self.position(root_index(gva)).ok()?;
        self.leaves[position].get(leaf_index(gva))
    }

    /// Every non-zero PTE word as the refill handler would read it, with its
    /// guest-virtual page and the word's address (for the isolation check).
    pub fn for_each_pte(&self, mut visit: impl FnMut(u32, u64, usize)) {
        for leaf in &self.leaves {
            for (slot, &word) in leaf.ptes.iter().enumerate() {
                if word != Leaf::<W>::zero() {
                    let gva = ((leaf.root_index as u32) << ROOT_SHIFT) | ((slot as u32) << PAGE_SHIFT);
                    visit(gva, word.to_bits(), leaf.ptes.address() + slot * size_of::<W>());
                }
            }
        }
    }

    pub fn stats(&self) -> TableStats {
        TableStats {
            leaves: self.leaves.len(),
            mapped_pages: self.leaves.iter().map(|leaf| leaf.live).sum(),
            table_bytes: Self::ROOT_BYTES + self.leaves.len() * Self::LEAF_BYTES,
            bookkeeping_bytes: self.leaves.capacity() * size_of::<Leaf<W>>(),
        }
    }

    /// Where the leaf for `root_index` is in `leaves`, or where it would go.
    fn position(&self, root_index: usize) -> Result<usize, usize> {
        self.leaves.binary_search_by_key(&root_index, |leaf| leaf.root_index)
    }

    /// The leaf for `root_index`, allocated and published in the root if new.
    fn leaf_for_write(&mut self, root_index: usize) -> Result<&mut Leaf<W>, GvaError> {
        let position = match self.position(root_index) {
            Ok(found) => found,
            Err(insert_at) => {
                self.leaves.try_reserve(1).map_err(|_| GvaError::OutOfMemory)?;
                let leaf = Leaf::new(root_index)?;
                self.root[root_index] = leaf.ptes.address();
                self.leaves.insert(insert_at, leaf);
                insert_at
            }
        };
        Ok(&mut self.leaves[position])
    }

    /// Frees the leaf at `position` if it holds nothing; true if it did.
    fn release_if_empty(&mut self, position: usize) -> bool {
        if self.leaves[position].live > 0 {
            return false;
        }
        // Unpublish before freeing, so the root never points at freed memory.
        self.root[self.leaves[position].root_index] = empty_leaf_address();
        self.leaves.remove(position);
        true
    }
}

impl<W: PteWord> fmt::Debug for GvaTable<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GvaTable")
            .field("pte_width", &W::WIDTH)
            .field("root", &format_args!("{:#x}", self.root_address()))
            .field("stats", &self.stats())
            .finish()
    }
}

fn root_index(gva: u32) -> usize {
    (gva >> ROOT_SHIFT) as usize
}

fn leaf_index(gva: u32) -> usize {
    (gva >> PAGE_SHIFT) as usize % LEAF_ENTRIES
}

fn check_aligned_in_range(gva: u32, alignment: u32) -> Result<(), GvaError> {
    if gva >= GVA_LIMIT {
        return Err(GvaError::OutOfRange { gva });
    }
    if !gva.is_multiple_of(alignment) {
        return Err(GvaError::Misaligned { gva, alignment });
    }
    Ok(())
}

fn check_pte(pte: EntryLo) -> Result<(), GvaError> {
    if pte.is_global() {
        return Err(GvaError::GlobalPte(pte));
    }
    if pte != EntryLo::INVALID && !pte.is_valid() {
        return Err(GvaError::NotValid(pte));
    }
    Ok(())
}
