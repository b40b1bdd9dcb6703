//! Translations from TLB entries written with TLBWI (not by the refill
//! handler): ASID matching, global entries, overwriting an entry, 16 KiB
//! pages. The current page table maps none of these addresses, so any
//! access the TLB does not serve ends in a TLB Invalid exception.
//! (Under the monitor these are the cases that force it to drop cached
//! translations: guest TLB writes and ASID changes.)

use super::{probe, Suite};
use crate::cp0::{self, exc, tlb};
use crate::mm::space::pte;
use crate::mm::{kernel_to_physical, tlb as tlb_maintenance};
use crate::sched::critical;
use crate::trap::Caught;

const VA_PRIVATE: u32 = 0x6040_0000;
const VA_GLOBAL: u32 = 0x6040_2000;
const VA_LARGE: u32 = 0x6050_0000; // 32 KiB aligned: one pair of 16 KiB pages
const ASID_A: u32 = 0x25;
const ASID_B: u32 = 0x26;

/// 32 KiB of physically contiguous, 16 KiB-aligned memory to map.
#[repr(C, align(16384))]
struct Backing([u32; 8192]);
static mut BACKING: Backing = Backing([0; 8192]);

fn backing() -> *mut u32 {
    core::ptr::addr_of_mut!(BACKING) as *mut u32
}

/// Physical address of byte `offset` of the backing store.
fn backing_physical(offset: u32) -> u32 {
    kernel_to_physical(backing() as *const u8) + offset
}

fn put(offset: u32, value: u32) {
    // SAFETY: inside BACKING, word aligned.
    unsafe { backing().add(offset as usize / 4).write_volatile(value) }
}

fn load(va: u32) -> (Option<Caught>, u32) {
    let value: u32;
    let (caught, _) = probe!("1: lw {v}, 0({a})"; v = out(reg) value, a = in(reg) va);
    (caught, value)
}

fn write_entry(index: u32, hi: u32, lo0: u32, lo1: u32, mask: u32) {
    cp0::set_index(index);
    cp0::set_entry_hi(hi);
    cp0::set_entry_lo0(lo0);
    cp0::set_entry_lo1(lo1);
    cp0::set_page_mask(mask);
    tlb::write_indexed();
    cp0::set_page_mask(0);
}

fn set_asid(asid: u32) {
    cp0::set_entry_hi(asid);
}

pub fn run(suite: &mut Suite) {
    critical(|| {
        let saved_hi = cp0::entry_hi();
        tlb_maintenance::flush_all();
        // Wired entries 0..2 are never chosen by the refill handler's TLBWR.
        cp0::set_wired(3);
        checks(suite);
        cp0::set_wired(0);
        tlb_maintenance::flush_all();
        cp0::set_entry_hi(saved_hi);
    });
}

fn checks(suite: &mut Suite) {
    let flags = pte::VALID | pte::DIRTY | pte::CACHEABLE;
    put(0x0000, 0xaaaa_0000);
    put(0x1000, 0xbbbb_1000);
    put(0x2000, 0xcccc_2000);
    put(0x5000, 0xdddd_5000);

    // A non-global entry translates for its own ASID only.
    write_entry(0, VA_PRIVATE | ASID_A, pte::new(backing_physical(0), flags), 0, 0);
    set_asid(ASID_A);
    let (caught, value) = load(VA_PRIVATE);
    suite.that("tlbwi_entry_translates", caught.is_none() && value == 0xaaaa_0000, "0xaaaa0000", value);
    set_asid(ASID_B);
    let (caught, _) = load(VA_PRIVATE);
    suite.caught("other_asid_does_not_translate", exc::TLBL, caught);
    set_asid(ASID_A);
    let (caught, value) = load(VA_PRIVATE);
    suite.that("own_asid_translates_again", caught.is_none() && value == 0xaaaa_0000, "0xaaaa0000", value);

    // A global entry translates whatever the ASID.
    let global = flags | pte::GLOBAL;
    write_entry(1, VA_GLOBAL | ASID_A, pte::new(backing_physical(0x1000), global), global, 0);
    set_asid(ASID_B);
    let (caught, value) = load(VA_GLOBAL);
    suite.that("global_entry_any_asid", caught.is_none() && value == 0xbbbb_1000, "0xbbbb1000", value);

    // Overwriting an entry takes effect at once: new frame, then none.
    set_asid(ASID_A);
    write_entry(0, VA_PRIVATE | ASID_A, pte::new(backing_physical(0x2000), flags), 0, 0);
    let (caught, value) = load(VA_PRIVATE);
    suite.that("tlbwi_overwrite_new_frame", caught.is_none() && value == 0xcccc_2000, "0xcccc2000", value);
    write_entry(0, VA_PRIVATE | ASID_A, 0, 0, 0);
    let (caught, _) = load(VA_PRIVATE);
    suite.caught("tlbwi_overwrite_invalid", exc::TLBL, caught);

    // 16 KiB pages (PageMask 0x6000): the even page covers VA +0..16 KiB,
    // the odd one +16..32 KiB, each 16 KiB of contiguous physical memory.
    write_entry(
        2,
        VA_LARGE | ASID_A,
        pte::new(backing_physical(0), flags),
        pte::new(backing_physical(0x4000), flags),
        0x6000,
    );
    let (caught, value) = load(VA_LARGE + 0x2000);
    suite.that("pagemask_16k_even_page", caught.is_none() && value == 0xcccc_2000, "0xcccc2000", value);
    let (caught, value) = load(VA_LARGE + 0x5000);
    suite.that("pagemask_16k_odd_page", caught.is_none() && value == 0xdddd_5000, "0xdddd5000", value);
    set_asid(0);
}
