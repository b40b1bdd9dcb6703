//! TLBP, TLBR, TLBWI and TLBWR (MIPS32 ISA MD00086) between the virtual CP0
//! and the guest TLB.
//!
//! Random is modelled deterministically: it starts at the top entry, each
//! TLBWR writes the entry Random names and then moves Random one down,
//! wrapping from Wired back to the top. That is round-robin replacement over
//! the non-wired entries: always inside Wired..=entries-1 as the PRA requires,
//! never evicting the entry just written, and reproducible in tests. With
//! Wired at or above the TLB size (UNDEFINED in the PRA) Random stays at the
//! top entry.

use super::cp0::{VirtualCp0, WriteEffect};
use super::guest_tlb::{GuestTlb, IndexOutOfRange, TlbEntry, TlbWrite};
use crate::cp0::fields::Index;

impl VirtualCp0 {
    /// TLBP: Index = the matching entry, or Index.P set (other bits kept, as
    /// QEMU does; the PRA leaves them UNPREDICTABLE) when none matches.
    pub fn tlbp(&mut self, tlb: &GuestTlb) {
        self.index = match tlb.probe(self.entry_hi) {
            Some(i) => Index::from_bits_retain(i as u32),
            None => self.index | Index::P,
        };
    }

    /// TLBR: loads EntryHi, EntryLo0/1 and PageMask from entry Index. The ASID
    /// comes from the entry too, so the effect may be an ASID change.
    pub fn tlbr(&mut self, tlb: &GuestTlb) -> Result<WriteEffect, IndexOutOfRange> {
        let entry = tlb.read(self.index.index())?;
        let (entry_hi, page_mask, lo0, lo1) = entry.to_registers();
        self.page_mask = page_mask;
        self.entry_lo = [lo0, lo1];
        Ok(self.set_entry_hi(entry_hi))
    }

    /// TLBWI: writes entry Index from EntryHi, PageMask and EntryLo0/1.
    pub fn tlbwi(&self, tlb: &mut GuestTlb) -> Result<TlbWrite, IndexOutOfRange> {
        tlb.write(self.index.index(), self.staged_entry())
    }

    /// TLBWR: writes entry Random, then advances Random.
    pub fn tlbwr(&mut self, tlb: &mut GuestTlb) -> Result<TlbWrite, IndexOutOfRange> {
        let written = tlb.write(self.random, self.staged_entry())?;
        let top = self.model.tlb_entries() as u32 - 1;
        self.random = if self.random <= self.wired || self.wired > top { top } else { self.random - 1 };
        Ok(written)
    }

    fn staged_entry(&self) -> TlbEntry {
        TlbEntry::from_registers(self.entry_hi, self.page_mask, self.entry_lo[0], self.entry_lo[1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cp0;
    use crate::cp0::fields::{EntryHi, EntryLo};
    use crate::vcpu::guest_tlb::{Lookup, PageSize};
    use crate::vcpu::model::{Endianness, VcpuModel};

    fn machine() -> (VirtualCp0, GuestTlb) {
        let model = VcpuModel::kvm_24kc(Endianness::Little);
        (VirtualCp0::new(model), GuestTlb::new(model.tlb_entries()).unwrap())
    }

    fn stage(c: &mut VirtualCp0, hi: u32, mask: u32, lo0: u32, lo1: u32) {
        c.write(cp0::ENTRY_HI, hi).unwrap();
        c.write(cp0::PAGE_MASK, mask).unwrap();
        c.write(cp0::ENTRY_LO0, lo0).unwrap();
        c.write(cp0::ENTRY_LO1, lo1).unwrap();
    }

    fn read(c: &VirtualCp0, reg: cp0::Cp0Reg) -> u32 {
        c.read(reg, || 0).unwrap()
    }

    #[test]
    fn tlbwi_then_tlbp_finds_it_and_a_miss_sets_index_p() {
        let (mut c, mut t) = machine();
        stage(&mut c, 0x0040_0005, 0x6000, (0x100 << 6) | 0b110, (0x104 << 6) | 0b110);
        c.write(cp0::INDEX, 12).unwrap();
        c.tlbwi(&mut t).unwrap();
        c.write(cp0::INDEX, 0).unwrap();
        c.write(cp0::ENTRY_HI, 0x0040_4005).unwrap();
        c.tlbp(&t);
        assert_eq!(read(&c, cp0::INDEX), 12);
        // MD00086 TLBP: no match sets Index.P (bit 31).
        c.write(cp0::ENTRY_HI, 0x0040_4006).unwrap();
        c.tlbp(&t);
        assert_eq!(read(&c, cp0::INDEX), 0x8000_000c);
        // A later MTC0 Index cannot clear P: it is read-only.
        c.write(cp0::INDEX, 3).unwrap();
        assert_eq!(read(&c, cp0::INDEX), 0x8000_0003);
    }

    #[test]
    fn tlbr_returns_the_entry_with_g_in_both_entrylo_and_reports_the_asid() {
        let (mut c, mut t) = machine();
        // Both G bits set: the entry is global.
        stage(&mut c, 0x6000_0007, 0x6000, (0x200 << 6) | 0b111, (0x204 << 6) | 0b011);
        c.write(cp0::INDEX, 1).unwrap();
        c.tlbwi(&mut t).unwrap();
        stage(&mut c, 0x0000_0002, 0, 0, 0);
        assert_eq!(c.tlbr(&t), Ok(WriteEffect::EntryHiAsidChanged { old: 2, new: 7 }));
        assert_eq!(read(&c, cp0::ENTRY_HI), 0x6000_0007);
        assert_eq!(read(&c, cp0::PAGE_MASK), 0x6000);
        assert_eq!(read(&c, cp0::ENTRY_LO0), (0x200 << 6) | 0b111);
        assert_eq!(read(&c, cp0::ENTRY_LO1), (0x204 << 6) | 0b011);
        // Only one G bit set: the entry is not global, and TLBR returns G clear in both.
        stage(&mut c, 0x6000_8007, 0, (0x300 << 6) | 0b011, (0x301 << 6) | 0b010);
        c.tlbwi(&mut t).unwrap();
        c.tlbr(&t).unwrap();
        assert_eq!(read(&c, cp0::ENTRY_LO0) & EntryLo::G.bits(), 0);
        assert_eq!(read(&c, cp0::ENTRY_LO1) & EntryLo::G.bits(), 0);
    }

    #[test]
    fn tlbwi_beyond_the_tlb_is_refused() {
        let model = VcpuModel::kvm_24kc(Endianness::Little).with_tlb_entries(48).unwrap();
        let (mut c, mut t) = (VirtualCp0::new(model), GuestTlb::new(48).unwrap());
        c.write(cp0::INDEX, 50).unwrap();
        assert_eq!(c.tlbwi(&mut t), Err(IndexOutOfRange { index: 50, entries: 48 }));
        assert_eq!(c.tlbr(&t), Err(IndexOutOfRange { index: 50, entries: 48 }));
    }

    #[test]
    fn tlbwr_stays_within_wired_and_the_top_entry() {
        // PRA: Random ranges over Wired..=entries-1; writing Wired resets it to the top.
        let (mut c, mut t) = machine();
        c.write(cp0::WIRED, 60).unwrap();
        let mut written = alloc::vec::Vec::new();
        for n in 0..9u32 {
            stage(&mut c, 0x1000_0000 + n * 0x2000, 0, 0b010, 0b010);
            let w = c.tlbwr(&mut t).unwrap();
            written.push(w.index);
            assert!((60..=63).contains(&read(&c, cp0::RANDOM)));
        }
        assert_eq!(written, [63, 62, 61, 60, 63, 62, 61, 60, 63]);
        // The wired entries below 60 were never touched.
        assert!(t.entries()[..60].iter().all(|e| !e.maps_anything()));
        assert!(matches!(t.lookup(0x1001_0000, 0), Lookup::Hit(_)));
    }

    #[test]
    fn tlbwr_reports_what_it_displaced() {
        let (mut c, mut t) = machine();
        c.write(cp0::WIRED, 63).unwrap();
        stage(&mut c, 0x0040_0001, 0x6000, 0b010, 0);
        assert_eq!(c.tlbwr(&mut t).unwrap().displaced, None);
        stage(&mut c, 0x0080_0001, 0, 0b010, 0);
        let w = c.tlbwr(&mut t).unwrap();
        assert_eq!(w.index, 63);
        let d = w.displaced.unwrap();
        assert_eq!((d.range.start, d.range.len, d.asid, d.global), (0x0040_0000, 0x8000, 1, false));
    }

    #[test]
    fn staged_entry_uses_the_legalized_page_mask() {
        let (mut c, mut t) = machine();
        stage(&mut c, 0x0040_0000, 0x1f_e000, 0b010, 0b010);
        c.write(cp0::INDEX, 0).unwrap();
        c.tlbwi(&mut t).unwrap();
        assert_eq!(t.read(0).unwrap().page_size, PageSize::M1);
        assert_eq!(t.read(0).unwrap().entry_hi, EntryHi(0x0040_0000));
    }
}
