//! Model-based test: random guest TLB writes, guest accesses in both modes
//! and ASID switches, run against the MMU and a simulated host TLB that
//! obeys the caller's side of the contract (refill from the table, probe
//! out after `Mapped`, do every `HostTlbFlush`). After every step:
//! - every access ended as the reference says: through a host PTE equal to
//!   the reference's, or with the reference's exception or emulation;
//! - every mapping in every table (kernel; each cached user table, for its
//!   own guest ASID) equals the reference, or is absent;
//! - every valid host TLB half tagged with a live table's host id equals
//!   that table's PTE.
//!
//! It runs with ASIDs and with MMIDs, 3 bits wide so that generations roll
//! over often; an attack test cycles a guest through all 256 ASIDs.
//!
//! The reference is computed directly from the guest TLB (`GuestTlb::lookup`,
//! tested against the PRA on its own) and the layout table of
//! trap-and-emulate.md, written out again here rather than taken from
//! `Segment`.

use super::*;
use crate::vcpu::exception::Access as Exc;
use alloc::vec::Vec;

use crate::testsupport::XorShift64;

/// Hot windows of guest-virtual space: two in useg (one at its top), one in
/// guest KSEG2, one in guest KSEG0 straddling the end of RAM.
const HOT: [(u32, u32); 4] = [
    (0x0040_0000, 0x4_0000),
    (0x3ffc_0000, 0x4_0000),
    (0x6000_0000, 0x4_0000),
    (0x4000_0000 + RAM_BYTES - 0x2_0000, 0x4_0000),
];
const GUEST_ASIDS: u64 = 5;

fn hot_pages() -> impl Iterator<Item = u32> {
    HOT.iter().flat_map(|&(start, len)| (start..start + len).step_by(0x1000))
}

fn random_gva(rng: &mut XorShift64, tlb: &GuestTlb) -> u32 {
    if rng.chance(2) {
        // Somewhere a guest TLB entry covers, so accesses often succeed.
        let entry = tlb.entries()[rng.below(tlb.len() as u64) as usize];
        let range = entry.va_range();
        if range.start < 0x8000_0000 {
            return range.start + ((rng.next() as u32 % range.len) & !3);
        }
    }
    if rng.chance(12) {
        // Real KSEG0/1 and KSEG2/3.
        return 0x8000_0000 + ((rng.next() as u32 % 0x8000_0000) & !3);
    }
    let (start, len) = HOT[rng.below(HOT.len() as u64) as usize];
    start + ((rng.next() as u32 % len) & !3)
}

/// What the architecture and the layout say about one access: the host PTE
/// and scope it goes through, or how the MMU must resolve it.
fn reference(
    gva: u32,
    kind: AccessKind,
    mode: GuestMode,
    tlb: &GuestTlb,
    asid: u8,
) -> Result<Mapping, FaultResolution> {
    let access = if kind == AccessKind::Store { Exc::Store } else { Exc::Load };
    let deliver = |e| Err(FaultResolution::Deliver(e));
    let through_tlb = match (mode, gva) {
        (_, 0..=0x3fff_ffff) => true,
        (GuestMode::Kernel | GuestMode::Supervisor, 0x6000_0000..=0x7fff_ffff) => true,
        (GuestMode::Kernel, 0x4000_0000..=0x5fff_ffff) => {
            let guest_phys = gva - 0x4000_0000;
            if guest_phys >= RAM_BYTES {
                return Err(FaultResolution::BeyondRam { guest_phys });
            }
            return Ok(Mapping { pte: host_pte(guest_phys, Access::ReadWrite), scope: Scope::Global });
        }
        (GuestMode::Kernel, 0x8000_0000..=0xbfff_ffff) => {
            let guest_phys = gva & 0x1fff_ffff;
            if gva < 0xa000_0000 && guest_phys >= RAM_BYTES {
                return Err(FaultResolution::BeyondRam { guest_phys });
            }
            return Err(FaultResolution::Emulate { guest_phys });
        }
        _ => false,
    };
    if !through_tlb {
        return deliver(GuestException::AddressError { access, bad_vaddr: gva });
    }
    match tlb.lookup(gva, asid) {
        Lookup::Miss => deliver(GuestException::TlbRefill { access, bad_vaddr: gva }),
        Lookup::Invalid { .. } => deliver(GuestException::TlbInvalid { access, bad_vaddr: gva }),
        Lookup::Hit(hit) if kind == AccessKind::Store && !hit.dirty => {
            deliver(GuestException::TlbModified { bad_vaddr: gva })
        }
        Lookup::Hit(hit) if hit.guest_phys >= RAM_BYTES => {
            Err(FaultResolution::Emulate { guest_phys: hit.guest_phys })
        }
        Lookup::Hit(hit) => Ok(Mapping {
            pte: host_pte(hit.guest_phys, if hit.dirty { Access::ReadWrite } else { Access::ReadOnly }),
            scope: if hit.global { Scope::Global } else { Scope::AsidSpecific },
        }),
    }
}

#[derive(Clone, Copy, Debug)]
struct HostEntry {
    id: SpaceId,
    vpn2: u32,
    lo: [EntryLo; 2],
}

/// A small host TLB with random replacement.
struct HostTlb {
    entries: Vec<HostEntry>,
    capacity: usize,
}

impl HostTlb {
    fn new(capacity: usize) -> Self {
        HostTlb { entries: Vec::new(), capacity }
    }

    fn find(&self, id: SpaceId, gva: u32) -> Option<HostEntry> {
        self.entries.iter().copied().find(|e| e.id == id && e.vpn2 == gva & !0x1fff)
    }

    fn probe_out(&mut self, id: SpaceId, vpn2: u32) {
        self.entries.retain(|e| !(e.id == id && e.vpn2 == vpn2));
    }

    fn apply(&mut self, flush: HostTlbFlush, counts: &mut Counts) {
        match flush {
            HostTlbFlush::Nothing => {}
            HostTlbFlush::Pages { .. } => {
                counts.page_flushes += 1;
                for (vpn2, id) in flush.probes() {
                    self.probe_out(id, vpn2);
                }
            }
            // GINVT by MMID.
            HostTlbFlush::Spaces { ids } => {
                counts.space_flushes += 1;
                self.entries.retain(|e| !ids.contains(e.id));
            }
            HostTlbFlush::All => {
                counts.full_flushes += 1;
                self.entries.clear();
            }
        }
    }

    /// The refill handler: load both PTEs of the pair from the table of `mode`.
    fn refill(&mut self, mmu: &GuestMmu, mode: GuestMode, gva: u32, rng: &mut XorShift64) {
        let table = match mode {
            GuestMode::Kernel => TableId::Kernel,
            GuestMode::Supervisor => TableId::Supervisor,
            GuestMode::User => TableId::User { guest_asid: mmu.guest_asid() },
        };
        let vpn2 = gva & !0x1fff;
        let pte = |page| mmu.mapping(table, page).map_or(EntryLo::INVALID, |m| m.pte);
        let entry = HostEntry { id: mmu.space_id(mode), vpn2, lo: [pte(vpn2), pte(vpn2 + 0x1000)] };
        if self.entries.len() == self.capacity {
            let victim = rng.below(self.capacity as u64) as usize;
            self.entries[victim] = entry;
        } else {
            self.entries.push(entry);
        }
    }
}

#[derive(Debug, Default)]
struct Counts {
    hits: u64,
    mapped: u64,
    delivered: u64,
    emulated: u64,
    skipped_conflicts: u64,
    page_flushes: u64,
    space_flushes: u64,
    full_flushes: u64,
    mappings_checked: u64,
}

/// One random guest access.
fn access(mmu: &mut GuestMmu, tlb: &GuestTlb, host: &mut HostTlb, rng: &mut XorShift64, counts: &mut Counts) {
    let gva = random_gva(rng, tlb);
    let kind = [AccessKind::Load, AccessKind::Store, AccessKind::Fetch][rng.below(3) as usize];
    let mode = [GuestMode::Kernel, GuestMode::Supervisor, GuestMode::User][rng.below(3) as usize];
    access_at(mmu, tlb, host, (gva, kind, mode), rng, counts);
}

/// One guest access, retried the way the exit handler retries it.
fn access_at(
    mmu: &mut GuestMmu,
    tlb: &GuestTlb,
    host: &mut HostTlb,
    (gva, kind, mode): (u32, AccessKind, GuestMode),
    rng: &mut XorShift64,
    counts: &mut Counts,
) {
    let asid = mmu.guest_asid();
    let expected = reference(gva, kind, mode, tlb, asid);
    for _ in 0..4 {
        // Host user mode reaches only addresses below 2 GiB through its TLB.
        if gva < 0x8000_0000 {
            let Some(entry) = host.find(mmu.space_id(mode), gva) else {
                host.refill(mmu, mode, gva, rng);
                continue;
            };
            let half = entry.lo[(gva >> 12 & 1) as usize];
            let store_to_clean = kind == AccessKind::Store && half.access() == Access::ReadOnly;
            if half.is_valid() && !store_to_clean {
                assert_eq!(
                    Ok(half),
                    expected.map(|m| m.pte),
                    "{gva:#x} {kind:?} {mode:?} went through the host TLB"
                );
                counts.hits += 1;
                return;
            }
        }
        let resolution = mmu.resolve_fault(gva, kind, mode, tlb, asid);
        if resolution == FaultResolution::Mapped {
            assert!(expected.is_ok(), "{gva:#x} {kind:?} {mode:?}: mapped, expected {expected:?}");
            host.probe_out(mmu.space_id(mode), gva & !0x1fff);
            counts.mapped += 1;
            continue;
        }
        assert_eq!(Err(resolution), expected, "{gva:#x} {kind:?} {mode:?}");
        match resolution {
            FaultResolution::Emulate { .. } | FaultResolution::BeyondRam { .. } => counts.emulated += 1,
            _ => counts.delivered += 1,
        }
        return;
    }
    panic!("{gva:#x} {kind:?} {mode:?}: no progress");
}

fn random_entry(rng: &mut XorShift64, current_asid: u8) -> TlbEntry {
    let size = match rng.below(20) {
        0..=9 => PageSize::K4,
        10..=16 => PageSize::K16,
        17 => PageSize::K64,
        _ => PageSize::M1,
    };
    let span = size.bytes() * 2;
    let (start, len) = HOT[rng.below(HOT.len() as u64) as usize];
    let vpn2 = (start + rng.next() as u32 % len) & !(span - 1);
    // Mostly the running address space, so user accesses find their entries.
    let asid = if rng.chance(2) { current_asid } else { rng.below(GUEST_ASIDS) as u8 };
    let global = rng.chance(6);
    let mut half = || {
        let mut flags = NONE;
        if !rng.chance(4) {
            flags |= V;
        }
        if rng.chance(2) {
            flags |= D;
        }
        if global {
            flags |= G;
        }
        // Mostly RAM, sometimes the device space just above it.
        let phys = (rng.next() as u32 % (RAM_BYTES + RAM_BYTES / 4)) & !(size.bytes() - 1);
        lo(phys, flags)
    };
    let (lo0, lo1) = (half(), half());
    entry(vpn2, asid, size, lo0, lo1)
}

fn check_tables(mmu: &GuestMmu, tlb: &GuestTlb, counts: &mut Counts) {
    let asid = mmu.guest_asid();
    for page in hot_pages() {
        if let Some(mapping) = mmu.mapping(TableId::Kernel, page) {
            assert_eq!(
                Ok(mapping),
                reference(page, AccessKind::Load, GuestMode::Kernel, tlb, asid),
                "kernel {page:#x}"
            );
            counts.mappings_checked += 1;
        }
        for user_asid in mmu.cached_guest_asids() {
            if let Some(mapping) = mmu.mapping(TableId::User { guest_asid: user_asid }, page) {
                let expected = reference(page, AccessKind::Load, GuestMode::User, tlb, user_asid);
                assert_eq!(Ok(mapping), expected, "user table of ASID {user_asid}, {page:#x}");
                counts.mappings_checked += 1;
            }
        }
    }
}

fn check_host_tlb(mmu: &GuestMmu, host: &HostTlb) {
    let mut live = Vec::from([(TableId::Kernel, mmu.table_tag(TableId::Kernel).unwrap())]);
    for guest_asid in mmu.cached_guest_asids() {
        let id = TableId::User { guest_asid };
        live.push((id, mmu.table_tag(id).unwrap()));
    }
    for (i, (_, a)) in live.iter().enumerate() {
        assert!(live[i + 1..].iter().all(|(_, b)| a.id != b.id), "host ids are unique: {live:?}");
        assert_eq!(a.generation, mmu.id_generation(), "a live tag of an old generation: {live:?}");
        assert_ne!(a.id, SpaceId::MONITOR, "id 0 is the monitor's");
    }
    for entry in &host.entries {
        let Some(&(table, _)) = live.iter().find(|(_, tag)| tag.id == entry.id) else { continue };
        for (k, half) in entry.lo.iter().enumerate() {
            if half.is_valid() {
                let page = entry.vpn2 + k as u32 * 0x1000;
                assert_eq!(
                    mmu.mapping(table, page).map(|m| m.pte),
                    Some(*half),
                    "stale host entry {entry:?}"
                );
            }
        }
    }
}

fn run(seed: u64, steps: usize, kind: TagKind, counts: &mut Counts) {
    let mut rng = XorShift64(seed);
    let ram = super::super::guest_ram::tests::leaked_ram(RAM_BASE, RAM_BYTES);
    // A cache of 2 for 5 guest ASIDs and 7 host ids a generation:
    // evictions and rollovers happen often.
    let mut mmu = GuestMmu::new(ram, 2, HostTags { kind, bits: 3 }).unwrap();
    let mut tlb = guest_tlb();
    let mut host = HostTlb::new(8);
    for step in 0..steps {
        match rng.below(100) {
            0..=24 => {
                let index = rng.below(tlb.len() as u64) as u32;
                let mut trial = tlb.clone();
                let write = trial.write(index, random_entry(&mut rng, mmu.guest_asid())).unwrap();
                // Overlapping entries are the architecture's machine check.
                if write.conflict.is_some() {
                    counts.skipped_conflicts += 1;
                    continue;
                }
                tlb = trial;
                if let Some(displaced) = write.displaced {
                    host.apply(mmu.invalidate(&displaced), counts);
                }
            }
            25..=34 => {
                let (old, new) = (mmu.guest_asid(), rng.below(GUEST_ASIDS) as u8);
                host.apply(mmu.asid_changed(old, new), counts);
            }
            35 if rng.chance(4) => host.apply(mmu.flush_all(), counts),
            _ => access(&mut mmu, &tlb, &mut host, &mut rng, counts),
        }
        check_host_tlb(&mmu, &host);
        if step % 16 == 0 {
            check_tables(&mmu, &tlb, counts);
        }
    }
    check_tables(&mmu, &tlb, counts);
    let stats = mmu.stats();
    assert!(stats.evictions > 0 && stats.host_id_rollovers > 0 && stats.kernel_flushes > 0, "{stats:?}");
}

#[test]
fn random_writes_accesses_and_asid_switches_match_the_guest_tlb() {
    let mut counts = Counts::default();
    for seed in [1, 0x9e37_79b9_7f4a_7c15, 0xdead_beef, 42, 0x1234_5678_9abc_def0] {
        run(seed, 3000, TagKind::Asid, &mut counts);
    }
    // Every path was taken many times.
    let paths = [
        counts.hits,
        counts.mapped,
        counts.delivered,
        counts.emulated,
        counts.page_flushes,
        counts.full_flushes,
        counts.mappings_checked,
    ];
    assert!(paths.iter().all(|&n| n > 50), "{counts:?}");
}

#[test]
fn the_same_with_mmids() {
    let mut counts = Counts::default();
    for seed in [7, 0x5eed_0f_4a11, 0xfeed_face, 99, 0x0bad_cafe_f00d] {
        run(seed, 3000, TagKind::Mmid, &mut counts);
    }
    let paths = [counts.hits, counts.mapped, counts.page_flushes, counts.space_flushes, counts.full_flushes];
    assert!(paths.iter().all(|&n| n > 50), "{counts:?}");
}

/// The attack: a guest runs through all 256 ASIDs again and again, each
/// time mapping the same user page under its ASID (in a rotating guest TLB
/// slot) to a page of its own, and touching it from user mode and from its
/// kernel (copy_to_user). Host ids are used up and roll over again and
/// again; a host TLB big enough to keep stale entries around would hand a
/// reused id another space's translation, which `access_at` would see.
fn cycle_through_every_guest_asid(tags: HostTags, rounds: u32) -> (Counts, MmuStats) {
    const PAGE: u32 = 0x0040_0000;
    let mut rng = XorShift64(0x600d_f00d);
    let mut counts = Counts::default();
    let ram = super::super::guest_ram::tests::leaked_ram(RAM_BASE, RAM_BYTES);
    let mut mmu = GuestMmu::new(ram, 8, tags).unwrap();
    let mut tlb = guest_tlb();
    let mut host = HostTlb::new(64);
    for round in 0..rounds {
        for asid in 0..=255u8 {
            let old = mmu.guest_asid();
            host.apply(mmu.asid_changed(old, asid), &mut counts);
            // A pair of its own, another one each round, below 4 MiB.
            let phys = u32::from(asid) * 0x2000 + (round % 2) * 0x20_0000;
            let mapping = entry(PAGE, asid, PageSize::K4, lo(phys, V | D), lo(phys + 0x1000, V));
            let write = tlb.write(u32::from(asid) % tlb.len() as u32, mapping).unwrap();
            assert_eq!(write.conflict, None);
            if let Some(displaced) = write.displaced {
                host.apply(mmu.invalidate(&displaced), &mut counts);
            }
            for mode in [GuestMode::User, GuestMode::Kernel, GuestMode::User] {
                for (gva, kind) in [(PAGE, AccessKind::Store), (PAGE + 0x1000, AccessKind::Load)] {
                    access_at(&mut mmu, &tlb, &mut host, (gva, kind, mode), &mut rng, &mut counts);
                }
            }
            check_host_tlb(&mmu, &host);
        }
    }
    (counts, mmu.stats())
}

#[test]
fn a_guest_cycling_through_all_asids_never_sees_another_spaces_page() {
    for tags in [
        HostTags::ASIDS,
        HostTags { kind: TagKind::Asid, bits: 4 },
        HostTags { kind: TagKind::Mmid, bits: 16 },
        HostTags { kind: TagKind::Mmid, bits: 4 },
    ] {
        let (counts, stats) = cycle_through_every_guest_asid(tags, 6);
        // Every access after the first fill of a page came through the host TLB.
        assert!(counts.hits >= 6 * 256 * 4, "{tags:?}: {counts:?}");
        // Each switch retags the kernel table (and, with ASIDs, the evicted user table).
        if tags.bits < 16 {
            assert!(stats.host_id_rollovers >= 6 * 256 / (1 << tags.bits), "{tags:?}: {stats:?}");
        }
        assert!(stats.evictions >= 6 * 256 - 8, "{tags:?}: {stats:?}");
    }
}
