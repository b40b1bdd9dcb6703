//! The generator: small emitters, one per step of the walk.

use alloc::vec::Vec;
use core::fmt;

use super::{RefillTarget, RootSource, Scratch};
use crate::cp0::{self, Cp0Reg};
use crate::mmu::layout::{LEAF_INDEX_BITS, PAGE_SHIFT, ROOT_ENTRIES, ROOT_SHIFT};
use crate::uasm::{AsmError, Assembler, Gpr};
use crate::word::WordSize;

/// The refill vector's room: 0x80 bytes, up to the XTLB refill vector.
pub const MAX_WORDS: usize = 0x80 / 4;

/// The handler's code and what the firmware reports about it at boot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefillHandler {
    pub words: Vec<u32>,
    pub report: RefillReport,
}

/// A one-line summary: `refill: 20 instructions, scratch KScratch1+KScratch2, root in KScratch3`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefillReport {
    pub instructions: usize,
    pub scratch: Scratch,
    pub root: RootSource,
}

impl fmt::Display for RefillReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |reg: Cp0Reg| reg.name().unwrap_or("?");
        let (k0, k1) = self.scratch.registers();
        write!(f, "refill: {} instructions, scratch {}+{}, ", self.instructions, name(k0), name(k1))?;
        match self.root {
            RootSource::KScratch(sel) => write!(f, "root in {}", name(Cp0Reg { reg: 31, sel })),
            // A sign-extended KSEG0 address reads best in its 32-bit form.
            RootSource::Absolute(address) if address as i32 as i64 as u64 == address => {
                write!(f, "root at {:#010x}", address as u32)
            }
            RootSource::Absolute(address) => write!(f, "root at {address:#x}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefillError {
    /// KScratch registers are CP0 31 selects 2..=7.
    NoSuchKScratch(u8),
    /// Two roles (k0, k1, root) were given the same KScratch select.
    KScratchShared(u8),
    /// The root pointer's address is not reachable with `lui` + a 16-bit offset.
    RootAddressUnreachable(u64),
    /// The handler does not fit the refill vector (cannot happen with the
    /// current layout; checked so a layout change cannot overflow silently).
    TooLong {
        words: usize,
    },
    Asm(AsmError),
}

impl From<AsmError> for RefillError {
    fn from(error: AsmError) -> Self {
        RefillError::Asm(error)
    }
}

/// Generates the refill handler for `target`; the words go at EBase + 0x000.
pub fn generate(target: &RefillTarget) -> Result<RefillHandler, RefillError> {
    check_kscratch_use(target)?;
    let mut a = Assembler::new(target.isa);
    save_guest_k(&mut a, target.scratch);
    load_root(&mut a, target.root)?;
    load_leaf(&mut a);
    point_at_pte_pair(&mut a);
    write_tlb_pair(&mut a, target.needs_ehb);
    restore_guest_k_and_return(&mut a, target.scratch);
    let words = a.finish()?;
    if words.len() > MAX_WORDS {
        return Err(RefillError::TooLong { words: words.len() });
    }
    let report = RefillReport { instructions: words.len(), scratch: target.scratch, root: target.root };
    Ok(RefillHandler { words, report })
}

fn check_kscratch_use(target: &RefillTarget) -> Result<(), RefillError> {
    let mut selects = Vec::new();
    if let Scratch::KScratch { k0_sel, k1_sel } = target.scratch {
        selects.extend([k0_sel, k1_sel]);
    }
    if let RootSource::KScratch(sel) = target.root {
        selects.push(sel);
    }
    for (i, &sel) in selects.iter().enumerate() {
        if !(2..=7).contains(&sel) {
            return Err(RefillError::NoSuchKScratch(sel));
        }
        if selects[..i].contains(&sel) {
            return Err(RefillError::KScratchShared(sel));
        }
    }
    Ok(())
}

/// Register-width CP0 moves: KScratch, ErrorEPC and EntryLo are 64-bit on MIPS64.
fn move_to_cp0(a: &mut Assembler, gpr: Gpr, reg: Cp0Reg) {
    match (a.isa().word_size(), reg == cp0::DDATA_LO) {
        (WordSize::W64, false) => a.dmtc0(gpr, reg),
        _ => a.mtc0(gpr, reg),
    }
}

fn move_from_cp0(a: &mut Assembler, gpr: Gpr, reg: Cp0Reg) {
    match (a.isa().word_size(), reg == cp0::DDATA_LO) {
        (WordSize::W64, false) => a.dmfc0(gpr, reg),
        _ => a.mfc0(gpr, reg),
    }
}

fn save_guest_k(a: &mut Assembler, scratch: Scratch) {
    let (k0_home, k1_home) = scratch.registers();
    move_to_cp0(a, Gpr::K0, k0_home);
    move_to_cp0(a, Gpr::K1, k1_home);
}

fn restore_guest_k_and_return(a: &mut Assembler, scratch: Scratch) {
    let (k0_home, k1_home) = scratch.registers();
    move_from_cp0(a, Gpr::K0, k0_home);
    move_from_cp0(a, Gpr::K1, k1_home);
    a.eret();
}

/// k0 = the current guest mode's root table.
fn load_root(a: &mut Assembler, root: RootSource) -> Result<(), RefillError> {
    match root {
        RootSource::KScratch(sel) => move_from_cp0(a, Gpr::K0, Cp0Reg { reg: 31, sel }),
        RootSource::Absolute(address) => {
            let (high, low) = split_address(address, a.isa().word_size())
                .ok_or(RefillError::RootAddressUnreachable(address))?;
            a.lui(Gpr::K0, high);
            a.load_word(Gpr::K0, low, Gpr::K0);
        }
    }
    Ok(())
}

/// `(high, low)` with `sign_extend(high << 16) + low == address` in the
/// machine's arithmetic, or `None` if no such pair exists.
pub(super) fn split_address(address: u64, word: WordSize) -> Option<(u16, i16)> {
    let sign_extended = address == address as i32 as i64 as u64;
    let address32 = match word {
        WordSize::W32 if address <= u32::MAX as u64 || sign_extended => address as u32,
        WordSize::W64 if sign_extended => address as u32,
        _ => return None,
    };
    let low = address32 as u16 as i16;
    let high = (address32.wrapping_sub(low as i32 as u32) >> 16) as u16;
    // On MIPS64 lui sign-extends, so the sum must not cross 2^31.
    let reached = (((high as u32) << 16) as i32 as i64).wrapping_add(low as i64);
    match word {
        WordSize::W64 if reached != address32 as i32 as i64 => None,
        _ => Some((high, low)),
    }
}

/// Bytes of a root slot / PTE, and of an even/odd PTE pair, as shifts.
fn pointer_shift(a: &Assembler) -> u8 {
    a.isa().word_size().shift() as u8
}

/// Bits of BadVAddr that index the root, and the pairs within a leaf.
const ROOT_INDEX_BITS: u8 = ROOT_ENTRIES.trailing_zeros() as u8;
const PAIR_SHIFT: u8 = (PAGE_SHIFT + 1) as u8;
const PAIR_INDEX_BITS: u8 = (LEAF_INDEX_BITS - 1) as u8;

/// k0 = k0[field of BadVAddr at `shift`, `bits` wide] scaled by 2^`scale`
/// bytes: R6 extracts and scales-adds (ext + lsa); earlier ISAs shift the
/// field straight to its byte offset and mask it (srl + andi + addu).
fn add_scaled_field(a: &mut Assembler, shift: u8, bits: u8, scale: u8) {
    a.mfc0(Gpr::K1, cp0::BAD_VADDR);
    if a.isa().is_r6() {
        a.ext(Gpr::K1, Gpr::K1, shift, bits);
        match a.isa().word_size() {
            WordSize::W32 => a.lsa(Gpr::K0, Gpr::K1, Gpr::K0, scale),
            WordSize::W64 => a.dlsa(Gpr::K0, Gpr::K1, Gpr::K0, scale),
        }
    } else {
        let mask = ((1u32 << bits) - 1) << scale;
        a.srl(Gpr::K1, Gpr::K1, shift - scale);
        a.andi(Gpr::K1, Gpr::K1, mask as u16);
        a.add_word(Gpr::K0, Gpr::K0, Gpr::K1);
    }
}

// The masks above must fit andi's 16-bit immediate for either word size.
const _: () = assert!(((1u32 << ROOT_INDEX_BITS) - 1) << 3 <= 0xffff);
const _: () = assert!(((1u32 << PAIR_INDEX_BITS) - 1) << 4 <= 0xffff);

/// k0 = root[BadVAddr >> ROOT_SHIFT]: the leaf table.
fn load_leaf(a: &mut Assembler) {
    let scale = pointer_shift(a);
    add_scaled_field(a, ROOT_SHIFT as u8, ROOT_INDEX_BITS, scale);
    a.load_word(Gpr::K0, 0, Gpr::K0);
}

/// k0 = &leaf[2 * pair], the even PTE; the odd one follows it.
fn point_at_pte_pair(a: &mut Assembler) {
    let pair_scale = pointer_shift(a) + 1;
    add_scaled_field(a, PAIR_SHIFT, PAIR_INDEX_BITS, pair_scale);
}

fn write_tlb_pair(a: &mut Assembler, needs_ehb: bool) {
    let pte_bytes = 1i16 << pointer_shift(a);
    a.load_word(Gpr::K1, 0, Gpr::K0);
    a.load_word(Gpr::K0, pte_bytes, Gpr::K0);
    move_to_cp0(a, Gpr::K1, cp0::ENTRY_LO0);
    move_to_cp0(a, Gpr::K0, cp0::ENTRY_LO1);
    if needs_ehb {
        a.ehb();
    }
    a.tlbwr();
}
