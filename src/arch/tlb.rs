//! Host TLB maintenance.

use mipsvisor::cp0;
use mipsvisor::cp0::fields::{Config5, Index};
use mipsvisor::vcpu::mmu::{HostTlbFlush, SpaceId};

/// A unique VPN2 per TLB entry in unmapped KSEG0, which no lookup can hit:
/// the architecture forbids two entries matching one address, even invalid ones.
fn unique_invalid_entry_hi(index: u32) -> usize {
    super::kseg0((index as u64) << 13)
}

fn write_indexed(index: u32, entry_hi: usize, lo0: usize, lo1: usize) {
    mtc0!(cp0::INDEX, index);
    write_entry_registers(entry_hi, lo0, lo1);
    // SAFETY: writes the TLB entry just selected; ehb makes it visible.
    unsafe { core::arch::asm!("tlbwi", "ehb") };
}

fn write_entry_registers(entry_hi: usize, lo0: usize, lo1: usize) {
    mtc0_word!(cp0::ENTRY_HI, entry_hi);
    mtc0_word!(cp0::ENTRY_LO0, lo0);
    mtc0_word!(cp0::ENTRY_LO1, lo1);
    mtc0!(cp0::PAGE_MASK, 0);
}

/// Every entry invalid and unique, nothing wired, 4 KiB pages, ASID 0:
/// the state a board straight from reset does not guarantee.
pub fn init(entries: u32) {
    mtc0!(cp0::WIRED, 0);
    for index in 0..entries {
        write_indexed(index, unique_invalid_entry_hi(index), 0, 0);
    }
    mtc0_word!(cp0::ENTRY_HI, 0);
}

/// Replaces the host entry that maps `entry_hi` (VPN2 | ASID), if any, with
/// the new pair; returns whether one was there. Used after the slow path has
/// changed a GVA table under a TLB entry the refill handler already wrote.
pub fn update_if_present(entry_hi: usize, lo0: usize, lo1: usize) -> bool {
    let saved = mfc0_word!(cp0::ENTRY_HI);
    mtc0_word!(cp0::ENTRY_HI, entry_hi);
    // SAFETY: tlbp only sets Index; ehb orders it before the read.
    unsafe { core::arch::asm!("tlbp", "ehb") };
    let index = Index::from_bits_retain(mfc0!(cp0::INDEX));
    let present = !index.contains(Index::P);
    if present {
        write_entry_registers(entry_hi, lo0, lo1);
        // SAFETY: rewrites the entry tlbp found.
        unsafe { core::arch::asm!("tlbwi", "ehb") };
    }
    mtc0_word!(cp0::ENTRY_HI, saved);
    present
}

/// Sets the ASID host TLB lookups use (EntryHi.ASID).
pub fn set_asid(asid: u8) {
    mtc0_word!(cp0::ENTRY_HI, asid as usize);
}

/// How host TLB entries say which address space they belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpaceTags {
    /// EntryHi.ASID; stale entries are found by reading the TLB back.
    Asids,
    /// MemoryMapIDs (Config5.MI on); stale entries are removed with GINVT
    /// by address and MMID, or by MMID. MMID 0 is the monitor's.
    Mmids,
}

impl SpaceTags {
    /// Makes `id` the address space of the next guest run.
    pub fn enter(self, id: SpaceId) {
        match self {
            // Host ASIDs are 8 bits (`HostTags::ASIDS`).
            SpaceTags::Asids => set_asid(id.0 as u8),
            SpaceTags::Mmids => set_memory_map_id(id.0),
        }
    }

    /// Drops the stale entries `flush` names.
    pub fn flush(self, flush: HostTlbFlush, entries: u32) {
        match (self, flush) {
            (_, HostTlbFlush::Nothing) => {}
            (SpaceTags::Asids, HostTlbFlush::Pages { range, .. }) => {
                let end = (u64::from(range.start) + u64::from(range.len)).min(u64::from(u32::MAX)) as u32;
                invalidate_range(range.start, end, entries);
            }
            (SpaceTags::Asids, HostTlbFlush::Spaces { .. } | HostTlbFlush::All) => init(entries),
            #[cfg(target_arch = "mips64r6")]
            (SpaceTags::Mmids, HostTlbFlush::Pages { .. }) => {
                with_memory_map_ids(|| {
                    let mut current = None;
                    for (pair, id) in flush.probes() {
                        // Pairs come id by id: one MemoryMapID write per table.
                        if current != Some(id) {
                            set_memory_map_id(id.0);
                            current = Some(id);
                        }
                        ginvt(mipsvisor::uasm::Ginvt::VaMmid, pair as usize);
                    }
                });
            }
            #[cfg(target_arch = "mips64r6")]
            (SpaceTags::Mmids, HostTlbFlush::Spaces { ids }) => {
                with_memory_map_ids(|| {
                    for id in ids.iter() {
                        set_memory_map_id(id.0);
                        ginvt(mipsvisor::uasm::Ginvt::Mmid, 0);
                    }
                });
            }
            #[cfg(target_arch = "mips64r6")]
            (SpaceTags::Mmids, HostTlbFlush::All) => ginvt(mipsvisor::uasm::Ginvt::All, 0),
            #[cfg(not(target_arch = "mips64r6"))]
            (SpaceTags::Mmids, _) => unreachable!("MMIDs are only turned on where GINVT exists"),
        }
    }

    /// Drops every guest entry.
    pub fn invalidate_all(self, entries: u32) {
        self.flush(HostTlbFlush::All, entries);
    }
}

/// Runs `invalidate`, which changes MemoryMapID to name GINVT's MMID, and
/// puts MemoryMapID back: the monitor runs unmapped, so nothing it does
/// meanwhile is translated under the borrowed MMID.
#[cfg(target_arch = "mips64r6")]
fn with_memory_map_ids(invalidate: impl FnOnce()) {
    let saved = mfc0!(cp0::MEMORY_MAP_ID);
    invalidate();
    set_memory_map_id(saved);
}

/// What MemoryMapID reads after all ones were written to it (MMIDs on):
/// the bits it implements. MemoryMapID is put back.
pub fn memory_map_id_mask() -> u32 {
    let saved = mfc0!(cp0::MEMORY_MAP_ID);
    set_memory_map_id(u32::MAX);
    let read_back = mfc0!(cp0::MEMORY_MAP_ID);
    set_memory_map_id(saved);
    read_back
}

/// Drops every host entry whose pair overlaps guest-virtual [start, end),
/// whatever its ASID, by reading each entry back (cheaper than tracking
/// which host ASIDs may hold it, and exact).
pub fn invalidate_range(start: u32, end: u32, entries: u32) {
    let saved = mfc0_word!(cp0::ENTRY_HI);
    for index in 0..entries {
        mtc0!(cp0::INDEX, index);
        // SAFETY: tlbr only loads EntryHi/EntryLo/PageMask from the entry.
        unsafe { core::arch::asm!("tlbr", "ehb") };
        let entry_hi = mfc0_word!(cp0::ENTRY_HI) as u32;
        // Each entry covers an 8 KiB pair: host pages are 4 KiB, PageMask 0.
        let pair = entry_hi & !0x1fff;
        if pair < end && start < pair.wrapping_add(0x2000) && pair < 0x8000_0000 {
            write_indexed(index, unique_invalid_entry_hi(index), 0, 0);
        }
    }
    mtc0_word!(cp0::ENTRY_HI, saved);
}

/// One host TLB entry as TLBR reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlbEntry {
    pub entry_hi: usize,
    pub page_mask: u32,
    pub lo0: usize,
    pub lo1: usize,
    /// The entry's MemoryMapID (TLBR loads it into MemoryMapID when MMIDs are on).
    pub mmid: Option<u32>,
}

#[cfg(target_arch = "mips64r6")] // only the MMID selftest needs it yet
/// EntryHi.EHINV (bit 10): TLBR of an entry that TLBINV/GINVT invalidated sets it.
pub const ENTRY_HI_EHINV: usize = 1 << 10;

/// Writes entry `index` (4 KiB pages); with MMIDs on, the entry takes the
/// current MemoryMapID.
pub fn write_entry(index: u32, entry_hi: usize, lo0: usize, lo1: usize) {
    let saved = mfc0_word!(cp0::ENTRY_HI);
    write_indexed(index, entry_hi, lo0, lo1);
    mtc0_word!(cp0::ENTRY_HI, saved);
}

#[cfg(target_arch = "mips64r6")] // only the MMID selftest reads one entry
/// Reads entry `index`, leaving EntryHi, PageMask and MemoryMapID as they
/// were (the refill handler's TLBWR relies on PageMask and EntryHi.ASID).
pub fn read_entry(index: u32, mmids_on: bool) -> TlbEntry {
    let mut entry = None;
    read_entries(index..index + 1, mmids_on, |_, read| entry = Some(read));
    entry.expect("one index read")
}

/// Reads the entries `indices` in turn, restoring EntryHi, PageMask (and
/// MemoryMapID) once at the end: QEMU flushes its own TLB whenever TLBR or an
/// EntryHi write changes the current ASID, so each restore costs a flush there.
pub fn read_entries(indices: core::ops::Range<u32>, mmids_on: bool, mut visit: impl FnMut(u32, TlbEntry)) {
    let saved_hi = mfc0_word!(cp0::ENTRY_HI);
    let saved_page_mask = mfc0!(cp0::PAGE_MASK);
    let saved_mmid = mmids_on.then(|| mfc0!(cp0::MEMORY_MAP_ID));
    for index in indices {
        mtc0!(cp0::INDEX, index);
        // SAFETY: tlbr only loads EntryHi/EntryLo/PageMask (and MemoryMapID) from the entry.
        unsafe { core::arch::asm!("tlbr", "ehb") };
        visit(
            index,
            TlbEntry {
                entry_hi: mfc0_word!(cp0::ENTRY_HI),
                page_mask: mfc0!(cp0::PAGE_MASK),
                lo0: mfc0_word!(cp0::ENTRY_LO0),
                lo1: mfc0_word!(cp0::ENTRY_LO1),
                mmid: mmids_on.then(|| mfc0!(cp0::MEMORY_MAP_ID)),
            },
        );
    }
    if let Some(mmid) = saved_mmid {
        mtc0!(cp0::MEMORY_MAP_ID, mmid);
    }
    mtc0!(cp0::PAGE_MASK, saved_page_mask);
    mtc0_word!(cp0::ENTRY_HI, saved_hi);
}

#[cfg(target_arch = "mips64r6")] // only the MMID selftest needs it yet
/// The index of the entry a lookup of `entry_hi` would hit (under the
/// current MemoryMapID when MMIDs are on), if any.
pub fn probe(entry_hi: usize) -> Option<u32> {
    let saved = mfc0_word!(cp0::ENTRY_HI);
    mtc0_word!(cp0::ENTRY_HI, entry_hi);
    // SAFETY: tlbp only sets Index; ehb orders it before the read.
    unsafe { core::arch::asm!("tlbp", "ehb") };
    let index = Index::from_bits_retain(mfc0!(cp0::INDEX));
    mtc0_word!(cp0::ENTRY_HI, saved);
    (!index.contains(Index::P)).then(|| index.bits() & 0x7fff_ffff)
}

/// Turns MemoryMapIDs on or off (Config5.MI); returns whether they are on,
/// which on a CPU without them stays false.
pub fn set_mmids(on: bool) -> bool {
    let mut config5 = Config5::from_bits_retain(mfc0!(cp0::CONFIG5));
    config5.set(Config5::MI, on);
    mtc0!(cp0::CONFIG5, config5.bits());
    Config5::from_bits_retain(mfc0!(cp0::CONFIG5)).contains(Config5::MI)
}

/// The address space that TLB lookups and writes use while MMIDs are on.
pub fn set_memory_map_id(mmid: u32) {
    mtc0!(cp0::MEMORY_MAP_ID, mmid);
}

/// GINVT of `kind` for `va` on every CPU, completed (`sync 0x14`) before it returns.
#[cfg(target_arch = "mips64r6")]
pub fn ginvt(kind: mipsvisor::uasm::Ginvt, va: usize) {
    use mipsvisor::uasm::{ginvt_word, sync_word, Ginvt, Gpr, SYNC_GINV};
    macro_rules! ginvt_then_sync {
        ($kind:expr) => {
            // SAFETY: GINVT only invalidates TLB entries; the monitor itself
            // runs unmapped, and the sync makes the invalidation complete.
            unsafe {
                core::arch::asm!(
                    ".word {ginvt}",
                    ".word {sync}",
                    "ehb",
                    ginvt = const ginvt_word(Gpr::T0, $kind),
                    sync = const sync_word(SYNC_GINV),
                    in("$8") va,
                )
            }
        };
    }
    match kind {
        Ginvt::All => ginvt_then_sync!(Ginvt::All),
        Ginvt::Va => ginvt_then_sync!(Ginvt::Va),
        Ginvt::Mmid => ginvt_then_sync!(Ginvt::Mmid),
        Ginvt::VaMmid => ginvt_then_sync!(Ginvt::VaMmid),
    }
}
