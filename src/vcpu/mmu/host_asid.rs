//! Host ASIDs for the GVA tables, and the host TLB flushes the MMU asks of
//! its caller.
//!
//! Each GVA table (the kernel table, each cached user table) owns one host
//! ASID: the host TLB entries refilled from a table carry it, so switching
//! tables needs no flush. Host ASIDs are handed out in order and never twice
//! between two full host TLB flushes: an ASID that is given up (a table
//! evicted or re-tagged) may still tag host TLB entries, and those die with
//! the full flush that precedes its reuse. The invariant the caller keeps by
//! doing every [`HostTlbFlush`] it is handed: each valid host TLB entry
//! tagged with a live table's host ASID equals that table's PTEs.

use crate::cp0::fields::EntryHi;
use crate::mmu::gva::PAIR_SIZE;
use crate::vcpu::guest_tlb::VaRange;
use core::fmt;
use core::ops::RangeInclusive;

/// An ASID in the host's EntryHi.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostAsid(pub u8);

/// A set of host ASIDs.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct HostAsidSet([u64; 4]);

impl HostAsidSet {
    pub const fn new() -> Self {
        HostAsidSet([0; 4])
    }

    pub fn insert(&mut self, asid: HostAsid) {
        self.0[usize::from(asid.0 / 64)] |= 1 << (asid.0 % 64);
    }

    pub fn contains(&self, asid: HostAsid) -> bool {
        self.0[usize::from(asid.0 / 64)] & (1 << (asid.0 % 64)) != 0
    }

    pub fn is_empty(&self) -> bool {
        self.0 == [0; 4]
    }

    pub fn len(&self) -> usize {
        self.0.iter().map(|word| word.count_ones() as usize).sum()
    }

    pub fn union(self, other: HostAsidSet) -> HostAsidSet {
        HostAsidSet(core::array::from_fn(|i| self.0[i] | other.0[i]))
    }

    /// The members, ascending.
    pub fn iter(self) -> HostAsids {
        HostAsids { set: self, next: 0 }
    }
}

/// The members of a [`HostAsidSet`], ascending; owns a copy of the set.
#[derive(Clone, Debug)]
pub struct HostAsids {
    set: HostAsidSet,
    next: u16,
}

impl Iterator for HostAsids {
    type Item = HostAsid;

    fn next(&mut self) -> Option<HostAsid> {
        while self.next <= u16::from(u8::MAX) {
            let asid = HostAsid(self.next as u8);
            self.next += 1;
            if self.set.contains(asid) {
                return Some(asid);
            }
        }
        None
    }
}

impl fmt::Debug for HostAsidSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(|asid| asid.0)).finish()
    }
}

/// Host TLB entries that went stale: the caller drops them before the guest
/// runs again.
#[must_use = "stale host TLB entries keep translating until the caller drops them"]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostTlbFlush {
    Nothing,
    /// For each ASID in `asids` and each host page pair in `range`: probe
    /// the host TLB with that EntryHi (see [`HostTlbFlush::probes`]) and
    /// invalidate the entry found.
    Pages {
        range: VaRange,
        asids: HostAsidSet,
    },
    /// Invalidate every host TLB entry: host ASIDs are being reused.
    All,
}

impl HostTlbFlush {
    /// Both flushes' work. Page flushes of different ranges do not merge
    /// into one range, so they become a full flush (the MMU never asks for
    /// that: one operation makes at most one range stale).
    pub fn and(self, other: HostTlbFlush) -> HostTlbFlush {
        match (self, other) {
            (HostTlbFlush::Nothing, flush) | (flush, HostTlbFlush::Nothing) => flush,
            (
                HostTlbFlush::Pages { range, asids },
                HostTlbFlush::Pages { range: other_range, asids: more },
            ) if range == other_range => HostTlbFlush::Pages { range, asids: asids.union(more) },
            _ => HostTlbFlush::All,
        }
    }

    /// The EntryHi values (VPN2 of an 8 KiB host pair, host ASID) to probe
    /// for a `Pages` flush; empty for the other kinds.
    pub fn probes(&self) -> impl Iterator<Item = EntryHi> {
        let (range, asids) = match *self {
            HostTlbFlush::Pages { range, asids } => (range, asids),
            _ => (VaRange { start: 0, len: 0 }, HostAsidSet::new()),
        };
        let pairs = range.len / PAIR_SIZE;
        asids.iter().flat_map(move |asid| {
            (0..pairs).map(move |pair| EntryHi(range.start + pair * PAIR_SIZE).with_asid(asid.0))
        })
    }
}

/// Hands out host ASIDs from a fixed range, each at most once per round.
#[derive(Clone, Debug)]
pub struct HostAsidPool {
    first: u8,
    last: u8,
    /// The next to hand out; `last + 1` once the round is used up.
    next: u16,
    rounds: u64,
}

impl HostAsidPool {
    /// ASID 0 stays the monitor's: the host TLB entries it may make at boot
    /// are never mistaken for a table's.
    pub const DEFAULT_RANGE: RangeInclusive<u8> = 1..=u8::MAX;

    pub fn new(range: RangeInclusive<u8>) -> Self {
        HostAsidPool { first: *range.start(), last: *range.end(), next: u16::from(*range.start()), rounds: 0 }
    }

    /// How many ASIDs one round hands out.
    pub fn len(&self) -> usize {
        (usize::from(self.last) + 1).saturating_sub(usize::from(self.first))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An ASID not handed out in this round, if one is left.
    pub fn take(&mut self) -> Option<HostAsid> {
        if self.next > u16::from(self.last) {
            return None;
        }
        let asid = HostAsid(self.next as u8);
        self.next += 1;
        Some(asid)
    }

    /// Starts a new round: only once the whole host TLB has been flushed.
    pub fn start_round(&mut self) {
        self.next = u16::from(self.first);
        self.rounds += 1;
    }

    /// Rounds started after the first: full host TLB flushes caused.
    pub fn rollovers(&self) -> u64 {
        self.rounds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_hands_each_asid_out_once() {
        let mut pool = HostAsidPool::new(3..=5);
        assert_eq!(pool.len(), 3);
        assert_eq!(
            [pool.take(), pool.take(), pool.take()],
            [Some(HostAsid(3)), Some(HostAsid(4)), Some(HostAsid(5))]
        );
        assert_eq!(pool.take(), None);
        pool.start_round();
        assert_eq!((pool.take(), pool.rollovers()), (Some(HostAsid(3)), 1));
        let mut full = HostAsidPool::new(HostAsidPool::DEFAULT_RANGE);
        assert_eq!(full.len(), 255);
        assert_eq!(full.take(), Some(HostAsid(1)));
        let mut top = HostAsidPool::new(255..=255);
        assert_eq!((top.take(), top.take()), (Some(HostAsid(255)), None));
    }

    #[test]
    fn asid_sets_hold_all_256_values() {
        let mut set = HostAsidSet::new();
        assert!(set.is_empty());
        for asid in [0, 63, 64, 200, 255] {
            set.insert(HostAsid(asid));
        }
        assert_eq!(set.len(), 5);
        assert!(set.contains(HostAsid(64)) && !set.contains(HostAsid(65)));
        assert_eq!(set.iter().map(|a| a.0).collect::<alloc::vec::Vec<_>>(), [0, 63, 64, 200, 255]);
    }

    #[test]
    fn page_flush_probes_every_8k_host_pair_for_every_asid() {
        // A 16 KiB guest pair spans 32 KiB: four host pairs (EntryHi VPN2 is
        // VA bits 31:13, ASID bits 7:0 - MIPS32 PRA, EntryHi).
        let mut asids = HostAsidSet::new();
        asids.insert(HostAsid(2));
        asids.insert(HostAsid(9));
        let flush = HostTlbFlush::Pages { range: VaRange { start: 0x0040_8000, len: 0x8000 }, asids };
        let probes: alloc::vec::Vec<u32> = flush.probes().map(|hi| hi.0).collect();
        assert_eq!(
            probes,
            [
                0x0040_8002,
                0x0040_a002,
                0x0040_c002,
                0x0040_e002,
                0x0040_8009,
                0x0040_a009,
                0x0040_c009,
                0x0040_e009
            ]
        );
        assert_eq!(HostTlbFlush::All.probes().count(), 0);
    }

    #[test]
    fn flushes_combine_to_the_larger_work() {
        let range = VaRange { start: 0x2000, len: 0x2000 };
        let one = |a| {
            let mut asids = HostAsidSet::new();
            asids.insert(HostAsid(a));
            HostTlbFlush::Pages { range, asids }
        };
        assert_eq!(HostTlbFlush::Nothing.and(one(1)), one(1));
        let HostTlbFlush::Pages { asids, .. } = one(1).and(one(2)) else { panic!("pages expected") };
        assert_eq!(asids.len(), 2);
        assert_eq!(one(1).and(HostTlbFlush::All), HostTlbFlush::All);
        let elsewhere =
            HostTlbFlush::Pages { range: VaRange { start: 0, len: 0x2000 }, asids: HostAsidSet::new() };
        assert_eq!(one(1).and(elsewhere), HostTlbFlush::All);
    }
}
