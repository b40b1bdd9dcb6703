//! TLB maintenance on top of the raw TLB instructions.

use crate::cp0::{self, tlb};

pub const ASID_MASK: u32 = 0xff;
const VPN2_MASK: u32 = !0x1fff;

/// An EntryHi value no lookup ever matches: a VPN2 in the unmapped kernel
/// segment (0x40000000..), distinct per index as the architecture requires
/// (no two entries may match the same address).
fn unique_entry_hi(index: u32) -> u32 {
    0x4000_0000 + (index << 13)
}

/// Invalidates every TLB entry from Wired up. Keeps EntryHi's ASID.
pub fn flush_all() {
    let saved = cp0::entry_hi();
    cp0::set_entry_lo0(0);
    cp0::set_entry_lo1(0);
    cp0::set_page_mask(0);
    for index in cp0::wired()..cp0::tlb_entries() {
        cp0::set_entry_hi(unique_entry_hi(index));
        cp0::set_index(index);
        tlb::write_indexed();
    }
    cp0::set_entry_hi(saved);
}

/// Looks up `va` in address space `asid`; returns the matching index.
pub fn probe(va: u32, asid: u32) -> Option<u32> {
    let saved = cp0::entry_hi();
    cp0::set_entry_hi((va & VPN2_MASK) | (asid & ASID_MASK));
    tlb::probe();
    let index = cp0::index();
    cp0::set_entry_hi(saved);
    if index & 0x8000_0000 != 0 {
        None
    } else {
        Some(index)
    }
}

/// Rewrites the TLB entry for `va`/`asid`, if one is cached, with a new
/// even/odd pair (after its page-table entries changed).
pub fn update(va: u32, asid: u32, lo0: u32, lo1: u32) {
    let saved = cp0::entry_hi();
    cp0::set_entry_hi((va & VPN2_MASK) | (asid & ASID_MASK));
    tlb::probe();
    let index = cp0::index();
    if index & 0x8000_0000 == 0 {
        cp0::set_entry_lo0(lo0);
        cp0::set_entry_lo1(lo1);
        cp0::set_page_mask(0);
        tlb::write_indexed();
    }
    cp0::set_entry_hi(saved);
}
