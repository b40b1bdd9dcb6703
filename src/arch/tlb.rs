//! Host TLB maintenance.

use mipsvisor::cp0;
use mipsvisor::cp0::fields::Index;

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
