//! TLBP, TLBR, TLBWI, TLBWR on the software guest TLB, and the invalidation
//! an overwrite owes the GVA tables and the host TLB.

use super::*;
use crate::cp0::fields::EntryLo;
use crate::vcpu::guest_tlb::{Displaced, VaRange};

/// A 16 KiB pair (PageMask 0x6000) at 0x00400000 for ASID 5: even page at
/// guest physical 0x100000 (dirty), odd page at 0x104000 (clean).
fn stage_16k_pair(v: &mut TestVcpu, index: u32) {
    v.cp0.write(cp0::ENTRY_HI, 0x0040_0005).unwrap();
    v.cp0.write(cp0::PAGE_MASK, 0x6000).unwrap();
    v.cp0.write(cp0::ENTRY_LO0, (0x100 << 6) | (3 << 3) | EntryLo::D.bits() | EntryLo::V.bits()).unwrap();
    v.cp0.write(cp0::ENTRY_LO1, (0x104 << 6) | (3 << 3) | EntryLo::V.bits()).unwrap();
    v.cp0.write(cp0::INDEX, index).unwrap();
}

#[test]
fn tlbwi_writes_entry_index_and_tlbp_finds_it() {
    // MD00086 TLBWI: TLB[Index] <- PageMask, EntryHi, EntryLo1, EntryLo0.
    // TLBP: Index <- the matching entry, or Index.P = 1 when none matches.
    let (mut v, mut h) = kernel();
    stage_16k_pair(&mut v, 7);
    cop0_trap(&mut v, &mut h, "tlbwi");
    assert_eq!(v.regs.pc, PC + 4);
    let entry = v.tlb.read(7).unwrap();
    assert_eq!(entry.va_range(), VaRange { start: 0x0040_0000, len: 0x8000 });
    v.cp0.write(cp0::INDEX, 0).unwrap();
    v.cp0.write(cp0::ENTRY_HI, 0x0040_6005).unwrap(); // inside the odd page
    cop0_trap(&mut v, &mut h, "tlbp");
    assert_eq!(read_cp0(&v, cp0::INDEX), 7);
    v.cp0.write(cp0::ENTRY_HI, 0x0040_6006).unwrap(); // other ASID, entry not global
    cop0_trap(&mut v, &mut h, "tlbp");
    assert_eq!(read_cp0(&v, cp0::INDEX) & 0x8000_0000, 0x8000_0000);
    // Writing an entry that was never valid displaces nothing.
    assert!(v.mmu.calls.iter().all(|c| !matches!(c, MemCall::Invalidate(_))));
    assert!(h.flushed.is_empty());
}

#[test]
fn overwriting_a_valid_entry_invalidates_its_range_in_the_tables_and_host_tlb() {
    let (mut v, mut h) = kernel();
    stage_16k_pair(&mut v, 7);
    cop0_trap(&mut v, &mut h, "tlbwi");
    // Entry 7 again, now a 4 KiB pair elsewhere: the old 32 KiB pair of ASID 5 goes.
    v.cp0.write(cp0::ENTRY_HI, 0x0100_0005).unwrap();
    v.cp0.write(cp0::PAGE_MASK, 0).unwrap();
    cop0_trap(&mut v, &mut h, "tlbwi");
    let old = VaRange { start: 0x0040_0000, len: 0x8000 };
    assert_eq!(v.mmu.calls, [MemCall::Invalidate(Displaced { range: old, asid: 5, global: false })]);
    assert_eq!(h.flushed, [old]);
}

#[test]
fn tlbwr_writes_entry_random_and_invalidates_what_it_displaced() {
    // PRA: Random starts at the top entry (63) and stays within Wired..=63.
    let (mut v, mut h) = kernel();
    stage_16k_pair(&mut v, 0);
    cop0_trap(&mut v, &mut h, "tlbwr");
    assert_eq!(v.tlb.read(63).unwrap().entry_hi.0, 0x0040_0005);
    assert_eq!(read_cp0(&v, cp0::RANDOM), 62);
    v.cp0.write(cp0::WIRED, 63).unwrap(); // Random back to 63, and stays there
    v.cp0.write(cp0::ENTRY_HI, 0x0200_0001).unwrap();
    cop0_trap(&mut v, &mut h, "tlbwr");
    assert_eq!(h.flushed, [VaRange { start: 0x0040_0000, len: 0x8000 }]);
}

#[test]
fn tlbr_loads_the_entry_and_an_asid_change_reaches_the_mmu() {
    // MD00086 TLBR: PageMask, EntryHi, EntryLo0/1 <- TLB[Index] (EntryHi's ASID included).
    let (mut v, mut h) = kernel();
    stage_16k_pair(&mut v, 9);
    cop0_trap(&mut v, &mut h, "tlbwi");
    v.cp0.write(cp0::ENTRY_HI, 0x0000_0002).unwrap();
    v.cp0.write(cp0::PAGE_MASK, 0).unwrap();
    v.mmu.calls.clear();
    cop0_trap(&mut v, &mut h, "tlbr");
    assert_eq!(read_cp0(&v, cp0::ENTRY_HI), 0x0040_0005);
    assert_eq!(read_cp0(&v, cp0::PAGE_MASK), 0x6000);
    assert_eq!(read_cp0(&v, cp0::ENTRY_LO1), (0x104 << 6) | (3 << 3) | EntryLo::V.bits());
    assert_eq!(v.mmu.calls, [MemCall::AsidChanged { old: 2, new: 5 }]);
    assert_eq!(v.regs.pc, PC + 4);
}

#[test]
fn overlapping_entries_are_logged_and_the_write_stands() {
    // PRA: two matching entries are a machine-check condition; like QEMU the
    // monitor keeps running, and lookups take the lower index.
    let (mut v, mut h) = kernel();
    stage_16k_pair(&mut v, 1);
    cop0_trap(&mut v, &mut h, "tlbwi");
    v.cp0.write(cp0::INDEX, 2).unwrap();
    cop0_trap(&mut v, &mut h, "tlbwi");
    assert_eq!(v.tlb.read(2).unwrap().entry_hi.0, 0x0040_0005);
    assert_eq!(logged(&h).len(), 1);
    assert!(h.log[0].contains("overlap"), "{}", h.log[0]);
    assert!(!status_of(&v).contains(Status::EXL), "nothing delivered");
}
