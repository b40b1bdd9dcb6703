//! The guest MMU: the GVA tables the host refill handler walks, filled on
//! fault from the guest's TLB and its physical memory, and kept in step
//! with guest TLB writes and ASID changes.
//!
//! Tables (trap-and-emulate.md, "Guest TLB and the GVA page tables"):
//! - One kernel table serves guest kernel mode: guest KSEG0 (Global), guest
//!   KSEG2/3 and useg (copy_to_user and friends) from the guest TLB.
//! - One user table per guest ASID serves guest user mode, useg only; a
//!   bounded cache keeps the most recently used ones, so switching back to
//!   a recent address space costs no refault storm.
//! - Useg and non-global KSEG2/3 mappings in the kernel table belong to the
//!   current guest ASID ([`Scope::AsidSpecific`]) and are flushed when it
//!   changes; the kernel table then takes a fresh host id, which retires
//!   its stale host TLB entries without a flush. (Keeping a kernel view per
//!   guest ASID would avoid even that, at the price of a second table per
//!   cached address space.)
//! - Host ids ([`space_id`]) are EntryHi ASIDs or, where the CPU has them,
//!   MemoryMapIDs ([`HostTags`]). With MMIDs a stale range is removed by
//!   GINVT by address and MMID, and an evicted user table keeps its MMID
//!   after a GINVT by that MMID; with ASIDs the caller probes the range
//!   out, and an evicted table takes a fresh ASID.
//!
//! A translation is filled only from what the guest TLB says at fault time;
//! a clean (D = 0) guest page is mapped read-only, so the guest's first
//! store to it raises host TLB Modified and becomes the guest's own.
//! Pages of the faulting host pair are (re)written; other pages of the same
//! guest pair, up to [`FILL_SPAN`], are added only where the table has
//! nothing, so a fill never changes a translation the host TLB may hold.
//!
//! The caller's side (the exit handler and the world switch):
//! - Enter the guest with [`GuestMemory::root`] and [`GuestMemory::space_id`]
//!   of the guest's mode; a mode switch needs nothing else.
//! - Host TLB Load/Store/Modified on a guest address, and host address
//!   errors at 0x80000000 and up: [`GuestMemory::resolve_fault`]. After
//!   `Mapped`, drop the faulting pair (host id of the mode) from the
//!   host TLB and retry. Misaligned-access address errors are the guest's
//!   and never come here (a retry would fault again).
//! - After TLBWI/TLBWR: [`GuestMemory::invalidate`] with what was displaced;
//!   on `EntryHiAsidChanged`: [`GuestMemory::asid_changed`]. Do every
//!   [`HostTlbFlush`] they return before the guest runs again.
//! - A write the guest TLB reports as a conflict (the machine-check
//!   condition) may leave a table holding either entry's translation:
//!   deliver the machine check, or [`GuestMmu::flush_all`].
//!
//! Only the KVM guest layout ([`super::guest_layout`]) is implemented. With guest
//! Status.ERL set, the architecture makes useg unmapped; that is not
//! modelled (a KVM guest never touches useg with ERL set).

mod guest_ram;
mod space_id;
mod user_tables;

#[cfg(test)]
mod tests;

pub use guest_ram::{GuestRam, GuestRamError, GuestRamWindow, GUEST_RAM_CCA};
pub use space_id::{HostTags, HostTlbFlush, SpaceId, SpaceIdSet, SpaceTag, TagKind};

use super::exception::{Access as ExceptionAccess, GuestException};
use super::guest_layout::{
    GuestLayout, Segment, UnmappedView, GUEST_KSEG2_BASE, GUEST_USEG_END, REAL_KSEG0_BASE,
};
use super::guest_tlb::{Displaced, GuestTlb, Lookup};
use super::host::{AccessKind, FaultResolution, GuestMemory, GuestMode};
use crate::mmu::entrylo::Access;
use crate::mmu::gva::{GvaError, Mapping, NativeGvaTable, Scope, PAIR_SIZE};
use crate::mmu::layout::PAGE_SIZE;
use core::fmt;
use space_id::{AllocatorError, SpaceIdAllocator};
use user_tables::{TaggedTable, UserTables};

/// The most guest-virtual space one fault fills: a pair of 16 KiB guest
/// pages, the Linux guest's page size (fills are aligned to it).
pub const FILL_SPAN: u32 = 0x8000;

/// Up to this many host pairs times ids, a displaced guest entry is dropped
/// page by page; beyond, the tables concerned are invalidated whole (GINVT
/// by MMID) or take fresh ASIDs.
pub const MAX_PROBES: u32 = 64;

/// The one layout the GVA tables implement.
const LAYOUT: GuestLayout = GuestLayout::KvmUserSegments;

/// Why the MMU could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MmuError {
    /// The user-table cache must hold at least the current table.
    NoUserTableCache,
    /// The kernel table and the user-table cache must fit in a [`SpaceIdSet`].
    TooManyTables { tables: usize, most: usize },
    /// A generation of host ids must cover every table the MMU can hold at
    /// once (kernel + cache) plus one being replaced.
    TooFewHostIds { needed: usize, available: usize },
    /// Ids of this width cannot be allocated.
    BadIdWidth(u8),
    /// The heap could not supply the first tables.
    OutOfMemory,
}

/// One GVA table, named for inspection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableId {
    Kernel,
    /// Supervisor mode's table: suseg and sseg of the current guest ASID.
    Supervisor,
    User {
        guest_asid: u8,
    },
}

/// What the MMU holds and has done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MmuStats {
    /// User tables alive (the current one included).
    pub user_tables: usize,
    /// Host pages mapped over all tables.
    pub mapped_pages: usize,
    /// Memory of all tables: roots, leaves and bookkeeping.
    pub table_bytes: usize,
    /// User tables dropped or recycled to make room.
    pub evictions: u64,
    /// Guest ASID changes that found their user table cached.
    pub user_table_hits: u64,
    /// Guest ASID changes that started an empty user table.
    pub user_table_misses: u64,
    /// Guest ASID changes that flushed the kernel table's ASID-specific part.
    pub kernel_flushes: u64,
    /// Full host TLB flushes asked for to reuse host ids (new generations).
    pub host_id_rollovers: u64,
    /// Tables whose host entries were dropped whole by their MMID (GINVT by
    /// MMID): evicted user tables, large displaced ranges.
    pub invalidated_by_mmid: u64,
    /// Faults refused because the heap could not supply a leaf.
    pub out_of_memory: u64,
}

/// The MMU's line in the end-of-run report ([`GuestMmu::summary`]).
#[derive(Clone, Copy, Debug)]
pub struct MmuSummary {
    tags: HostTags,
    stats: MmuStats,
    generation: u64,
}

impl fmt::Display for MmuSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        let kind = match self.tags.kind {
            TagKind::Asid => "ASIDs",
            TagKind::Mmid => "MMIDs",
        };
        write!(
            f,
            "guest MMU: host {kind} of {} bits, generation {} ({} rollovers); {} user tables, {} hits, {} misses, \
             {} evictions, {} tables invalidated by MMID, {} kernel-table retags",
            self.tags.bits,
            self.generation,
            s.host_id_rollovers,
            s.user_tables,
            s.user_table_hits,
            s.user_table_misses,
            s.evictions,
            s.invalidated_by_mmid,
            s.kernel_flushes
        )
    }
}

/// A successful guest translation and how far a fill may reach from it.
struct Translation {
    guest_phys: u32,
    segment: Segment,
    /// The guest pair (or unmapped segment) the address lies in, in bytes.
    span: u32,
}

/// The guest's MMU: GVA tables, guest physical memory, host ids.
pub struct GuestMmu {
    ram: GuestRam,
    kernel: TaggedTable,
    /// The kernel table may hold mappings of the current guest ASID.
    kernel_has_asid_specific: bool,
    /// Supervisor mode (KSU = 01) reaches suseg and sseg only; its table,
    /// like the kernel's, serves the current guest ASID.
    supervisor: TaggedTable,
    supervisor_has_asid_specific: bool,
    users: UserTables,
    guest_asid: u8,
    tags: HostTags,
    ids: SpaceIdAllocator,
    stats: MmuStats,
}

impl GuestMmu {
    /// An MMU over `ram` caching up to `user_table_cache` user tables,
    /// tagging host TLB entries with `tags`. The guest ASID starts at 0
    /// (EntryHi's reset value in `VirtualCp0`).
    ///
    /// Before the guest first runs, the host TLB must hold no entry tagged
    /// with a guest id (flush it once at boot).
    pub fn new(ram: GuestRam, user_table_cache: usize, tags: HostTags) -> Result<Self, MmuError> {
        if user_table_cache == 0 {
            return Err(MmuError::NoUserTableCache);
        }
        let tables = user_table_cache + 2;
        if tables > SpaceIdSet::CAPACITY {
            return Err(MmuError::TooManyTables { tables, most: SpaceIdSet::CAPACITY });
        }
        let mut ids = SpaceIdAllocator::new(tags.bits).map_err(|e| match e {
            AllocatorError::Width(bits) => MmuError::BadIdWidth(bits),
            AllocatorError::OutOfMemory => MmuError::OutOfMemory,
        })?;
        let needed = user_table_cache + 3;
        if ids.capacity() < needed {
            return Err(MmuError::TooFewHostIds { needed, available: ids.capacity() });
        }
        let mut tagged = || -> Result<TaggedTable, MmuError> {
            let table = NativeGvaTable::new().map_err(|_| MmuError::OutOfMemory)?;
            let (tag, _first_generation_has_room) = ids.allocate(SpaceIdSet::new);
            Ok(TaggedTable { table, tag })
        };
        let kernel = tagged()?;
        let supervisor = tagged()?;
        let first_user = tagged()?;
        Ok(GuestMmu {
            ram,
            kernel,
            kernel_has_asid_specific: false,
            supervisor,
            supervisor_has_asid_specific: false,
            users: UserTables::new(user_table_cache, 0, first_user),
            guest_asid: 0,
            tags,
            ids,
            stats: MmuStats::default(),
        })
    }

    pub fn ram(&self) -> &GuestRam {
        &self.ram
    }

    /// The guest ASID the tables currently serve.
    pub fn guest_asid(&self) -> u8 {
        self.guest_asid
    }

    /// The guest-physical address the guest would reach at `gva`, or the
    /// exception it would take instead. Addresses the guest reaches without
    /// its TLB translate whether or not RAM is there.
    pub fn translate(
        &self,
        gva: u32,
        access: AccessKind,
        mode: GuestMode,
        tlb: &GuestTlb,
        asid: u8,
    ) -> Result<u32, GuestException> {
        self.translation(gva, access, mode, tlb, asid).map(|t| t.guest_phys)
    }

    /// The mapping `table` holds for the page of `gva`; `None` also when
    /// no such table is cached.
    pub fn mapping(&self, table: TableId, gva: u32) -> Option<Mapping> {
        self.table(table)?.table.mapping(gva)
    }

    /// The host id of `table` and its generation, if the table exists.
    pub fn table_tag(&self, table: TableId) -> Option<SpaceTag> {
        self.table(table).map(|tagged| tagged.tag)
    }

    /// The allocator's current generation of host ids.
    pub fn id_generation(&self) -> u64 {
        self.ids.generation()
    }

    /// The guest ASIDs with a cached user table, the current one first.
    pub fn cached_guest_asids(&self) -> impl Iterator<Item = u8> + '_ {
        self.users.guest_asids()
    }

    /// Empties every table (a conflicting guest TLB write, a guest reset).
    pub fn flush_all(&mut self) -> HostTlbFlush {
        self.kernel.table.flush_all();
        self.kernel_has_asid_specific = false;
        self.supervisor.table.flush_all();
        self.supervisor_has_asid_specific = false;
        for user in self.users.tables_mut() {
            user.table.flush_all();
        }
        // The whole host TLB goes: a new generation costs nothing more.
        self.ids.new_generation(&live_ids(&self.kernel, &self.supervisor, &self.users));
        self.renew_live_tags();
        HostTlbFlush::All
    }

    pub fn stats(&self) -> MmuStats {
        let tables = [&self.kernel, &self.supervisor].into_iter().chain(self.users.tables());
        let (mut mapped_pages, mut table_bytes) = (0, 0);
        for tagged in tables {
            let stats = tagged.table.stats();
            mapped_pages += stats.mapped_pages;
            table_bytes += stats.table_bytes + stats.bookkeeping_bytes;
        }
        MmuStats {
            user_tables: self.users.len(),
            mapped_pages,
            table_bytes,
            evictions: self.users.evictions(),
            host_id_rollovers: self.ids.rollovers(),
            ..self.stats
        }
    }

    /// One line for the end-of-run report: the host tags and what the
    /// tables and the id allocator did.
    pub fn summary(&self) -> MmuSummary {
        MmuSummary { tags: self.tags, stats: self.stats(), generation: self.ids.generation() }
    }

    /// Every GVA table the refill handler may be given: the kernel's, the
    /// supervisor's and each cached user table.
    pub fn gva_tables(&self) -> impl Iterator<Item = &NativeGvaTable> {
        [&self.kernel.table, &self.supervisor.table]
            .into_iter()
            .chain(self.users.tables().map(|tagged| &tagged.table))
    }

    fn table(&self, table: TableId) -> Option<&TaggedTable> {
        match table {
            TableId::Kernel => Some(&self.kernel),
            TableId::Supervisor => Some(&self.supervisor),
            TableId::User { guest_asid } => self.users.get(guest_asid),
        }
    }

    fn table_mut(&mut self, table: TableId) -> Option<&mut TaggedTable> {
        match table {
            TableId::Kernel => Some(&mut self.kernel),
            TableId::Supervisor => Some(&mut self.supervisor),
            TableId::User { guest_asid } => self.users.get_mut(guest_asid),
        }
    }

    fn current_table(&self, mode: GuestMode) -> &TaggedTable {
        match mode {
            GuestMode::Kernel => &self.kernel,
            GuestMode::Supervisor => &self.supervisor,
            GuestMode::User => self.users.current(),
        }
    }

    fn translation(
        &self,
        gva: u32,
        access: AccessKind,
        mode: GuestMode,
        tlb: &GuestTlb,
        asid: u8,
    ) -> Result<Translation, GuestException> {
        let exception_access = match access {
            AccessKind::Store => ExceptionAccess::Store,
            AccessKind::Load | AccessKind::Fetch => ExceptionAccess::Load,
        };
        let segment = Segment::of(LAYOUT, gva, mode);
        let unmapped = |guest_phys| Ok(Translation { guest_phys, segment, span: FILL_SPAN });
        match segment {
            Segment::AddressError => {
                Err(GuestException::AddressError { access: exception_access, bad_vaddr: gva })
            }
            Segment::Unmapped { guest_phys, .. } => unmapped(guest_phys),
            // MIPS32 PRA, "TLB": no match is a refill, a match with V = 0
            // an invalid, a store through D = 0 a modified exception.
            Segment::Mapped => match tlb.lookup(gva, asid) {
                Lookup::Miss => Err(GuestException::TlbRefill { access: exception_access, bad_vaddr: gva }),
                Lookup::Invalid { .. } => {
                    Err(GuestException::TlbInvalid { access: exception_access, bad_vaddr: gva })
                }
                Lookup::Hit(hit) if access == AccessKind::Store && !hit.dirty => {
                    Err(GuestException::TlbModified { bad_vaddr: gva })
                }
                Lookup::Hit(hit) => {
                    Ok(Translation { guest_phys: hit.guest_phys, segment, span: hit.page_size.bytes() * 2 })
                }
            },
        }
    }

    /// The host PTE and scope the table of `mode` should hold for the host
    /// page at `page`, or `None` for no mapping.
    fn page_mapping(&self, page: u32, mode: GuestMode, tlb: &GuestTlb, asid: u8) -> Option<Mapping> {
        let (pte, scope) = match Segment::of(LAYOUT, page, mode) {
            Segment::Unmapped { guest_phys, view: UnmappedView::GuestKseg0 } => {
                (self.ram.host_pte(guest_phys, Access::ReadWrite)?, Scope::Global)
            }
            Segment::Mapped => match tlb.lookup(page, asid) {
                Lookup::Hit(hit) => {
                    let access = if hit.dirty { Access::ReadWrite } else { Access::ReadOnly };
                    let scope = if hit.global { Scope::Global } else { Scope::AsidSpecific };
                    (self.ram.host_pte(hit.guest_phys, access)?, scope)
                }
                _ => return None,
            },
            Segment::Unmapped { .. } | Segment::AddressError => return None,
        };
        Some(Mapping { pte, scope })
    }

    /// Fills the table of `mode` around the faulting `gva`: the host pair
    /// exactly as the guest now maps it, and the rest of the fill block
    /// where the table is empty.
    fn fill(
        &mut self,
        gva: u32,
        span: u32,
        mode: GuestMode,
        tlb: &GuestTlb,
        asid: u8,
    ) -> Result<(), GvaError> {
        let len = span.clamp(PAIR_SIZE, FILL_SPAN);
        let start = gva & !(len - 1);
        let faulting_pair = gva & !(PAIR_SIZE - 1);
        for page in (start..start + len).step_by(PAGE_SIZE as usize) {
            let wanted = self.page_mapping(page, mode, tlb, asid);
            let in_faulting_pair = page & !(PAIR_SIZE - 1) == faulting_pair;
            let table = match mode {
                GuestMode::Kernel => &mut self.kernel.table,
                GuestMode::Supervisor => &mut self.supervisor.table,
                GuestMode::User => &mut self.users.current_mut().table,
            };
            if !in_faulting_pair && (wanted.is_none() || table.mapping(page).is_some()) {
                continue;
            }
            match wanted {
                Some(Mapping { pte, scope }) => {
                    table.map_page(page, pte, scope)?;
                    if scope == Scope::AsidSpecific {
                        match mode {
                            GuestMode::Kernel => self.kernel_has_asid_specific = true,
                            GuestMode::Supervisor => self.supervisor_has_asid_specific = true,
                            GuestMode::User => {}
                        }
                    }
                }
                None => {
                    table.unmap_page(page)?;
                }
            }
        }
        Ok(())
    }

    /// Carries every table's tag into a new generation that kept its id.
    fn renew_live_tags(&mut self) {
        let ids = &self.ids;
        for tagged in [&mut self.kernel, &mut self.supervisor].into_iter().chain(self.users.tables_mut()) {
            tagged.tag = ids.renew(tagged.tag);
        }
    }

    /// An id no host TLB entry carries, for a table about to be (re)tagged.
    /// When the generation is used up the live tables keep their ids in the
    /// next one, and the caller must flush the whole host TLB.
    fn fresh_tag(&mut self) -> (SpaceTag, HostTlbFlush) {
        let (kernel, supervisor, users) = (&self.kernel, &self.supervisor, &self.users);
        let (tag, flush) = self.ids.allocate(|| live_ids(kernel, supervisor, users));
        if flush != HostTlbFlush::Nothing {
            self.renew_live_tags();
        }
        (tag, flush)
    }

    /// Gives `table` a fresh host id, retiring its host TLB entries.
    fn retag(&mut self, table: TableId) -> HostTlbFlush {
        let (tag, flush) = self.fresh_tag();
        if let Some(tagged) = self.table_mut(table) {
            tagged.tag = tag;
        }
        flush
    }

    /// Makes the user table of `guest_asid` current, starting one if none
    /// is cached: a new table while there is room, else the least recently
    /// used one emptied, whose old host entries are invalidated by its MMID
    /// (which it keeps) or retired with its ASID.
    fn switch_user_table(&mut self, guest_asid: u8) -> HostTlbFlush {
        if self.users.select(guest_asid) {
            self.stats.user_table_hits += 1;
            return HostTlbFlush::Nothing;
        }
        self.stats.user_table_misses += 1;
        if self.users.has_room() {
            if let Ok(table) = NativeGvaTable::new() {
                let (tag, flush) = self.fresh_tag();
                match self.users.add(guest_asid, TaggedTable { table, tag }) {
                    Ok(()) => return flush,
                    // No room after all: the id stays retired until a rollover.
                    Err(_) => return flush.and(self.recycle_user_table(guest_asid)),
                }
            }
        }
        self.recycle_user_table(guest_asid)
    }

    fn recycle_user_table(&mut self, guest_asid: u8) -> HostTlbFlush {
        let recycled = self.users.recycle(guest_asid);
        if self.tags.invalidate_by_id() {
            self.stats.invalidated_by_mmid += 1;
            return HostTlbFlush::Spaces { ids: SpaceIdSet::of(recycled.tag.id) };
        }
        self.retag(TableId::User { guest_asid })
    }

    /// Maps around a fault, freeing the other user tables once if the heap
    /// runs dry.
    fn fill_or_make_room(&mut self, gva: u32, span: u32, mode: GuestMode, tlb: &GuestTlb, asid: u8) -> bool {
        if self.fill(gva, span, mode, tlb, asid).is_ok() {
            return true;
        }
        if self.users.evict_others() > 0 && self.fill(gva, span, mode, tlb, asid).is_ok() {
            return true;
        }
        self.stats.out_of_memory += 1;
        false
    }

    /// Drops `[start, end)` from `table`; true if anything was mapped there.
    fn drop_range(table: &mut NativeGvaTable, start: u32, end: u32) -> bool {
        let before = table.stats().mapped_pages;
        // The range lies in useg or guest KSEG2/3, below the tables' limit.
        let _ = table.invalidate_range(start, end);
        table.stats().mapped_pages != before
    }
}

impl GuestMemory for GuestMmu {
    fn resolve_fault(
        &mut self,
        gva: u32,
        access: AccessKind,
        mode: GuestMode,
        tlb: &GuestTlb,
        asid: u8,
    ) -> FaultResolution {
        debug_assert_eq!(asid, self.guest_asid, "asid_changed was not told of the guest's ASID");
        let translation = match self.translation(gva, access, mode, tlb, asid) {
            Ok(translation) => translation,
            Err(exception) => return FaultResolution::Deliver(exception),
        };
        let guest_phys = translation.guest_phys;
        let unmapped_view = match translation.segment {
            Segment::Unmapped { view, .. } => Some(view),
            _ => None,
        };
        if unmapped_view.is_some_and(UnmappedView::is_cached) && !self.ram.contains(guest_phys) {
            return FaultResolution::BeyondRam { guest_phys };
        }
        if unmapped_view.is_some_and(UnmappedView::is_real_kseg01) || !self.ram.contains(guest_phys) {
            return FaultResolution::Emulate { guest_phys };
        }
        if self.fill_or_make_room(gva, translation.span, mode, tlb, asid) {
            FaultResolution::Mapped
        } else {
            // No memory for a leaf: the guest's "hardware" has failed.
            FaultResolution::Deliver(GuestException::MachineCheck)
        }
    }

    fn invalidate(&mut self, displaced: &Displaced) -> HostTlbFlush {
        let range = displaced.range;
        let end = u64::from(range.start) + u64::from(range.len);
        let in_useg = end <= u64::from(GUEST_USEG_END);
        let in_kseg2 = range.start >= GUEST_KSEG2_BASE && end <= u64::from(REAL_KSEG0_BASE);
        if !in_useg && !in_kseg2 {
            // Guest KSEG0 and above are never translated by the guest TLB.
            return HostTlbFlush::Nothing;
        }
        let (start, end) = (range.start, end as u32);

        let mut stale = SpaceIdSet::new();
        // Every table's id fits in a set (`new` checked); were one left out, all must go.
        let mut named_all = true;
        // The kernel table's ASID-specific mappings are the current ASID's.
        let kernel_holds_it = displaced.global || displaced.asid == self.guest_asid;
        if kernel_holds_it && Self::drop_range(&mut self.kernel.table, start, end) {
            named_all &= stale.insert(self.kernel.tag.id);
        }
        if kernel_holds_it && Self::drop_range(&mut self.supervisor.table, start, end) {
            named_all &= stale.insert(self.supervisor.tag.id);
        }
        if in_useg {
            for (guest_asid, tagged) in self.users.entries_mut() {
                let holds_it = displaced.global || guest_asid == displaced.asid;
                if holds_it && Self::drop_range(&mut tagged.table, start, end) {
                    named_all &= stale.insert(tagged.tag.id);
                }
            }
        }
        if !named_all {
            return HostTlbFlush::All;
        }
        if stale.is_empty() {
            return HostTlbFlush::Nothing;
        }
        let pages = (range.len / PAIR_SIZE).saturating_mul(stale.len() as u32);
        if pages <= MAX_PROBES {
            return HostTlbFlush::Pages { range, ids: stale };
        }
        if self.tags.invalidate_by_id() {
            self.stats.invalidated_by_mmid += stale.len() as u64;
            return HostTlbFlush::Spaces { ids: stale };
        }
        // Too many probes: retire the stale host ASIDs instead.
        let mut flush = HostTlbFlush::Nothing;
        if stale.contains(self.kernel.tag.id) {
            flush = flush.and(self.retag(TableId::Kernel));
        }
        if stale.contains(self.supervisor.tag.id) {
            flush = flush.and(self.retag(TableId::Supervisor));
        }
        let stale_users: alloc::vec::Vec<u8> = self
            .users
            .entries_mut()
            .filter(|(_, tagged)| stale.contains(tagged.tag.id))
            .map(|(guest_asid, _)| guest_asid)
            .collect();
        for guest_asid in stale_users {
            flush = flush.and(self.retag(TableId::User { guest_asid }));
        }
        flush
    }

    fn asid_changed(&mut self, old: u8, new: u8) -> HostTlbFlush {
        debug_assert_eq!(old, self.guest_asid, "asid_changed missed an earlier change");
        if new == self.guest_asid {
            return HostTlbFlush::Nothing;
        }
        self.guest_asid = new;
        let mut flush = HostTlbFlush::Nothing;
        if self.kernel_has_asid_specific {
            self.kernel.table.flush_non_global();
            self.kernel_has_asid_specific = false;
            self.stats.kernel_flushes += 1;
            flush = self.retag(TableId::Kernel);
        }
        if self.supervisor_has_asid_specific {
            self.supervisor.table.flush_non_global();
            self.supervisor_has_asid_specific = false;
            flush = flush.and(self.retag(TableId::Supervisor));
        }
        flush.and(self.switch_user_table(new))
    }

    fn read_u32(
        &mut self,
        gva: u32,
        mode: GuestMode,
        tlb: &GuestTlb,
        asid: u8,
    ) -> Result<u32, FaultResolution> {
        if !gva.is_multiple_of(4) {
            // MIPS32 PRA: a misaligned word access is an address error.
            let exception = GuestException::AddressError { access: ExceptionAccess::Load, bad_vaddr: gva };
            return Err(FaultResolution::Deliver(exception));
        }
        let guest_phys =
            self.translate(gva, AccessKind::Load, mode, tlb, asid).map_err(FaultResolution::Deliver)?;
        self.ram.read(guest_phys, 4).ok_or(FaultResolution::Emulate { guest_phys })
    }

    fn read_mapped_u32(&self, gva: u32, mode: GuestMode) -> Option<u32> {
        if !gva.is_multiple_of(4) {
            return None;
        }
        let mapping = self.current_table(mode).table.mapping(gva)?;
        if !mapping.pte.is_valid() {
            return None;
        }
        let host_phys = mapping.pte.host_phys() | u64::from(gva & (PAGE_SIZE - 1));
        let guest_phys = u32::try_from(host_phys.checked_sub(self.ram.host_phys_base())?).ok()?;
        self.ram.read(guest_phys, 4)
    }

    fn read_phys(&self, guest_phys: u32, width: u8) -> Option<u32> {
        self.ram.read(guest_phys, width)
    }

    fn write_phys(&mut self, guest_phys: u32, width: u8, value: u32) -> bool {
        self.ram.write(guest_phys, width, value)
    }

    fn root(&self, mode: GuestMode) -> usize {
        self.current_table(mode).table.root_address()
    }

    fn space_id(&self, mode: GuestMode) -> SpaceId {
        let tag = self.current_table(mode).tag;
        debug_assert!(self.ids.is_current(tag), "{tag:?} outlived its generation");
        tag.id
    }
}

/// The ids of every table, live in the host TLB's eyes.
fn live_ids(kernel: &TaggedTable, supervisor: &TaggedTable, users: &UserTables) -> SpaceIdSet {
    let mut live = SpaceIdSet::new();
    for tagged in [kernel, supervisor].into_iter().chain(users.tables()) {
        // `GuestMmu::new` checked that every table fits in a set.
        let fits = live.insert(tagged.tag.id);
        debug_assert!(fits);
    }
    live
}

// A guest entry's pair is at least one host pair, and fills stay inside it.
const _: () = assert!(FILL_SPAN.is_power_of_two() && FILL_SPAN >= PAIR_SIZE);
