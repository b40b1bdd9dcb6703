//! EntryLo0/EntryLo1 values for host TLB entries, and the words a GVA
//! table stores them in.
//!
//! Field layout (MIPS32 PRA MD00090 and MIPS64 PRA MD00091, "EntryLo0,
//! EntryLo1"): G bit 0, V bit 1, D bit 2, C bits 5:3, PFN bits 29:6 holding
//! physical address bits 35:12. Above bit 29 sit Fill, RI/XI (when
//! PageGrain enables them) and the large-physical-address extensions; the
//! monitor uses none of them, so an [`EntryLo`] keeps those bits zero and
//! its value means the same zero-extended into a 64-bit register.

use crate::cp0::fields::field;
use crate::mmu::aligned::ZeroableWord;
use crate::mmu::layout::PAGE_SIZE;
use crate::word::WordSize;
use core::fmt::Debug;

const G: u32 = 1 << 0;
const V: u32 = 1 << 1;
const D: u32 = 1 << 2;
const C_SHIFT: u32 = 3;
const C_BITS: u32 = 3;
const PFN_SHIFT: u32 = 6;
const PFN_BITS: u32 = 24;
/// EntryLo.PFN counts 4 KiB frames whatever the page size.
const PFN_UNIT_SHIFT: u32 = 12;
/// Bits 29:0: every field this type encodes.
const ENCODED_MASK: u32 = (1 << (PFN_SHIFT + PFN_BITS)) - 1;

// A host page must start on a PFN unit, or its EntryLo could not name it.
const _: () = assert!(PAGE_SIZE >= 1 << PFN_UNIT_SHIFT);

/// First physical address the PFN field cannot hold (2^36).
pub const HOST_PHYS_LIMIT: u64 = 1 << (PFN_BITS + PFN_UNIT_SHIFT);

/// Whether the mapping may be written: EntryLo.D.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// D clear: a store raises TLB Modified.
    ReadOnly,
    /// D set.
    ReadWrite,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryLoError {
    /// The physical address is not the start of a host page.
    MisalignedPhys(u64),
    /// The physical address is at or above [`HOST_PHYS_LIMIT`].
    PhysTooLarge(u64),
    /// A cache attribute does not fit the 3-bit C field.
    CcaOutOfRange(u8),
    /// Bits above 29 are set; this type does not encode them.
    UnencodedBits(u32),
}

/// One EntryLo value: what the refill handler writes into EntryLo0/1.
///
/// Zero ([`EntryLo::INVALID`]) is the invalid entry. Values built by
/// [`EntryLo::new`] are valid and never global.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EntryLo(u32);

impl EntryLo {
    /// V clear and nothing else: a refill of it raises TLB Invalid.
    pub const INVALID: EntryLo = EntryLo(0);

    /// A valid, non-global entry for the host page at `host_phys`.
    pub fn new(host_phys: u64, cca: u8, access: Access) -> Result<Self, EntryLoError> {
        if !host_phys.is_multiple_of(u64::from(PAGE_SIZE)) {
            return Err(EntryLoError::MisalignedPhys(host_phys));
        }
        if host_phys >= HOST_PHYS_LIMIT {
            return Err(EntryLoError::PhysTooLarge(host_phys));
        }
        if u32::from(cca) >= 1 << C_BITS {
            return Err(EntryLoError::CcaOutOfRange(cca));
        }
        let pfn = (host_phys >> PFN_UNIT_SHIFT) as u32;
        let dirty = match access {
            Access::ReadOnly => 0,
            Access::ReadWrite => D,
        };
        Ok(EntryLo(pfn << PFN_SHIFT | u32::from(cca) << C_SHIFT | dirty | V))
    }

    /// A raw EntryLo value, for instance one read back from a table.
    pub const fn from_bits(bits: u32) -> Result<Self, EntryLoError> {
        if bits & !ENCODED_MASK != 0 {
            return Err(EntryLoError::UnencodedBits(bits));
        }
        Ok(EntryLo(bits))
    }

    pub const fn bits(self) -> u32 {
        self.0
    }

    /// The page frame number: physical address >> 12.
    pub const fn pfn(self) -> u32 {
        field(self.0, PFN_SHIFT, PFN_BITS)
    }

    pub const fn host_phys(self) -> u64 {
        (self.pfn() as u64) << PFN_UNIT_SHIFT
    }

    /// The cache coherency attribute (`cp0::fields::cca`).
    pub const fn cca(self) -> u8 {
        field(self.0, C_SHIFT, C_BITS) as u8
    }

    pub const fn access(self) -> Access {
        if self.0 & D != 0 {
            Access::ReadWrite
        } else {
            Access::ReadOnly
        }
    }

    /// The same entry with D set or cleared.
    pub const fn with_access(self, access: Access) -> Self {
        match access {
            Access::ReadOnly => EntryLo(self.0 & !D),
            Access::ReadWrite => EntryLo(self.0 | D),
        }
    }

    pub const fn is_valid(self) -> bool {
        self.0 & V != 0
    }

    pub const fn is_global(self) -> bool {
        self.0 & G != 0
    }
}

impl Debug for EntryLo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "EntryLo({:#010x}: pfn {:#x} c {}", self.0, self.pfn(), self.cca())?;
        for (bit, name) in [(D, " D"), (V, " V"), (G, " G")] {
            if self.0 & bit != 0 {
                f.write_str(name)?;
            }
        }
        f.write_str(")")
    }
}

/// The word a page table stores an [`EntryLo`] in: `u32` on a MIPS32 host
/// (loaded with `lw`), `u64` on a MIPS64 host (loaded with `ld`).
pub trait PteWord: ZeroableWord + Eq + Debug {
    const WIDTH: WordSize;

    fn from_entry_lo(entry: EntryLo) -> Self;

    /// The entry this word holds; `Err` only for a word no [`EntryLo`]
    /// produced.
    fn to_entry_lo(self) -> Result<EntryLo, EntryLoError>;

    /// The word as stored, whatever it holds (for checking it).
    fn to_bits(self) -> u64;
}

impl PteWord for u32 {
    const WIDTH: WordSize = WordSize::W32;

    fn from_entry_lo(entry: EntryLo) -> Self {
        entry.bits()
    }

    fn to_entry_lo(self) -> Result<EntryLo, EntryLoError> {
        EntryLo::from_bits(self)
    }

    fn to_bits(self) -> u64 {
        u64::from(self)
    }
}

impl PteWord for u64 {
    const WIDTH: WordSize = WordSize::W64;

    /// Zero-extended: bits 63:30 (Fill, RI, XI) stay clear.
    fn from_entry_lo(entry: EntryLo) -> Self {
        u64::from(entry.bits())
    }

    fn to_entry_lo(self) -> Result<EntryLo, EntryLoError> {
        let low = u32::try_from(self).map_err(|_| EntryLoError::UnencodedBits((self >> 32) as u32))?;
        EntryLo::from_bits(low)
    }

    fn to_bits(self) -> u64 {
        self
    }
}

// Each PTE word is exactly as wide as the width it claims.
const _: () = assert!(core::mem::size_of::<u32>() == <u32 as PteWord>::WIDTH.bytes() as usize);
const _: () = assert!(core::mem::size_of::<u64>() == <u64 as PteWord>::WIDTH.bytes() as usize);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cp0::fields::cca;

    // Expected values below are assembled by hand from the PRA's EntryLo
    // layout: PFN 29:6, C 5:3, D 2, V 1, G 0.

    #[test]
    fn pra_field_positions_for_a_writable_cached_page() {
        let e = EntryLo::new(0x0123_4000, cca::CACHEABLE_NONCOHERENT_WB, Access::ReadWrite).unwrap();
        // PFN 0x1234 << 6 = 0x48d00; C 3 << 3 = 0x18; D 0x4; V 0x2.
        assert_eq!(e.bits(), 0x0004_8d1e);
        assert_eq!(e.pfn(), 0x1234);
        assert_eq!(e.host_phys(), 0x0123_4000);
        assert_eq!(e.cca(), 3);
        assert_eq!(e.access(), Access::ReadWrite);
        assert!(e.is_valid());
        assert!(!e.is_global());
    }

    #[test]
    fn pra_read_only_uncached_page_has_d_clear() {
        let e = EntryLo::new(0x1000, cca::UNCACHED, Access::ReadOnly).unwrap();
        // PFN 1 << 6 = 0x40; C 2 << 3 = 0x10; V 0x2.
        assert_eq!(e.bits(), 0x52);
        assert_eq!(e.access(), Access::ReadOnly);
        assert_eq!(e.with_access(Access::ReadWrite).bits(), 0x56);
        assert_eq!(e.with_access(Access::ReadWrite).with_access(Access::ReadOnly), e);
    }

    #[test]
    fn pra_pfn_field_holds_physical_bits_35_to_12() {
        // The top frame below 2^36 fills PFN (bits 29:6) and nothing above.
        let top = EntryLo::new(0xf_ffff_f000, 0, Access::ReadOnly).unwrap();
        assert_eq!(top.bits(), 0x3fff_ffc2);
        assert_eq!(top.host_phys(), 0xf_ffff_f000);
        assert_eq!(HOST_PHYS_LIMIT, 0x10_0000_0000);
        assert_eq!(
            EntryLo::new(0x10_0000_0000, 0, Access::ReadOnly),
            Err(EntryLoError::PhysTooLarge(0x10_0000_0000))
        );
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert_eq!(EntryLo::new(0x1234, 3, Access::ReadOnly), Err(EntryLoError::MisalignedPhys(0x1234)));
        assert_eq!(EntryLo::new(0x1000, 8, Access::ReadOnly), Err(EntryLoError::CcaOutOfRange(8)));
        // Bit 31 is RI on MIPS32 with PageGrain.RIE, Fill otherwise: not ours.
        assert_eq!(EntryLo::from_bits(0x8000_0002), Err(EntryLoError::UnencodedBits(0x8000_0002)));
    }

    #[test]
    fn invalid_is_zero_and_not_valid() {
        assert_eq!(EntryLo::INVALID.bits(), 0);
        assert!(!EntryLo::INVALID.is_valid());
        assert_eq!(EntryLo::from_bits(0), Ok(EntryLo::INVALID));
    }

    #[test]
    fn pte_words_hold_the_entry_zero_extended() {
        let e = EntryLo::new(0xf_ffff_f000, 7, Access::ReadWrite).unwrap();
        assert_eq!(u32::from_entry_lo(e), 0x3fff_fffe);
        assert_eq!(u64::from_entry_lo(e), 0x0000_0000_3fff_fffe);
        assert_eq!(u32::from_entry_lo(e).to_entry_lo(), Ok(e));
        assert_eq!(u64::from_entry_lo(e).to_entry_lo(), Ok(e));
        // Bit 63 is RI on MIPS64 with PageGrain.RIE: never written by us.
        assert!(matches!((1u64 << 63 | 2).to_entry_lo(), Err(EntryLoError::UnencodedBits(_))));
    }
}
