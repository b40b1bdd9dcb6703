//! TLB exceptions on real translations: kernel-mapped addresses
//! (0x6xxxxxxx, this layout's KSEG2) backed by a test page table that the
//! refill handler at EBase + 0x000 walks.

use super::{probe, Suite};
use crate::cp0::{self, exc, status};
use crate::mm::space::{self, pte, AddressSpace};
use crate::mm::{physical_to_kernel, tlb};
use crate::sched::critical;
use crate::trap::Caught;

const WRITABLE: u32 = 0x6001_0000; // even page of a pair, V and D
const CLEAN: u32 = 0x6001_1000; // odd page of the same pair, V only
const UNMAPPED: u32 = 0x6001_2000; // a pair with no PTEs at all
const HALF_EVEN: u32 = 0x6001_4000; // pair whose odd half is invalid
const HALF_ODD: u32 = 0x6001_5000;
const NEVER_REFILLED: u32 = 0x6002_2000;
const PTEBASE: u32 = 0x8000_0000;

/// Context.BadVPN2 (bits 22:4) for `va` is VA[31:13].
fn context_vpn2(va: u32) -> u32 {
    (va >> 9) & 0x007f_fff0
}

fn load(va: u32) -> (Option<Caught>, u32, u32) {
    let value: u32;
    let (caught, mark) = probe!("1: lw {v}, 0({a})"; v = out(reg) value, a = in(reg) va);
    (caught, mark, value)
}

fn store(va: u32, value: u32) -> (Option<Caught>, u32) {
    probe!("1: sw {v}, 0({a})"; v = in(reg) value, a = in(reg) va)
}

pub fn run(suite: &mut Suite) {
    let Some(mut space) = AddressSpace::new() else {
        suite.that("mapped_setup", false, "a page table", 0);
        return;
    };
    let flags = pte::VALID | pte::CACHEABLE;
    let writable = space.map_new(WRITABLE, flags | pte::DIRTY);
    let clean = space.map_new(CLEAN, flags);
    let half = space.map_new(HALF_EVEN, flags | pte::DIRTY);
    let (Ok(writable), Ok(_), Ok(_)) = (writable, clean, half) else {
        suite.that("mapped_setup", false, "pages mapped", 0);
        space.destroy();
        return;
    };
    critical(|| {
        let saved_context = cp0::context();
        cp0::set_context(PTEBASE);
        tlb::flush_all();
        space::activate(space.root_pointer());
        checks(suite, &mut space, writable);
        tlb::flush_all();
        space::activate(space::empty_root());
        cp0::set_context(saved_context);
    });
    space.destroy();
}

fn checks(suite: &mut Suite, space: &mut AddressSpace, writable_frame: u32) {
    let asid = cp0::entry_hi() & tlb::ASID_MASK;
    // SAFETY: the frame mapped at WRITABLE, seen through the kernel alias.
    unsafe { (physical_to_kernel(writable_frame) as *mut u32).write_volatile(0x1234_5678) };

    // A TLB miss with a valid PTE is refilled by the handler, transparently.
    let (caught, _, value) = load(WRITABLE);
    suite.that("refill_load_no_exception", caught.is_none(), "no exception", caught.map_or(0, |c| c.cause));
    suite.eq("refill_load_value", 0x1234_5678, value);
    suite.that("refill_wrote_tlb_entry", tlb::probe(WRITABLE, asid).is_some(), "TLBP hit", cp0::index());
    let (caught, _) = store(WRITABLE + 4, 0xcafe_f00d);
    // SAFETY: as above.
    let through_alias = unsafe { (physical_to_kernel(writable_frame + 4) as *const u32).read_volatile() };
    suite.that(
        "mapped_store_lands_in_frame",
        caught.is_none() && through_alias == 0xcafe_f00d,
        "0xcafef00d",
        through_alias,
    );

    // A store to a clean (D = 0) page: TLB Modified.
    let (caught, mark) = store(CLEAN + 8, 1);
    let caught = suite.caught("tlb_modified_code", exc::MOD, caught);
    suite.eq("tlb_modified_epc", mark, caught.epc);
    suite.eq("tlb_modified_badvaddr", CLEAN + 8, caught.bad_vaddr);
    suite.eq("tlb_modified_entryhi_vpn2", CLEAN & !0x1fff, caught.entry_hi & !0x1fff);
    // Loads from it are fine.
    let (caught, _, _) = load(CLEAN);
    suite.that("clean_page_load_ok", caught.is_none(), "no exception", caught.map_or(0, |c| c.cause));

    // The odd half of a pair is invalid: TLB Invalid (load TLBL, store TLBS)
    // with BadVAddr, Context.BadVPN2 and EntryHi.VPN2/ASID of the address.
    let (caught, mark, _) = load(HALF_ODD + 8);
    let caught = suite.caught("tlb_invalid_load_code", exc::TLBL, caught);
    suite.eq("tlb_invalid_load_epc", mark, caught.epc);
    suite.eq("tlb_invalid_load_badvaddr", HALF_ODD + 8, caught.bad_vaddr);
    suite.eq("tlb_invalid_context_badvpn2", context_vpn2(HALF_ODD), caught.context & 0x007f_fff0);
    suite.eq("tlb_exception_keeps_ptebase", PTEBASE, caught.context & 0xff80_0000);
    suite.eq("tlb_invalid_entryhi", (HALF_ODD & !0x1fff) | asid, caught.entry_hi);
    let (caught, _) = store(HALF_ODD, 7);
    suite.caught("tlb_invalid_store_code", exc::TLBS, caught);

    // After mapping the page and rewriting the cached entry, it works.
    let mapped = space.map_new(HALF_ODD, pte::VALID | pte::DIRTY | pte::CACHEABLE);
    let (even, odd) = space.entry_pair(HALF_ODD);
    tlb::update(HALF_ODD, asid, even, odd);
    let (caught, _) = store(HALF_ODD, 7);
    let (_, _, value) = load(HALF_ODD);
    suite.that(
        "tlb_update_after_fault",
        mapped.is_ok() && caught.is_none() && value == 7,
        "7, no exception",
        value,
    );
    let _ = HALF_EVEN;

    // A pair with no PTEs: the refill loads an invalid entry, the retry raises TLBL.
    let (caught, _, _) = load(UNMAPPED);
    let caught = suite.caught("unmapped_pair_tlbl", exc::TLBL, caught);
    suite.eq("unmapped_pair_badvaddr", UNMAPPED, caught.bad_vaddr);

    // A TLB miss while EXL = 1 goes to the general vector (offset 0x180),
    // not the refill handler: nothing is written to the TLB.
    let (caught, _) = probe!(
        "mfc0 {t}, $12",
        "ori {t}, {t}, 2",
        "mtc0 {t}, $12",
        "ehb",
        "1: lw {t}, 0({a})";
        t = out(reg) _,
        a = in(reg) NEVER_REFILLED,);
    let caught = suite.caught("exl_tlb_miss_code", exc::TLBL, caught);
    suite.eq("exl_tlb_miss_status_exl", status::EXL, caught.status & status::EXL);
    suite.that(
        "exl_tlb_miss_skips_refill",
        tlb::probe(NEVER_REFILLED, asid).is_none(),
        "TLBP miss",
        cp0::index(),
    );
}
