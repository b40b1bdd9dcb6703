//! TLBP / TLBR / TLBWI / TLBWR semantics (MIPS32 PRA, "TLB Instructions"
//! and "TLB Matching"). The entries written here map kernel-segment
//! addresses (0x6xxxxxxx) nothing touches; the TLB is flushed afterwards.

use super::Suite;
use crate::cp0::{self, tlb};
use crate::mm::space::pte;
use crate::mm::tlb as tlb_maintenance;
use crate::sched::critical;

const P: u32 = 0x8000_0000;
const ASID: u32 = 0x12;

fn write_entry(index: u32, hi: u32, lo0: u32, lo1: u32, mask: u32) {
    cp0::set_index(index);
    cp0::set_entry_hi(hi);
    cp0::set_entry_lo0(lo0);
    cp0::set_entry_lo1(lo1);
    cp0::set_page_mask(mask);
    tlb::write_indexed();
}

/// (EntryHi, EntryLo0, EntryLo1, PageMask) of TLB entry `index`.
fn read_entry(index: u32) -> (u32, u32, u32, u32) {
    // Scribble first so stale values cannot pass for TLBR's.
    cp0::set_entry_hi(0);
    cp0::set_entry_lo0(0);
    cp0::set_entry_lo1(0);
    cp0::set_page_mask(0x6000);
    cp0::set_index(index);
    tlb::read();
    (cp0::entry_hi(), cp0::entry_lo0(), cp0::entry_lo1(), cp0::page_mask())
}

fn probe(hi: u32) -> u32 {
    cp0::set_entry_hi(hi);
    tlb::probe();
    cp0::index()
}

pub fn run(suite: &mut Suite) {
    critical(|| {
        let saved_hi = cp0::entry_hi();
        checks(suite);
        cp0::set_wired(0);
        tlb_maintenance::flush_all();
        cp0::set_page_mask(0);
        cp0::set_entry_hi(saved_hi);
    });
}

fn checks(suite: &mut Suite) {
    let flags = pte::CACHEABLE | pte::DIRTY | pte::VALID;
    let lo0 = pte::new(0x0010_0000, flags);
    let lo1 = pte::new(0x0010_1000, pte::CACHEABLE | pte::VALID);

    // TLBWI then TLBR returns the entry as written.
    write_entry(3, 0x6000_2000 | ASID, lo0, lo1, 0);
    let (hi, read_lo0, read_lo1, mask) = read_entry(3);
    suite.eq("tlbr_entryhi", 0x6000_2000 | ASID, hi);
    suite.eq("tlbr_entrylo0", lo0, read_lo0);
    suite.eq("tlbr_entrylo1", lo1, read_lo1);
    suite.eq("tlbr_pagemask_4k", 0, mask);

    // The entry's G is EntryLo0.G AND EntryLo1.G; TLBR returns it in both halves.
    write_entry(4, 0x6000_4000 | ASID, lo0 | pte::GLOBAL, lo1, 0);
    let (_, g0, g1, _) = read_entry(4);
    suite.eq("tlbr_g_needs_both_halves", 0, (g0 | g1) & pte::GLOBAL);
    write_entry(5, 0x6001_0000 | ASID, lo0 | pte::GLOBAL, lo1 | pte::GLOBAL, 0);
    let (_, g0, g1, _) = read_entry(5);
    suite.eq("tlbr_g_both_halves_set", pte::GLOBAL, g0 & g1 & pte::GLOBAL);

    // TLBP: a match loads its index with P clear; a miss sets Index.P.
    suite.eq("tlbp_hit_index", 3, probe(0x6000_2000 | ASID));
    suite.eq("tlbp_miss_sets_p", P, probe(0x6f00_0000 | ASID) & P);
    // A non-global entry matches only its own ASID.
    suite.eq("tlbp_other_asid_misses", P, probe(0x6000_2000 | 0x13) & P);
    suite.eq("tlbp_nonglobal_half_g_misses", P, probe(0x6000_4000 | 0x13) & P);
    // A global entry matches any ASID.
    suite.eq("tlbp_global_any_asid", 5, probe(0x6001_0000 | 0x77));

    // PageMask widens the match: a 16 KiB-page entry covers 32 KiB of VPN2.
    write_entry(6, 0x6010_0000 | ASID, pte::new(0x0020_0000, flags), pte::new(0x0020_4000, flags), 0x6000);
    suite.eq("tlbp_pagemask_covers_32k", 6, probe(0x6010_4000 | ASID));
    suite.eq("tlbp_pagemask_outside_misses", P, probe(0x6010_8000 | ASID) & P);
    let (_, _, _, mask) = read_entry(6);
    suite.eq("tlbr_pagemask_16k", 0x6000, mask);

    // TLBWR writes only at indexes from Wired up; entries below Wired stay.
    cp0::set_wired(8);
    let entries = cp0::tlb_entries();
    let mut lowest = u32::MAX;
    let mut highest = 0;
    for k in 0..24u32 {
        let hi = 0x6020_0000 + (k << 13) | ASID;
        cp0::set_entry_hi(hi);
        cp0::set_entry_lo0(lo0);
        cp0::set_entry_lo1(lo1);
        cp0::set_page_mask(0);
        tlb::write_random();
        let index = probe(hi);
        if index & P == 0 {
            lowest = lowest.min(index);
            highest = highest.max(index);
        }
    }
    suite.that("tlbwr_index_at_least_wired", lowest >= 8 && lowest != u32::MAX, "index >= Wired (8)", lowest);
    suite.that("tlbwr_index_below_entries", highest < entries, "index < TLB entries", highest);
    let (hi, _, _, _) = read_entry(3);
    suite.eq("tlbwr_spares_wired_entries", 0x6000_2000 | ASID, hi);

    // Overwriting an entry removes its old translation from TLBP's view.
    write_entry(3, 0x4000_0000 + (3 << 13), 0, 0, 0);
    suite.eq("tlbwi_replaces_entry", P, probe(0x6000_2000 | ASID) & P);
}
