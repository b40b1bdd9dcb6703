//! The isolation invariant as rules the monitor can check after every exit
//! (`check=isolation`): every host TLB entry and every GVA-table PTE maps
//! only the guest's RAM window or a device page the device policy lets a
//! guest map; and the monitor's image and vectors keep their checksums.

use core::fmt;
use core::ops::Range;

use crate::mmu::entrylo::EntryLo;
use crate::mmu::gva::GVA_LIMIT;
use crate::mmu::layout::PAGE_SIZE;

/// EntryLo.V and EntryLo.G, as TLBR reads them.
const ENTRY_LO_V: u64 = 1 << 1;
const ENTRY_LO_G: u64 = 1 << 0;
/// EntryHi.VPN2: a pair of 4 KiB pages.
const VPN2_MASK: u64 = !0x1fff;

/// Where a guest mapping may point.
#[derive(Clone, Debug)]
pub struct Rules {
    /// The guest's RAM window in host-physical addresses.
    pub guest_ram: Range<u64>,
    /// The device policy's answer for one host-physical page.
    pub device_page_allowed: fn(u64) -> bool,
}

/// Why one mapping breaks the invariant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// The page is neither guest RAM nor an allowed device page.
    OutsideGuest,
    /// G set: the entry would match in every address space.
    Global,
    /// PageMask is not 4 KiB pages: the entry reaches beyond the page checked.
    PageMask(u64),
    /// A valid mapping of a guest-virtual address the GVA tables never cover.
    VirtualOutOfRange,
    /// PTE bits the monitor never writes (above EntryLo.PFN).
    UnknownBits,
    /// Tagged with id 0, the monitor's ASID or MMID, which no guest table has.
    MonitorSpace,
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::OutsideGuest => {
                write!(f, "maps a page outside guest RAM that the device policy does not allow")
            }
            Why::Global => write!(f, "is global (EntryLo.G)"),
            Why::PageMask(mask) => write!(f, "has PageMask {mask:#x}, not 4 KiB pages"),
            Why::VirtualOutOfRange => write!(f, "maps a virtual address above the guest's GVA range"),
            Why::UnknownBits => write!(f, "has bits the monitor never sets"),
            Why::MonitorSpace => write!(f, "is tagged with the monitor's ASID/MMID 0"),
        }
    }
}

/// One broken mapping: its virtual address, its physical page, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Violation {
    pub va: u64,
    pub pa: u64,
    pub why: Why,
}

impl Rules {
    /// Whether a guest mapping may reach the host page at `pa`.
    pub fn page_allowed(&self, pa: u64) -> bool {
        let in_ram = self.guest_ram.start <= pa
            && pa.checked_add(PAGE_SIZE as u64).is_some_and(|end| end <= self.guest_ram.end);
        in_ram || (self.device_page_allowed)(pa)
    }

    /// Checks one host TLB entry as TLBR reads it. Entries with both
    /// halves invalid map nothing and always pass.
    pub fn check_tlb_entry(&self, entry_hi: u64, page_mask: u64, lo: [u64; 2]) -> Result<(), Violation> {
        let pair_va = entry_hi & VPN2_MASK;
        for (half, &bits) in lo.iter().enumerate() {
            if bits & ENTRY_LO_V == 0 {
                continue;
            }
            let va = pair_va + half as u64 * PAGE_SIZE as u64;
            let pa = entry_lo_phys(bits);
            let fail = |why| Err(Violation { va, pa, why });
            if page_mask != 0 {
                return fail(Why::PageMask(page_mask));
            }
            if bits & ENTRY_LO_G != 0 {
                return fail(Why::Global);
            }
            if va >= GVA_LIMIT as u64 {
                return fail(Why::VirtualOutOfRange);
            }
            if !self.page_allowed(pa) {
                return fail(Why::OutsideGuest);
            }
        }
        Ok(())
    }

    /// Checks the address-space id (ASID, or MMID with MemoryMapIDs on) of
    /// one host TLB entry: a valid one is never under the monitor's id 0.
    pub fn check_tlb_space(&self, entry_hi: u64, lo: [u64; 2], id: u32) -> Result<(), Violation> {
        let pair_va = entry_hi & VPN2_MASK;
        match lo.iter().position(|bits| bits & ENTRY_LO_V != 0) {
            Some(half) if id == 0 => Err(Violation {
                va: pair_va + half as u64 * PAGE_SIZE as u64,
                pa: entry_lo_phys(lo[half]),
                why: Why::MonitorSpace,
            }),
            _ => Ok(()),
        }
    }

    /// Checks one GVA-table PTE word (zero means no mapping).
    pub fn check_pte(&self, gva: u32, word: u64) -> Result<(), Violation> {
        if word == 0 {
            return Ok(());
        }
        let va = gva as u64;
        let pa = entry_lo_phys(word);
        let fail = |why| Err(Violation { va, pa, why });
        let Ok(pte) = u32::try_from(word).map_err(drop).and_then(|w| EntryLo::from_bits(w).map_err(drop))
        else {
            return fail(Why::UnknownBits);
        };
        if pte.is_global() {
            return fail(Why::Global);
        }
        if gva >= GVA_LIMIT {
            return fail(Why::VirtualOutOfRange);
        }
        if pte.is_valid() && !self.page_allowed(pa) {
            return fail(Why::OutsideGuest);
        }
        Ok(())
    }
}

/// The physical page an EntryLo names (PFN bits 29:6 count 4 KiB frames).
fn entry_lo_phys(bits: u64) -> u64 {
    ((bits >> 6) & 0xff_ffff) << 12
}

/// A word checksum of a memory range, position-dependent so swapped words
/// count as a change (Fletcher-style pair of sums). 32-bit sums: the check
/// runs after every exit on 32-bit hosts, where 64-bit adds cost double.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checksum {
    sum: u32,
    weighted: u32,
}

impl Checksum {
    pub fn add(&mut self, words: &[u32]) {
        for &word in words {
            self.sum = self.sum.wrapping_add(word);
            self.weighted = self.weighted.wrapping_add(self.sum);
        }
    }

    pub fn of(words: &[u32]) -> Self {
        let mut checksum = Checksum::default();
        checksum.add(words);
        checksum
    }
}

/// A range checked a slice at a time: each call to [`SlicedChecksum::step`]
/// checks the next `slice_words` words against the checksum taken at the start.
#[derive(Clone, Debug)]
pub struct SlicedChecksum {
    expected: alloc::vec::Vec<Checksum>,
    slice_words: usize,
    next: usize,
}

impl SlicedChecksum {
    /// Records the checksum of each `slice_words` slice of `words`.
    pub fn record(words: &[u32], slice_words: usize) -> Self {
        let slice_words = slice_words.max(1);
        SlicedChecksum {
            expected: words.chunks(slice_words).map(Checksum::of).collect(),
            slice_words,
            next: 0,
        }
    }

    /// Checks the next slice of `words` (the same range as recorded);
    /// returns the word offset of a changed slice.
    pub fn step(&mut self, words: &[u32]) -> Result<(), usize> {
        let Some(expected) = self.expected.get(self.next) else { return Ok(()) };
        let start = self.next * self.slice_words;
        let end = (start + self.slice_words).min(words.len());
        let result =
            if words.get(start..end).map(Checksum::of) == Some(*expected) { Ok(()) } else { Err(start) };
        self.next = (self.next + 1) % self.expected.len();
        result
    }

    /// Steps through every slice once.
    pub fn check_all(&mut self, words: &[u32]) -> Result<(), usize> {
        self.next = 0;
        for _ in 0..self.expected.len() {
            self.step(words)?;
        }
        Ok(())
    }

    pub fn slices(&self) -> usize {
        self.expected.len()
    }
}

/// What a test plant of `isolation_plant=` breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plant {
    Tlb,
    Pte,
    Rodata,
    Vectors,
}

impl Plant {
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "tlb" => Some(Plant::Tlb),
            "pte" => Some(Plant::Pte),
            "rodata" => Some(Plant::Rodata),
            "vectors" => Some(Plant::Vectors),
            _ => None,
        }
    }
}

/// How often the expensive parts run, in guest exits.
pub const FULL_TABLE_WALK_EVERY: u64 = 1024;

#[cfg(test)]
mod tests {
    use super::*;

    const RAM: Range<u64> = 0x0200_0000..0x0600_0000;

    fn no_devices(_: u64) -> bool {
        false
    }

    fn uart_only(pa: u64) -> bool {
        pa == 0x1f00_0000
    }

    fn rules() -> Rules {
        Rules { guest_ram: RAM, device_page_allowed: no_devices }
    }

    fn lo(pa: u64) -> u64 {
        EntryLo::new(pa, 3, crate::mmu::entrylo::Access::ReadWrite).unwrap().bits() as u64
    }

    #[test]
    fn a_ram_pair_passes() {
        assert_eq!(rules().check_tlb_entry(0x0040_0000 | 5, 0, [lo(0x0200_0000), lo(0x05ff_f000)]), Ok(()));
    }

    #[test]
    fn invalid_entries_pass_wherever_they_sit() {
        // The monitor parks invalid entries at unique KSEG0 VPN2s.
        assert_eq!(rules().check_tlb_entry(0xffff_ffff_8000_2000, 0, [0, 0]), Ok(()));
        assert_eq!(rules().check_tlb_entry(0x8000_2000, 0x1fe000, [lo(0) & !ENTRY_LO_V, 0]), Ok(()));
    }

    #[test]
    fn a_page_below_the_window_is_outside() {
        let v = rules().check_tlb_entry(0x2000, 0, [lo(0x0010_0000), 0]).unwrap_err();
        assert_eq!(v, Violation { va: 0x2000, pa: 0x0010_0000, why: Why::OutsideGuest });
    }

    #[test]
    fn the_odd_half_is_checked_too() {
        let v = rules().check_tlb_entry(0x2000, 0, [lo(0x0200_0000), lo(0x0600_0000)]).unwrap_err();
        assert_eq!((v.va, v.pa, v.why), (0x3000, 0x0600_0000, Why::OutsideGuest));
    }

    #[test]
    fn the_last_ram_page_is_inside_and_the_next_outside() {
        assert!(rules().page_allowed(RAM.end - 0x1000));
        assert!(!rules().page_allowed(RAM.end));
        assert!(!rules().page_allowed(RAM.start - 0x1000));
    }

    #[test]
    fn a_valid_entry_under_the_monitors_id_is_refused() {
        let v = rules().check_tlb_space(0x0040_0000, [0, lo(0x0200_0000)], 0).unwrap_err();
        assert_eq!(v, Violation { va: 0x0040_1000, pa: 0x0200_0000, why: Why::MonitorSpace });
        assert_eq!(rules().check_tlb_space(0x0040_0000, [lo(0x0200_0000), 0], 0x1234), Ok(()));
        assert_eq!(rules().check_tlb_space(0x8000_2000, [0, 0], 0), Ok(()), "invalid entries carry id 0");
    }

    #[test]
    fn a_global_entry_is_refused() {
        let v = rules().check_tlb_entry(0x2000, 0, [lo(0x0200_0000) | ENTRY_LO_G, 0]).unwrap_err();
        assert_eq!(v.why, Why::Global);
    }

    #[test]
    fn a_large_page_is_refused() {
        let v = rules().check_tlb_entry(0x0, 0x1fe000, [lo(0x0200_0000), 0]).unwrap_err();
        assert_eq!(v.why, Why::PageMask(0x1fe000));
    }

    #[test]
    fn a_valid_entry_in_kseg0_is_refused() {
        let v = rules().check_tlb_entry(0xffff_ffff_8000_0000, 0, [lo(0x0200_0000), 0]).unwrap_err();
        assert_eq!(v.why, Why::VirtualOutOfRange);
        let v = rules().check_tlb_entry(0x8000_0000, 0, [lo(0x0200_0000), 0]).unwrap_err();
        assert_eq!(v.why, Why::VirtualOutOfRange);
        // MIPS64 xuseg above 4 GiB.
        let v = rules().check_tlb_entry(0x1_0000_2000, 0, [lo(0x0200_0000), 0]).unwrap_err();
        assert_eq!(v.why, Why::VirtualOutOfRange);
    }

    #[test]
    fn a_device_page_passes_only_if_the_policy_allows_it() {
        assert!(rules().check_tlb_entry(0x2000, 0, [lo(0x1f00_0000), 0]).is_err());
        let with_uart = Rules { device_page_allowed: uart_only, ..rules() };
        assert_eq!(with_uart.check_tlb_entry(0x2000, 0, [lo(0x1f00_0000), 0]), Ok(()));
        assert!(with_uart.check_tlb_entry(0x2000, 0, [lo(0x1f00_1000), 0]).is_err());
    }

    #[test]
    fn the_highest_pfn_is_outside_a_low_window() {
        let v = rules().check_tlb_entry(0x2000, 0, [0x3fff_ffc0 | ENTRY_LO_V, 0]).unwrap_err();
        assert_eq!((v.pa, v.why), (0xf_ffff_f000, Why::OutsideGuest));
    }

    #[test]
    fn ptes_follow_the_same_rules() {
        assert_eq!(rules().check_pte(0x1000, 0), Ok(()));
        assert_eq!(rules().check_pte(0x1000, lo(0x0300_0000)), Ok(()));
        assert_eq!(rules().check_pte(0x1000, lo(0x0010_0000)).unwrap_err().why, Why::OutsideGuest);
        assert_eq!(rules().check_pte(0x1000, lo(0x0300_0000) | ENTRY_LO_G).unwrap_err().why, Why::Global);
    }

    #[test]
    fn a_pte_with_bits_above_the_pfn_is_refused() {
        assert_eq!(rules().check_pte(0x1000, lo(0x0300_0000) | 1 << 31).unwrap_err().why, Why::UnknownBits);
        assert_eq!(rules().check_pte(0x1000, lo(0x0300_0000) | 1 << 40).unwrap_err().why, Why::UnknownBits);
    }

    #[test]
    fn a_pte_past_the_gva_limit_is_refused() {
        assert_eq!(rules().check_pte(GVA_LIMIT, lo(0x0300_0000)).unwrap_err().why, Why::VirtualOutOfRange);
    }

    #[test]
    fn the_checksum_sees_a_changed_word_and_a_swap() {
        let words = [1, 2, 3, 4];
        assert_ne!(Checksum::of(&words), Checksum::of(&[1, 2, 3, 5]));
        assert_ne!(Checksum::of(&words), Checksum::of(&[2, 1, 3, 4]));
        assert_eq!(Checksum::of(&words), Checksum::of(&[1, 2, 3, 4]));
    }

    #[test]
    fn slices_rotate_and_find_the_changed_one() {
        let mut words: alloc::vec::Vec<u32> = (0..100).collect();
        let mut sliced = SlicedChecksum::record(&words, 32);
        assert_eq!(sliced.slices(), 4);
        for _ in 0..8 {
            assert_eq!(sliced.step(&words), Ok(()));
        }
        words[70] ^= 1;
        let found: alloc::vec::Vec<_> = (0..4).map(|_| sliced.step(&words)).collect();
        assert_eq!(found, [Ok(()), Ok(()), Err(64), Ok(())]);
        assert_eq!(sliced.check_all(&words), Err(64));
    }

    #[test]
    fn a_short_last_slice_is_checked() {
        let mut words: alloc::vec::Vec<u32> = (0..33).collect();
        let mut sliced = SlicedChecksum::record(&words, 32);
        words[32] = 0;
        assert_eq!(sliced.check_all(&words), Err(32));
    }

    #[test]
    fn an_empty_range_always_passes() {
        let mut sliced = SlicedChecksum::record(&[], 32);
        assert_eq!(sliced.step(&[]), Ok(()));
        assert_eq!(sliced.check_all(&[]), Ok(()));
    }

    #[test]
    fn plants_parse() {
        assert_eq!(Plant::parse("tlb"), Some(Plant::Tlb));
        assert_eq!(Plant::parse("vectors"), Some(Plant::Vectors));
        assert_eq!(Plant::parse("TLB"), None);
    }
}
