//! The guest's TLB, kept in software: MIPS32r2 joint TLB entries that map an
//! even/odd pair of pages, matched the way the architecture matches them.
//!
//! Rules (MIPS32 PRA MD00090, "TLB" and the TLB instructions in MD00086):
//! - An entry matches an address when VPN2 agrees outside the entry's
//!   PageMask, and either the entry is global or its ASID equals the current
//!   one. The entry's G is EntryLo0.G AND EntryLo1.G at write time.
//! - The address bit just above the page offset selects the even (EntryLo0) or
//!   odd (EntryLo1) half.
//! - Two entries that could match the same address are the architecture's
//!   machine-check condition; writes report it, lookups take the lowest index.
//!
//! Choices where the architecture leaves the implementation free, made as
//! QEMU makes them so the native reference and the monitor agree: VPN2 bits
//! under the mask are kept as written (TLBR returns them), PFN bits under the
//! mask are dropped at write time. Guest physical addresses are 32 bits wide,
//! as on a 24K (EntryLo PFN bits above 25 do not exist).
//!
//! Reset contents are UNDEFINED architecturally; here every entry is invalid,
//! non-global and unique, at VPN2 0xA0000000 + index * 8 KiB: guest KSEG1,
//! which no mapped access can reach and which Linux's own "unique EntryHi"
//! values (0x80000000 upwards) never meet, so neither a guest lookup nor a
//! later guest write can collide with them.

use crate::cp0::fields::{EntryHi, EntryLo, PageMask};

pub use super::model::{MAX_TLB_ENTRIES, MIN_TLB_ENTRIES};

/// Host pages are 4 KiB.
pub const HOST_PAGE_SIZE: u32 = 1 << 12;

/// EntryLo bits a 24K implements: PFN for a 32-bit physical address (25:6), C, D, V, G.
pub const ENTRY_LO_WRITE_MASK: u32 = 0x03ff_ffff;

/// One page of an even/odd pair, from 4 KiB to 256 MiB in steps of four.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageSize {
    K4,
    K16,
    K64,
    K256,
    M1,
    M4,
    M16,
    M64,
    M256,
}

impl PageSize {
    pub const ALL: [PageSize; 9] = [
        PageSize::K4,
        PageSize::K16,
        PageSize::K64,
        PageSize::K256,
        PageSize::M1,
        PageSize::M4,
        PageSize::M16,
        PageSize::M64,
        PageSize::M256,
    ];

    /// log2 of the page size in bytes: 12, 14, ..., 28.
    pub const fn shift(self) -> u32 {
        12 + 2 * self as u32
    }

    pub const fn bytes(self) -> u32 {
        1 << self.shift()
    }

    /// The PageMask value selecting this size (16 KiB: 0x6000).
    pub const fn page_mask(self) -> PageMask {
        PageMask(((self.bytes() << 1) - 1) & !0x1fff)
    }

    /// The size a legal PageMask value selects, `None` for an illegal one.
    pub fn from_page_mask(mask: PageMask) -> Option<Self> {
        Self::ALL.into_iter().find(|size| size.page_mask() == mask)
    }
}

/// One guest TLB entry, as TLBWI/TLBWR stored it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TlbEntry {
    /// VPN2 (bits under the mask kept as written) and ASID.
    pub entry_hi: EntryHi,
    pub page_size: PageSize,
    /// EntryLo0 (even page) and EntryLo1 (odd page), G clear, PFN bits under
    /// the mask clear.
    pub lo: [EntryLo; 2],
    /// EntryLo0.G AND EntryLo1.G at write time.
    pub global: bool,
}

impl TlbEntry {
    /// Builds the entry TLBWI/TLBWR would store from the CP0 registers.
    /// An illegal `page_mask` is taken as 4 KiB (VirtualCp0 never holds one).
    pub fn from_registers(entry_hi: EntryHi, page_mask: PageMask, lo0: EntryLo, lo1: EntryLo) -> Self {
        let page_size = PageSize::from_page_mask(page_mask).unwrap_or(PageSize::K4);
        let pfn_under_mask = (page_size.bytes() >> 12) - 1;
        let stored = |lo: EntryLo| {
            let lo = EntryLo::from_bits_retain(lo.bits() & ENTRY_LO_WRITE_MASK);
            lo.with_pfn(lo.pfn() & !pfn_under_mask).difference(EntryLo::G)
        };
        TlbEntry {
            entry_hi: EntryHi(entry_hi.0 & (EntryHi::VPN2_MASK | EntryHi::ASID_MASK)),
            page_size,
            lo: [stored(lo0), stored(lo1)],
            global: lo0.contains(EntryLo::G) && lo1.contains(EntryLo::G),
        }
    }

    /// What TLBR loads: EntryHi, PageMask, and both EntryLo with the entry's
    /// single G bit written back into each (MD00086, TLBR).
    pub fn to_registers(&self) -> (EntryHi, PageMask, EntryLo, EntryLo) {
        let g = if self.global { EntryLo::G } else { EntryLo::empty() };
        (self.entry_hi, self.page_size.page_mask(), self.lo[0] | g, self.lo[1] | g)
    }

    /// The virtual addresses the pair covers (ignoring ASID).
    pub fn va_range(&self) -> VaRange {
        let span = self.page_size.bytes() << 1;
        VaRange { start: self.entry_hi.vpn2_address() & !(span - 1), len: span }
    }

    pub fn asid(&self) -> u8 {
        self.entry_hi.asid()
    }

    /// Whether either half is valid, i.e. whether any translation came from it.
    pub fn maps_anything(&self) -> bool {
        self.lo.iter().any(|lo| lo.contains(EntryLo::V))
    }

    /// The architecture's match: VPN2 outside the mask, and G or equal ASID.
    pub fn matches(&self, va: u32, asid: u8) -> bool {
        self.va_range().contains(va) && (self.global || self.asid() == asid)
    }

    /// Whether some address and ASID would match both entries.
    fn overlaps(&self, other: &TlbEntry) -> bool {
        let (a, b) = (self.va_range(), other.va_range());
        let wider = if a.len >= b.len { a } else { b };
        let narrower = if a.len >= b.len { b } else { a };
        wider.contains(narrower.start) && (self.global || other.global || self.asid() == other.asid())
    }

    fn reset_value(index: usize) -> Self {
        TlbEntry {
            entry_hi: EntryHi(0xa000_0000 + (index as u32) * (2 * HOST_PAGE_SIZE)),
            page_size: PageSize::K4,
            lo: [EntryLo::empty(); 2],
            global: false,
        }
    }
}

/// A contiguous range of guest virtual addresses; `len` may reach 512 MiB,
/// and `start + len` may be 2^32, so ends are never computed in u32.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VaRange {
    pub start: u32,
    pub len: u32,
}

impl VaRange {
    pub fn contains(&self, va: u32) -> bool {
        va.wrapping_sub(self.start) < self.len
    }
}

/// What a TLB write overwrote, for invalidating the GVA tables and the host
/// TLB: exactly `range`, for `asid` only unless `global`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Displaced {
    pub range: VaRange,
    pub asid: u8,
    pub global: bool,
}

/// The result of TLBWI/TLBWR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlbWrite {
    pub index: usize,
    /// The old entry, if it had a valid half (an invalid one was never copied
    /// into any GVA table, so it needs no invalidation).
    pub displaced: Option<Displaced>,
    /// Another entry that matches some address the new one matches: the
    /// architecture's machine-check condition. The write has been done; the
    /// caller may deliver a Machine Check (QEMU does not) or carry on, in
    /// which case lookups take the lowest-numbered match.
    pub conflict: Option<usize>,
}

/// The TLB instruction named an entry the TLB does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexOutOfRange {
    pub index: u32,
    pub entries: usize,
}

/// The guest TLB's size is outside `MIN_TLB_ENTRIES..=MAX_TLB_ENTRIES`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadTlbSize(pub usize);

/// A successful translation of one guest virtual address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlbHit {
    pub index: usize,
    /// The odd page (EntryLo1) of the pair.
    pub odd: bool,
    pub gva: u32,
    pub guest_phys: u32,
    /// D: writes allowed; a store through a clean page is a TLB Modified.
    pub dirty: bool,
    pub cca: u8,
    pub page_size: PageSize,
    pub global: bool,
}

impl TlbHit {
    /// First guest virtual address of the guest page that was hit.
    pub fn page_gva(&self) -> u32 {
        self.gva & !(self.page_size.bytes() - 1)
    }

    /// First guest physical address of the guest page that was hit.
    pub fn page_guest_phys(&self) -> u32 {
        self.guest_phys & !(self.page_size.bytes() - 1)
    }

    /// The host page (4 KiB) holding `gva`, if `gva` lies in the hit's page.
    pub fn host_page(&self, gva: u32) -> Option<HostPage> {
        let offset = gva.wrapping_sub(self.page_gva());
        (offset < self.page_size.bytes()).then(|| HostPage {
            gva: gva & !(HOST_PAGE_SIZE - 1),
            guest_phys: (self.page_guest_phys() + offset) & !(HOST_PAGE_SIZE - 1),
        })
    }

    /// Every host 4 KiB page of the hit's guest page, in address order.
    pub fn host_pages(&self) -> HostPages {
        HostPages {
            gva: self.page_gva(),
            guest_phys: self.page_guest_phys(),
            remaining: self.page_size.bytes() / HOST_PAGE_SIZE,
        }
    }
}

/// One host-sized piece of a guest page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostPage {
    pub gva: u32,
    pub guest_phys: u32,
}

/// Iterator over the host pages of one guest page.
#[derive(Clone, Debug)]
pub struct HostPages {
    gva: u32,
    guest_phys: u32,
    remaining: u32,
}

impl Iterator for HostPages {
    type Item = HostPage;

    fn next(&mut self) -> Option<HostPage> {
        if self.remaining == 0 {
            return None;
        }
        let page = HostPage { gva: self.gva, guest_phys: self.guest_phys };
        self.remaining -= 1;
        self.gva = self.gva.wrapping_add(HOST_PAGE_SIZE);
        self.guest_phys = self.guest_phys.wrapping_add(HOST_PAGE_SIZE);
        Some(page)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining as usize, Some(self.remaining as usize))
    }
}

/// How the guest MMU answers an access to a mapped address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// No entry matches: the guest takes a TLB Refill.
    Miss,
    /// An entry matches but the half is not valid: a TLB Invalid.
    Invalid {
        index: usize,
        odd: bool,
    },
    Hit(TlbHit),
}

/// The guest's TLB.
#[derive(Clone, Debug)]
pub struct GuestTlb {
    entries: [TlbEntry; MAX_TLB_ENTRIES],
    len: usize,
}

impl GuestTlb {
    pub fn new(entries: usize) -> Result<Self, BadTlbSize> {
        if !(MIN_TLB_ENTRIES..=MAX_TLB_ENTRIES).contains(&entries) {
            return Err(BadTlbSize(entries));
        }
        Ok(GuestTlb { entries: core::array::from_fn(TlbEntry::reset_value), len: entries })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn entries(&self) -> &[TlbEntry] {
        &self.entries[..self.len]
    }

    pub fn read(&self, index: u32) -> Result<TlbEntry, IndexOutOfRange> {
        self.entries().get(index as usize).copied().ok_or(IndexOutOfRange { index, entries: self.len })
    }

    /// TLBP's search: the lowest entry matching EntryHi's VPN2 and ASID.
    pub fn probe(&self, entry_hi: EntryHi) -> Option<usize> {
        self.find(entry_hi.vpn2_address(), entry_hi.asid())
    }

    fn find(&self, va: u32, asid: u8) -> Option<usize> {
        self.entries().iter().position(|e| e.matches(va, asid))
    }

    /// Writes `entry` at `index`, reporting what it displaced and any conflict.
    pub fn write(&mut self, index: u32, entry: TlbEntry) -> Result<TlbWrite, IndexOutOfRange> {
        let slot = index as usize;
        if slot >= self.len {
            return Err(IndexOutOfRange { index, entries: self.len });
        }
        let old = core::mem::replace(&mut self.entries[slot], entry);
        let displaced = old.maps_anything().then(|| Displaced {
            range: old.va_range(),
            asid: old.asid(),
            global: old.global,
        });
        let conflict = self
            .entries()
            .iter()
            .enumerate()
            .find(|(i, other)| *i != slot && other.overlaps(&entry))
            .map(|(i, _)| i);
        Ok(TlbWrite { index: slot, displaced, conflict })
    }

    /// Translates `gva` for the guest's current ASID.
    pub fn lookup(&self, gva: u32, asid: u8) -> Lookup {
        let Some(index) = self.find(gva, asid) else {
            return Lookup::Miss;
        };
        let entry = &self.entries[index];
        let size = entry.page_size.bytes();
        let odd = gva & size != 0;
        let lo = entry.lo[odd as usize];
        if !lo.contains(EntryLo::V) {
            return Lookup::Invalid { index, odd };
        }
        Lookup::Hit(TlbHit {
            index,
            odd,
            gva,
            guest_phys: (lo.pfn() << 12) | (gva & (size - 1)),
            dirty: lo.contains(EntryLo::D),
            cca: lo.cca(),
            page_size: entry.page_size,
            global: entry.global,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: EntryLo = EntryLo::V;
    const D: EntryLo = EntryLo::D;
    const G: EntryLo = EntryLo::G;

    fn lo(pfn: u32, flags: EntryLo) -> EntryLo {
        flags.with_pfn(pfn).with_cca(3)
    }

    fn entry(vpn2: u32, asid: u8, size: PageSize, lo0: EntryLo, lo1: EntryLo) -> TlbEntry {
        TlbEntry::from_registers(EntryHi(vpn2 | asid as u32), size.page_mask(), lo0, lo1)
    }

    fn tlb() -> GuestTlb {
        GuestTlb::new(64).unwrap()
    }

    fn hit(l: Lookup) -> TlbHit {
        match l {
            Lookup::Hit(h) => h,
            other => panic!("expected a hit, got {other:?}"),
        }
    }

    #[test]
    fn page_sizes_and_their_masks() {
        // PRA PageMask table: 16 KiB 0x6000, 1 MiB 0x1FE000, 256 MiB 0x1FFFE000.
        assert_eq!(PageSize::K4.page_mask(), PageMask(0));
        assert_eq!(PageSize::K16.page_mask(), PageMask(0x6000));
        assert_eq!(PageSize::M1.page_mask(), PageMask(0x1f_e000));
        assert_eq!(PageSize::M256.page_mask(), PageMask(0x1fff_e000));
        assert_eq!(PageSize::from_page_mask(PageMask(0x7_e000)), Some(PageSize::K256));
        assert_eq!(PageSize::from_page_mask(PageMask(0x2000)), None);
        assert_eq!(PageSize::M256.bytes(), 256 << 20);
    }

    #[test]
    fn a_16k_pair_hits_both_halves_va_bit_14_selects_odd() {
        // 16 KiB pages: the pair spans 32 KiB, VA bit 14 picks EntryLo1,
        // the offset is VA bits 13:0.
        let mut t = tlb();
        t.write(3, entry(0x0040_0000, 5, PageSize::K16, lo(0x100, V | D), lo(0x206, V))).unwrap();
        let even = hit(t.lookup(0x0040_1234, 5));
        assert_eq!((even.index, even.odd, even.guest_phys, even.dirty), (3, false, 0x0010_1234, true));
        assert_eq!(even.page_size, PageSize::K16);
        assert_eq!(even.cca, 3);
        let odd = hit(t.lookup(0x0040_7ffc, 5));
        // PFN 0x206 loses bits 1:0, which lie under the mask: the page starts at 0x204000.
        assert_eq!((odd.odd, odd.guest_phys, odd.dirty), (true, 0x0020_7ffc, false));
        assert_eq!(t.lookup(0x0040_8000, 5), Lookup::Miss);
        assert_eq!(t.lookup(0x003f_fffc, 5), Lookup::Miss);
    }

    #[test]
    fn a_1m_pair_matches_on_va_bits_31_to_21() {
        // 1 MiB pages: PageMask 0x1FE000 ignores VA bits 20:13 in the compare,
        // so an EntryHi anywhere in the 2 MiB pair matches the same addresses.
        let mut t = tlb();
        t.write(0, entry(0x1012_3000 & !0x1fff, 1, PageSize::M1, lo(0x300, V), lo(0x4ff, V | D))).unwrap();
        let even = hit(t.lookup(0x1000_0004, 1));
        assert_eq!((even.odd, even.guest_phys), (false, 0x0030_0004));
        let odd = hit(t.lookup(0x101f_fff0, 1));
        assert_eq!((odd.odd, odd.guest_phys), (true, 0x004f_fff0));
        assert_eq!(t.lookup(0x1020_0000, 1), Lookup::Miss);
    }

    #[test]
    fn asid_must_match_unless_both_g_bits_were_set() {
        let mut t = tlb();
        t.write(0, entry(0x0000_2000, 7, PageSize::K4, lo(1, V), lo(2, V))).unwrap();
        assert!(matches!(t.lookup(0x2000, 7), Lookup::Hit(_)));
        assert_eq!(t.lookup(0x2000, 8), Lookup::Miss);
        // G = EntryLo0.G AND EntryLo1.G: one G bit alone is not global.
        t.write(1, entry(0x0000_4000, 7, PageSize::K4, lo(1, V | G), lo(2, V))).unwrap();
        assert_eq!(t.lookup(0x4000, 8), Lookup::Miss);
        t.write(2, entry(0x0000_6000, 7, PageSize::K4, lo(1, V | G), lo(2, V | G))).unwrap();
        let h = hit(t.lookup(0x7000, 200));
        assert!(h.global && h.odd);
    }

    #[test]
    fn matching_entry_with_v_clear_is_invalid_not_a_miss() {
        // PRA: a match with V = 0 raises TLB Invalid, not TLB Refill.
        let mut t = tlb();
        t.write(9, entry(0x6000_0000, 0, PageSize::K4, lo(5, V), lo(6, D))).unwrap();
        assert!(matches!(t.lookup(0x6000_0000, 0), Lookup::Hit(_)));
        assert_eq!(t.lookup(0x6000_1000, 0), Lookup::Invalid { index: 9, odd: true });
    }

    #[test]
    fn tlbr_view_writes_g_back_into_both_entrylo() {
        // MD00086 TLBR: both EntryLo G bits come from the entry's single G.
        let e = entry(0x0000_2000, 3, PageSize::K16, lo(0x10, V | G), lo(0x14, V | G));
        let (hi, mask, lo0, lo1) = e.to_registers();
        assert_eq!((hi, mask), (EntryHi(0x2003), PageMask(0x6000)));
        assert!(lo0.contains(G) && lo1.contains(G));
        let e = entry(0x0000_2000, 3, PageSize::K4, lo(0x10, V | G), lo(0x14, V));
        let (_, _, lo0, lo1) = e.to_registers();
        assert!(!lo0.contains(G) && !lo1.contains(G));
    }

    #[test]
    fn entry_keeps_only_the_bits_a_24k_implements() {
        // EntryHi bits 12:8 and EntryLo bits 31:26 do not exist.
        let e = TlbEntry::from_registers(
            EntryHi(0xffff_ffff),
            PageMask(0),
            EntryLo::from_bits_retain(0xffff_ffff),
            EntryLo::empty(),
        );
        assert_eq!(e.entry_hi, EntryHi(0xffff_e0ff));
        assert_eq!(e.lo[0].bits(), 0x03ff_fffe);
    }

    #[test]
    fn probe_finds_vpn2_and_asid_or_nothing() {
        let mut t = tlb();
        t.write(17, entry(0x0040_0000, 9, PageSize::K16, lo(1, V), lo(2, V))).unwrap();
        // VPN2 compare ignores EntryHi bits under the mask (here VA bit 14).
        assert_eq!(t.probe(EntryHi(0x0040_4009)), Some(17));
        assert_eq!(t.probe(EntryHi(0x0040_0008)), None);
        assert_eq!(t.probe(EntryHi(0x0040_8009)), None);
    }

    #[test]
    fn reset_entries_are_unique_invalid_and_out_of_the_guest_mapped_segments() {
        let t = tlb();
        for (i, a) in t.entries().iter().enumerate() {
            assert!(!a.maps_anything() && !a.global);
            assert!(t.entries()[i + 1..].iter().all(|b| !a.overlaps(b)));
            assert!(a.entry_hi.vpn2_address() >= 0xa000_0000 && a.entry_hi.vpn2_address() < 0xc000_0000);
        }
        assert_eq!(t.lookup(0x0000_0000, 0), Lookup::Miss);
        assert_eq!(t.lookup(0x6000_0000, 0), Lookup::Miss);
    }

    #[test]
    fn write_reports_the_displaced_pair_for_invalidation() {
        let mut t = tlb();
        // Overwriting a never-valid reset entry displaces nothing worth flushing.
        let w = t.write(4, entry(0x0040_0000, 9, PageSize::K16, lo(1, V), lo(2, EntryLo::empty()))).unwrap();
        assert_eq!(w, TlbWrite { index: 4, displaced: None, conflict: None });
        let w = t.write(4, entry(0x7000_0000, 1, PageSize::K4, lo(1, V), lo(2, V))).unwrap();
        let d = w.displaced.unwrap();
        assert_eq!(
            d,
            Displaced { range: VaRange { start: 0x0040_0000, len: 0x8000 }, asid: 9, global: false }
        );
        assert!(d.range.contains(0x0040_7fff) && !d.range.contains(0x0040_8000));
        assert_eq!(
            t.write(64, entry(0, 0, PageSize::K4, lo(0, V), lo(0, V))),
            Err(IndexOutOfRange { index: 64, entries: 64 })
        );
    }

    #[test]
    fn a_256m_pair_at_the_top_of_the_address_space_has_a_range_without_overflow() {
        let e = entry(0xe000_0000, 0, PageSize::M256, lo(0, V), lo(0, V));
        let r = e.va_range();
        assert_eq!(r, VaRange { start: 0xe000_0000, len: 0x2000_0000 });
        assert!(r.contains(0xffff_ffff) && !r.contains(0xdfff_ffff));
    }

    #[test]
    fn duplicate_matches_are_reported_as_the_machine_check_condition() {
        // PRA: an entry that matches an address another entry matches.
        let mut t = tlb();
        t.write(0, entry(0x0040_0000, 1, PageSize::M1, lo(0, V), lo(0, V))).unwrap();
        // A 4 KiB pair inside the 1 MiB pair, same ASID: conflict.
        let w = t.write(1, entry(0x0048_0000, 1, PageSize::K4, lo(0, V), lo(0, V))).unwrap();
        assert_eq!(w.conflict, Some(0));
        // Different ASIDs, neither global: no address matches both.
        let w = t.write(1, entry(0x0048_0000, 2, PageSize::K4, lo(0, V), lo(0, V))).unwrap();
        assert_eq!(w.conflict, None);
        // A global entry matches every ASID: conflict again.
        let w = t.write(1, entry(0x0048_0000, 2, PageSize::K4, lo(0, V | G), lo(0, V | G))).unwrap();
        assert_eq!(w.conflict, Some(0));
        // V bits do not matter: invalid duplicates still match.
        let w = t
            .write(2, entry(0x0040_0000, 1, PageSize::K4, lo(0, EntryLo::empty()), lo(0, EntryLo::empty())))
            .unwrap();
        assert_eq!(w.conflict, Some(0));
        // Rewriting the same slot is not a duplicate of itself; lookups take the lowest index.
        assert_eq!(hit(t.lookup(0x0048_0000, 1)).index, 0);
    }

    #[test]
    fn a_16k_hit_splits_into_four_host_pages() {
        let mut t = tlb();
        t.write(0, entry(0x0040_0000, 0, PageSize::K16, lo(0x100, V), lo(0x200, V))).unwrap();
        let h = hit(t.lookup(0x0040_6abc, 0));
        let pages: alloc::vec::Vec<HostPage> = h.host_pages().collect();
        assert_eq!(pages.len(), 4);
        assert_eq!(pages[0], HostPage { gva: 0x0040_4000, guest_phys: 0x0020_0000 });
        assert_eq!(pages[3], HostPage { gva: 0x0040_7000, guest_phys: 0x0020_3000 });
        assert_eq!(h.host_page(0x0040_6abc), Some(HostPage { gva: 0x0040_6000, guest_phys: 0x0020_2000 }));
        // The even page is not part of this hit.
        assert_eq!(h.host_page(0x0040_3000), None);
    }

    #[test]
    fn tlb_size_bounds() {
        assert_eq!(GuestTlb::new(15).err(), Some(BadTlbSize(15)));
        assert_eq!(GuestTlb::new(16).unwrap().len(), 16);
        assert_eq!(GuestTlb::new(65).err(), Some(BadTlbSize(65)));
        assert_eq!(GuestTlb::new(32).unwrap().len(), 32);
        assert_eq!(GuestTlb::new(32).unwrap().read(32), Err(IndexOutOfRange { index: 32, entries: 32 }));
    }
}
