//! The bounded cache of guest-user GVA tables, one per guest ASID, so that
//! switching back to a recent address space finds its mappings still there.
//! Least recently used goes first; the current table is never evicted.

use super::space_id::SpaceTag;
use crate::mmu::gva::NativeGvaTable;
use alloc::vec::Vec;

/// A GVA table and the host id its host TLB entries carry.
pub struct TaggedTable {
    pub table: NativeGvaTable,
    pub tag: SpaceTag,
}

struct CachedTable {
    guest_asid: u8,
    tagged: TaggedTable,
    /// When it stopped being current; the smallest is evicted first.
    last_used: u64,
}

pub struct UserTables {
    /// A current table always exists: the refill handler needs a root.
    current: CachedTable,
    others: Vec<CachedTable>,
    capacity: usize,
    clock: u64,
    evictions: u64,
}

impl UserTables {
    /// `capacity` counts the current table; at least 1 (checked by the MMU).
    pub fn new(capacity: usize, guest_asid: u8, first: TaggedTable) -> Self {
        UserTables {
            current: CachedTable { guest_asid, tagged: first, last_used: 0 },
            others: Vec::new(),
            capacity,
            clock: 0,
            evictions: 0,
        }
    }

    pub fn current(&self) -> &TaggedTable {
        &self.current.tagged
    }

    pub fn current_mut(&mut self) -> &mut TaggedTable {
        &mut self.current.tagged
    }

    pub fn len(&self) -> usize {
        1 + self.others.len()
    }

    pub fn evictions(&self) -> u64 {
        self.evictions
    }

    /// Whether a new table may be added without evicting one.
    pub fn has_room(&self) -> bool {
        self.len() < self.capacity
    }

    pub fn get(&self, guest_asid: u8) -> Option<&TaggedTable> {
        self.all().find(|cached| cached.guest_asid == guest_asid).map(|cached| &cached.tagged)
    }

    pub fn get_mut(&mut self, guest_asid: u8) -> Option<&mut TaggedTable> {
        self.all_mut().find(|cached| cached.guest_asid == guest_asid).map(|cached| &mut cached.tagged)
    }

    /// The guest ASIDs with a table, the current one first.
    pub fn guest_asids(&self) -> impl Iterator<Item = u8> + '_ {
        self.all().map(|cached| cached.guest_asid)
    }

    pub fn tables(&self) -> impl Iterator<Item = &TaggedTable> {
        self.all().map(|cached| &cached.tagged)
    }

    pub fn tables_mut(&mut self) -> impl Iterator<Item = &mut TaggedTable> {
        self.all_mut().map(|cached| &mut cached.tagged)
    }

    /// Every table with its guest ASID, the current one first.
    pub fn entries_mut(&mut self) -> impl Iterator<Item = (u8, &mut TaggedTable)> {
        self.all_mut().map(|cached| (cached.guest_asid, &mut cached.tagged))
    }

    /// Makes the cached table of `guest_asid` current; false if there is none.
    pub fn select(&mut self, guest_asid: u8) -> bool {
        if self.current.guest_asid == guest_asid {
            return true;
        }
        let Some(position) = self.others.iter().position(|cached| cached.guest_asid == guest_asid) else {
            return false;
        };
        self.clock += 1;
        self.current.last_used = self.clock;
        core::mem::swap(&mut self.current, &mut self.others[position]);
        true
    }

    /// Makes `table`, a new empty one for `guest_asid` (which has none),
    /// current; gives it back when there is no room for it.
    pub fn add(&mut self, guest_asid: u8, table: TaggedTable) -> Result<(), TaggedTable> {
        if !self.has_room() || self.others.try_reserve(1).is_err() {
            return Err(table);
        }
        self.clock += 1;
        let new = CachedTable { guest_asid, tagged: table, last_used: 0 };
        let mut previous = core::mem::replace(&mut self.current, new);
        previous.last_used = self.clock;
        self.others.push(previous);
        Ok(())
    }

    /// Makes the least recently used table (the current one if it is the
    /// only one) current for `guest_asid` (which has none), emptied; its
    /// tag is still the old table's, for the caller to invalidate or change.
    pub fn recycle(&mut self, guest_asid: u8) -> &mut TaggedTable {
        self.clock += 1;
        if let Some(position) = self.least_recently_used() {
            self.current.last_used = self.clock;
            core::mem::swap(&mut self.current, &mut self.others[position]);
        }
        self.evictions += 1;
        self.current.guest_asid = guest_asid;
        self.current.tagged.table.flush_all();
        &mut self.current.tagged
    }

    /// Frees every table but the current one; returns how many.
    pub fn evict_others(&mut self) -> usize {
        let evicted = self.others.len();
        self.evictions += evicted as u64;
        self.others = Vec::new();
        evicted
    }

    fn least_recently_used(&self) -> Option<usize> {
        self.others
            .iter()
            .enumerate()
            .min_by_key(|(_, cached)| cached.last_used)
            .map(|(position, _)| position)
    }

    fn all(&self) -> impl Iterator<Item = &CachedTable> {
        core::iter::once(&self.current).chain(self.others.iter())
    }

    fn all_mut(&mut self) -> impl Iterator<Item = &mut CachedTable> {
        core::iter::once(&mut self.current).chain(self.others.iter_mut())
    }
}
