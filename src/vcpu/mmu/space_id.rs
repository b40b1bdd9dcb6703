//! Host address-space ids for the GVA tables, their allocator, and the host
//! TLB flushes the MMU asks of its caller.
//!
//! Each GVA table (the kernel table, each cached user table) owns one host
//! id, EntryHi.ASID or, on a CPU with MemoryMapIDs, an MMID: the host TLB
//! entries refilled from a table carry it, so switching tables needs no
//! flush. Id 0 is the monitor's (GINVT by address or MMID would otherwise
//! kill its wired entries). An id that is given up without invalidating its
//! entries (a table re-tagged) may still tag host TLB entries; it is handed
//! out again only after a full host TLB flush. The allocator is the one
//! Linux borrowed from arm64: ids carry a generation; when a generation's
//! ids are used up, a new generation starts in which the live tables keep
//! their ids and every other id is free again, at the price of one full
//! flush. The invariant the caller keeps by doing every [`HostTlbFlush`] it
//! is handed: each valid host TLB entry tagged with a live table's id
//! equals that table's PTEs.

use crate::mmu::gva::PAIR_SIZE;
use crate::vcpu::guest_tlb::VaRange;
use alloc::collections::TryReserveError;
use alloc::vec::Vec;
use core::fmt;

/// A host address-space id: EntryHi.ASID or a MemoryMapID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpaceId(pub u32);

impl SpaceId {
    /// The monitor's own: never a guest table's.
    pub const MONITOR: SpaceId = SpaceId(0);
}

/// What host TLB entries are tagged with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagKind {
    /// EntryHi.ASID: stale entries are found by address.
    Asid,
    /// MemoryMapID: GINVT also removes every entry of one id.
    Mmid,
}

/// The host's tags: their kind and how many bits of id the allocator uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostTags {
    pub kind: TagKind,
    pub bits: u8,
}

impl HostTags {
    /// EntryHi.ASID, 8 bits (MIPS32/64 PRA; Config4.AE's 10 bits are not used).
    pub const ASIDS: HostTags = HostTags { kind: TagKind::Asid, bits: 8 };
    /// MMIDs wider than this are used only this wide: the allocator keeps a
    /// bit per id (8 KiB here), and the I6500's MMIDs are 16 bits.
    pub const MAX_MMID_BITS: u8 = 16;

    /// MMIDs as wide as MemoryMapID proved when all ones were written to it
    /// and `read_back` was read (capped at [`HostTags::MAX_MMID_BITS`]);
    /// `None` when that is narrower than an ASID, which would gain nothing.
    pub fn mmids(read_back: u32) -> Option<HostTags> {
        let bits = read_back.trailing_ones() as u8;
        (bits >= HostTags::ASIDS.bits)
            .then(|| HostTags { kind: TagKind::Mmid, bits: bits.min(Self::MAX_MMID_BITS) })
    }

    /// Whether the host can drop every entry of one id at once (GINVT by MMID).
    pub fn invalidate_by_id(self) -> bool {
        self.kind == TagKind::Mmid
    }
}

/// A small set of host ids: the tables of one MMU at most. Kept as 16-bit
/// values (ids are at most [`HostTags::MAX_MMID_BITS`] wide): flushes are
/// passed by value on every exit that changes the guest MMU.
#[derive(Clone, Copy, Eq)]
pub struct SpaceIdSet {
    ids: [u16; SpaceIdSet::CAPACITY],
    len: u8,
}

impl Default for SpaceIdSet {
    fn default() -> Self {
        Self::new()
    }
}

impl SpaceIdSet {
    /// Room for every table of an MMU: the kernel table and up to 15 user tables.
    pub const CAPACITY: usize = 16;

    pub const fn new() -> Self {
        SpaceIdSet { ids: [0; SpaceIdSet::CAPACITY], len: 0 }
    }

    /// The set of one id (empty for an id no allocator hands out).
    pub fn of(id: SpaceId) -> Self {
        let mut set = Self::new();
        if let Ok(value) = u16::try_from(id.0) {
            set.ids[0] = value;
            set.len = 1;
        }
        set
    }

    /// Adds `id`; false when the set is full and lacks it, or `id` is
    /// wider than 16 bits (no allocator hands such an id out).
    #[must_use = "a full set did not take the id"]
    pub fn insert(&mut self, id: SpaceId) -> bool {
        if self.contains(id) {
            return true;
        }
        let (Ok(value), Some(slot)) = (u16::try_from(id.0), self.ids.get_mut(usize::from(self.len))) else {
            return false;
        };
        *slot = value;
        self.len += 1;
        true
    }

    pub fn contains(&self, id: SpaceId) -> bool {
        self.values().iter().any(|&value| u32::from(value) == id.0)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// The members, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = SpaceId> + '_ {
        self.values().iter().map(|&value| SpaceId(value.into()))
    }

    /// Both sets' ids; `None` when they do not fit in one set.
    pub fn union(self, other: SpaceIdSet) -> Option<SpaceIdSet> {
        let mut union = self;
        other.iter().all(|id| union.insert(id)).then_some(union)
    }

    fn values(&self) -> &[u16] {
        &self.ids[..usize::from(self.len)]
    }
}

/// Sets are equal whatever order their ids were added in.
impl PartialEq for SpaceIdSet {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().all(|id| other.contains(id))
    }
}

impl fmt::Debug for SpaceIdSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(|id| id.0)).finish()
    }
}

/// Host TLB entries that went stale: the caller drops them before the guest
/// runs again.
#[must_use = "stale host TLB entries keep translating until the caller drops them"]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostTlbFlush {
    Nothing,
    /// Each 8 KiB host pair of `range` under each id of `ids` (see
    /// [`HostTlbFlush::probes`]): a TLBP probe, or GINVT by VA and MMID.
    Pages {
        range: VaRange,
        ids: SpaceIdSet,
    },
    /// Every entry under each id of `ids`: GINVT by MMID. Asked for only
    /// where [`HostTags::invalidate_by_id`].
    Spaces {
        ids: SpaceIdSet,
    },
    /// Every host TLB entry but the wired ones: ids are being reused.
    All,
}

impl HostTlbFlush {
    /// Both flushes' work, or more (a larger flush covers a smaller one):
    /// page flushes of different ranges become a full flush (the MMU never
    /// asks for that: one operation makes at most one range stale).
    pub fn and(self, other: HostTlbFlush) -> HostTlbFlush {
        use HostTlbFlush::{All, Nothing, Pages, Spaces};
        let merged = match (self, other) {
            (Nothing, flush) | (flush, Nothing) => Some(flush),
            (Pages { range, ids }, Pages { range: other_range, ids: more }) if range == other_range => {
                ids.union(more).map(|ids| Pages { range, ids })
            }
            (Spaces { ids }, Spaces { ids: more })
            | (Spaces { ids }, Pages { ids: more, .. })
            | (Pages { ids: more, .. }, Spaces { ids }) => ids.union(more).map(|ids| Spaces { ids }),
            _ => None,
        };
        merged.unwrap_or(All)
    }

    /// The (host pair address, id) pairs a `Pages` flush drops, id by id;
    /// empty for the other kinds.
    pub fn probes(&self) -> impl Iterator<Item = (u32, SpaceId)> + '_ {
        let (range, ids) = match self {
            HostTlbFlush::Pages { range, ids } => (*range, *ids),
            _ => (VaRange { start: 0, len: 0 }, SpaceIdSet::new()),
        };
        let pairs = range.len / PAIR_SIZE;
        (0..ids.len()).flat_map(move |n| {
            let id = SpaceId(ids.values()[n].into());
            (0..pairs).map(move |pair| (range.start + pair * PAIR_SIZE, id))
        })
    }
}

/// A host id and the generation it was handed out in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpaceTag {
    pub id: SpaceId,
    pub generation: u64,
}

/// Why a [`SpaceIdAllocator`] could not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocatorError {
    /// Ids must be 1 to [`HostTags::MAX_MMID_BITS`] bits wide.
    Width(u8),
    OutOfMemory,
}

impl From<TryReserveError> for AllocatorError {
    fn from(_: TryReserveError) -> Self {
        AllocatorError::OutOfMemory
    }
}

/// Hands out host ids in generations (arm64's ASID allocator, as Linux's
/// MIPS MMID support uses it). Within a generation an id is handed out
/// once; when none is left, a new generation starts: the ids the caller
/// keeps (its live tables') stay theirs, every other becomes free, and the
/// caller flushes the whole host TLB once.
#[derive(Clone, Debug)]
pub struct SpaceIdAllocator {
    /// Bit n set: id n is in use this generation (bit 0: the monitor's, always).
    used: Vec<u64>,
    ids: u32,
    /// Where the search for a free id resumes.
    next: u32,
    generation: u64,
    rollovers: u64,
}

impl SpaceIdAllocator {
    pub fn new(bits: u8) -> Result<Self, AllocatorError> {
        if bits == 0 || bits > HostTags::MAX_MMID_BITS {
            return Err(AllocatorError::Width(bits));
        }
        let ids = 1u32 << bits;
        let mut used = Vec::new();
        used.try_reserve_exact(ids.div_ceil(64) as usize)?;
        used.resize(ids.div_ceil(64) as usize, 0);
        let mut allocator = SpaceIdAllocator { used, ids, next: 1, generation: 1, rollovers: 0 };
        allocator.mark(SpaceId::MONITOR);
        Ok(allocator)
    }

    /// How many ids a generation has for guest tables (all but the monitor's).
    pub fn capacity(&self) -> usize {
        self.ids as usize - 1
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Generations started after the first: full host TLB flushes caused.
    pub fn rollovers(&self) -> u64 {
        self.rollovers
    }

    /// Whether `tag` belongs to the current generation.
    pub fn is_current(&self, tag: SpaceTag) -> bool {
        tag.generation == self.generation
    }

    /// An id that tags no host TLB entry. When the generation has none
    /// left, a new one starts in which the ids `keep` gives (the live
    /// tables', asked for only then) stay in use: the caller must then
    /// carry every live tag over ([`SpaceIdAllocator::renew`]) and do the
    /// `All` flush returned. `keep` must leave an id free (the MMU checks).
    pub fn allocate(&mut self, keep: impl FnOnce() -> SpaceIdSet) -> (SpaceTag, HostTlbFlush) {
        if let Some(id) = self.take_free() {
            return (SpaceTag { id, generation: self.generation }, HostTlbFlush::Nothing);
        }
        self.new_generation(&keep());
        let id = self.take_free().expect("a new generation has ids beyond those kept");
        (SpaceTag { id, generation: self.generation }, HostTlbFlush::All)
    }

    /// Starts a new generation now (the caller flushes the whole host TLB):
    /// the ids of `keep` stay in use, every other is free.
    pub fn new_generation(&mut self, keep: &SpaceIdSet) {
        self.generation += 1;
        self.rollovers += 1;
        self.used.fill(0);
        self.mark(SpaceId::MONITOR);
        for id in keep.iter() {
            self.mark(id);
        }
        self.next = 1;
    }

    /// A live table's tag carried into the current generation: its id was
    /// kept by the rollover, so it still names that table alone.
    pub fn renew(&self, tag: SpaceTag) -> SpaceTag {
        debug_assert!(self.is_used(tag.id), "{tag:?} was not kept by the rollover");
        SpaceTag { id: tag.id, generation: self.generation }
    }

    fn take_free(&mut self) -> Option<SpaceId> {
        let id = self.first_free_from(self.next).or_else(|| self.first_free_from(1))?;
        self.mark(SpaceId(id));
        self.next = if id + 1 == self.ids { 1 } else { id + 1 };
        Some(SpaceId(id))
    }

    /// The lowest id at or above `from` not in use, a word of the bitmap at a time.
    fn first_free_from(&self, from: u32) -> Option<u32> {
        let first_word = (from / 64) as usize;
        let mut free = !*self.used.get(first_word)? & (!0u64 << (from % 64));
        for word in first_word.. {
            if free != 0 {
                let id = word as u32 * 64 + free.trailing_zeros();
                // Below 64 ids the word's top bits name no id.
                return (id < self.ids).then_some(id);
            }
            free = !*self.used.get(word + 1)?;
        }
        None
    }

    fn mark(&mut self, id: SpaceId) {
        self.used[(id.0 / 64) as usize] |= 1 << (id.0 % 64);
    }

    fn is_used(&self, id: SpaceId) -> bool {
        self.used.get((id.0 / 64) as usize).is_some_and(|word| word & (1 << (id.0 % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;

    fn ids(list: &[u32]) -> SpaceIdSet {
        let mut set = SpaceIdSet::new();
        for &id in list {
            assert!(set.insert(SpaceId(id)));
        }
        set
    }

    #[test]
    fn a_generation_hands_each_id_out_once_and_never_the_monitors() {
        let mut allocator = SpaceIdAllocator::new(2).unwrap();
        assert_eq!(allocator.capacity(), 3);
        let handed: alloc::vec::Vec<_> = (0..3)
            .map(|_| allocator.allocate(SpaceIdSet::new))
            .map(|(tag, flush)| (tag.id.0, flush))
            .collect();
        assert_eq!(
            handed,
            [(1, HostTlbFlush::Nothing), (2, HostTlbFlush::Nothing), (3, HostTlbFlush::Nothing)]
        );
        let (tag, flush) = allocator.allocate(SpaceIdSet::new);
        assert_eq!((tag, flush), (SpaceTag { id: SpaceId(1), generation: 2 }, HostTlbFlush::All));
        assert_eq!(allocator.rollovers(), 1);
    }

    #[test]
    fn a_rollover_keeps_the_live_ids_and_frees_the_rest() {
        // 3 bits: ids 1..=7.
        let mut allocator = SpaceIdAllocator::new(3).unwrap();
        let tags: alloc::vec::Vec<SpaceTag> = (0..7).map(|_| allocator.allocate(SpaceIdSet::new).0).collect();
        // Tables with ids 2 and 6 are alive; the others were retired.
        let keep = ids(&[2, 6]);
        let (fresh, flush) = allocator.allocate(|| keep);
        assert_eq!(flush, HostTlbFlush::All);
        assert_eq!((fresh.id, fresh.generation), (SpaceId(1), 2));
        let renewed = allocator.renew(tags[1]);
        assert_eq!(renewed, SpaceTag { id: SpaceId(2), generation: 2 });
        assert!(!allocator.is_current(tags[1]) && allocator.is_current(renewed));
        // The rest of generation 2: every id but the kept ones and the one just handed out.
        let rest: BTreeSet<u32> = (0..4).map(|_| allocator.allocate(|| keep).0.id.0).collect();
        assert_eq!(rest, BTreeSet::from([3, 4, 5, 7]));
        assert_eq!(allocator.allocate(|| keep).1, HostTlbFlush::All);
        assert_eq!(allocator.rollovers(), 2);
    }

    #[test]
    fn ids_never_repeat_within_a_generation_across_many_rollovers() {
        let mut allocator = SpaceIdAllocator::new(4).unwrap();
        let mut live = ids(&[]);
        let mut seen = BTreeSet::new();
        for step in 0..1000u32 {
            let (tag, flush) = allocator.allocate(|| live);
            if flush == HostTlbFlush::All {
                seen = live.iter().map(|id| id.0).collect();
            }
            assert!(tag.id != SpaceId::MONITOR && tag.id.0 < 16);
            assert!(
                seen.insert(tag.id.0),
                "step {step}: id {} twice in generation {}",
                tag.id.0,
                tag.generation
            );
            // Three tables live: each new one replaces the oldest.
            let mut next = ids(&[]);
            for id in live.iter().skip(usize::from(live.len() == 3)) {
                assert!(next.insert(id));
            }
            assert!(next.insert(tag.id));
            live = next;
        }
        // 12 free ids a generation once 3 are kept: about 1000 / 12 rollovers.
        assert!((80..=90).contains(&allocator.rollovers()), "{}", allocator.rollovers());
    }

    #[test]
    fn the_search_crosses_bitmap_words_and_skips_the_kept_ids() {
        let mut allocator = SpaceIdAllocator::new(7).unwrap();
        let first: alloc::vec::Vec<u32> =
            (0..127).map(|_| allocator.allocate(SpaceIdSet::new).0.id.0).collect();
        assert_eq!(first, (1..128).collect::<alloc::vec::Vec<u32>>());
        let keep = ids(&[63, 64, 100]);
        let second: alloc::vec::Vec<u32> = (0..124).map(|_| allocator.allocate(|| keep).0.id.0).collect();
        let expected: alloc::vec::Vec<u32> = (1..128).filter(|id| ![63, 64, 100].contains(id)).collect();
        assert_eq!((second, allocator.rollovers()), (expected, 1));
    }

    #[test]
    fn widths_are_bounded_and_mmid_widths_come_from_the_read_back() {
        assert_eq!(SpaceIdAllocator::new(0).err(), Some(AllocatorError::Width(0)));
        assert_eq!(SpaceIdAllocator::new(17).err(), Some(AllocatorError::Width(17)));
        assert_eq!(SpaceIdAllocator::new(16).unwrap().capacity(), 65535);
        // I6500: 16-bit MMIDs; QEMU keeps all 32 bits written; below an ASID's width, no MMIDs.
        assert_eq!(HostTags::mmids(0xffff), Some(HostTags { kind: TagKind::Mmid, bits: 16 }));
        assert_eq!(HostTags::mmids(u32::MAX), Some(HostTags { kind: TagKind::Mmid, bits: 16 }));
        assert_eq!(HostTags::mmids(0x3ff), Some(HostTags { kind: TagKind::Mmid, bits: 10 }));
        assert_eq!(HostTags::mmids(0x7f), None);
        assert!(!HostTags::ASIDS.invalidate_by_id());
    }

    #[test]
    fn id_sets_are_bounded_and_deduplicated() {
        let mut set = SpaceIdSet::of(SpaceId(300));
        assert!(set.insert(SpaceId(300)) && set.len() == 1);
        for id in 1..SpaceIdSet::CAPACITY as u32 {
            assert!(set.insert(SpaceId(id)));
        }
        assert!(!set.insert(SpaceId(999)), "a full set refuses a new id");
        assert!(set.insert(SpaceId(5)), "a full set takes an id it has");
        assert_eq!(set.union(SpaceIdSet::of(SpaceId(999))), None);
    }

    #[test]
    fn page_flush_names_every_8k_host_pair_for_every_id() {
        // A 16 KiB guest pair spans 32 KiB: four 8 KiB host pairs.
        let flush =
            HostTlbFlush::Pages { range: VaRange { start: 0x0040_8000, len: 0x8000 }, ids: ids(&[2, 700]) };
        let probes: alloc::vec::Vec<(u32, u32)> = flush.probes().map(|(va, id)| (va, id.0)).collect();
        assert_eq!(
            probes,
            [
                (0x0040_8000, 2),
                (0x0040_a000, 2),
                (0x0040_c000, 2),
                (0x0040_e000, 2),
                (0x0040_8000, 700),
                (0x0040_a000, 700),
                (0x0040_c000, 700),
                (0x0040_e000, 700)
            ]
        );
        assert_eq!(HostTlbFlush::All.probes().count(), 0);
        assert_eq!(HostTlbFlush::Spaces { ids: ids(&[1]) }.probes().count(), 0);
    }

    #[test]
    fn flushes_combine_to_at_least_both() {
        let range = VaRange { start: 0x2000, len: 0x2000 };
        let pages = |list: &[u32]| HostTlbFlush::Pages { range, ids: ids(list) };
        let spaces = |list: &[u32]| HostTlbFlush::Spaces { ids: ids(list) };
        assert_eq!(HostTlbFlush::Nothing.and(pages(&[1])), pages(&[1]));
        assert_eq!(pages(&[1]).and(pages(&[2])), pages(&[1, 2]));
        assert_eq!(pages(&[1]).and(HostTlbFlush::All), HostTlbFlush::All);
        let elsewhere = HostTlbFlush::Pages { range: VaRange { start: 0, len: 0x2000 }, ids: ids(&[1]) };
        assert_eq!(pages(&[1]).and(elsewhere), HostTlbFlush::All);
        // A whole space covers its pages.
        assert_eq!(spaces(&[3]).and(pages(&[1])), spaces(&[3, 1]));
        assert_eq!(pages(&[1]).and(spaces(&[3])), spaces(&[3, 1]));
        let many: alloc::vec::Vec<u32> = (1..=16).collect();
        assert_eq!(spaces(&many).and(spaces(&[99])), HostTlbFlush::All, "too many ids for one set");
    }
}
