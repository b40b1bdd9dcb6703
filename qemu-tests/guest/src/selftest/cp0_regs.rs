//! CP0 registers: identification, write masks and read-back.

use super::Suite;
use crate::cp0::{self, bits, cause, status};
use crate::sched::critical;
use crate::timer;

pub fn run(suite: &mut Suite) {
    identification(suite);
    critical(|| write_masks(suite));
    critical(|| tlb_control(suite));
    critical(|| status_and_cause(suite));
    critical(|| count_and_compare(suite));
}

fn identification(suite: &mut Suite) {
    // PRId[23:16] Company ID 1 = MIPS Technologies.
    suite.eq("prid_company_mips", 1, bits(cp0::prid(), 16, 8));
    let config0 = cp0::config0();
    // Config.M: Config1 is implemented (always, MIPS32).
    suite.eq("config0_m", 1, bits(config0, 31, 1));
    // Config.AT = 0 (MIPS32), AR = 1 (Release 2), MT = 1 (standard TLB).
    suite.eq("config0_at_mips32", 0, bits(config0, 13, 2));
    suite.eq("config0_ar_release2", 1, bits(config0, 10, 3));
    suite.eq("config0_mt_tlb", 1, bits(config0, 7, 3));
    // Config.BE matches the byte order this kernel was built for.
    suite.eq("config0_be_matches_build", cfg!(target_endian = "big") as u32, bits(config0, 15, 1));
    // Config1.M: Config2 implemented; Config2.M: Config3 implemented (Release 2 needs Config3).
    suite.eq("config1_m", 1, bits(cp0::config1(), 31, 1));
    suite.eq("config2_m", 1, bits(cp0::config2(), 31, 1));
    // EBase.CPUNum (bits 9:0) is 0 on a uniprocessor.
    suite.eq("ebase_cpunum_zero", 0, bits(cp0::ebase(), 0, 10));
}

fn write_masks(suite: &mut Suite) {
    // EntryHi: VPN2 (31:13) and ASID (7:0) writable, 12:8 read as zero (4 KiB minimum pages).
    let saved = cp0::entry_hi();
    cp0::set_entry_hi(0xffff_ffff);
    suite.eq("entryhi_write_mask", 0xffff_e0ff, cp0::entry_hi());
    cp0::set_entry_hi(saved);

    // EntryLo0/1 with 32 physical address bits: PFN 25:6 and C, D, V, G writable; 31:26 zero.
    cp0::set_entry_lo0(0xffff_ffff);
    suite.eq("entrylo0_write_mask", 0x03ff_ffff, cp0::entry_lo0());
    cp0::set_entry_lo1(0xffff_ffff);
    suite.eq("entrylo1_write_mask", 0x03ff_ffff, cp0::entry_lo1());
    cp0::set_entry_lo0(0);
    cp0::set_entry_lo1(0);

    // PageMask: legal masks read back (16 KiB and 256 MiB pages).
    cp0::set_page_mask(0x0000_6000);
    suite.eq("pagemask_16k_readback", 0x0000_6000, cp0::page_mask());
    cp0::set_page_mask(0x1fff_e000);
    suite.eq("pagemask_256m_readback", 0x1fff_e000, cp0::page_mask());
    cp0::set_page_mask(0);

    // Context: PTEBase (31:23) is software's; BadVPN2 (22:4) is written only by exceptions.
    let before = cp0::context();
    cp0::set_context(0xffff_ffff);
    let after = cp0::context();
    suite.eq("context_ptebase_writable", 0xff80_0000, after & 0xff80_0000);
    suite.eq("context_badvpn2_readonly", before & 0x007f_ffff, after & 0x007f_ffff);
    cp0::set_context(0);

    // HWREna: bits 3:0 (CPUNum, SYNCI_Step, CC, CCRes) exist; ULR (29) only with Config3.ULRI.
    let saved = cp0::hwrena();
    cp0::set_hwrena(0xffff_ffff);
    let expected = 0xf | if bits(cp0::config3(), 13, 1) == 1 { 1 << 29 } else { 0 };
    suite.eq("hwrena_write_mask", expected, cp0::hwrena());
    cp0::set_hwrena(saved);

    // EBase: bits 29:12 writable, 11:10 zero, 31:30 and CPUNum fixed.
    let saved = cp0::ebase();
    cp0::set_ebase(0x4000_1000);
    let moved = cp0::ebase();
    cp0::set_ebase(0xffff_ffff);
    let all_ones = cp0::ebase();
    cp0::set_ebase(saved);
    suite.eq("ebase_readback", 0x4000_1000, moved);
    suite.eq("ebase_write_mask", (saved & 0xc000_03ff) | 0x3fff_f000, all_ones);
    suite.eq("ebase_restored", saved, cp0::ebase());
}

fn tlb_control(suite: &mut Suite) {
    let entries = cp0::tlb_entries();
    // Index: the TLB index field reads back.
    cp0::set_index(5);
    suite.eq("index_readback", 5, cp0::index() & 0x7fff_ffff);
    cp0::set_index(entries - 1);
    suite.eq("index_last_entry", entries - 1, cp0::index() & 0x7fff_ffff);
    // Wired reads back; Random stays within [Wired, entries - 1].
    cp0::set_wired(4);
    suite.eq("wired_readback", 4, cp0::wired());
    let mut lowest = u32::MAX;
    let mut highest = 0;
    for _ in 0..64 {
        let random = cp0::random();
        lowest = lowest.min(random);
        highest = highest.max(random);
    }
    suite.that("random_at_least_wired", lowest >= 4, "Random >= 4", lowest);
    suite.that("random_below_entries", highest < entries, "Random < TLB entries", highest);
    cp0::set_wired(0);
    suite.eq("wired_cleared", 0, cp0::wired());
}

fn status_and_cause(suite: &mut Suite) {
    // Status.IM7..IM0 are read/write (interrupts off here: IE clear).
    let saved = cp0::status();
    cp0::set_status((saved & !(0xff << status::IM_SHIFT)) | (0xa5 << status::IM_SHIFT));
    suite.eq("status_im_readback", 0xa5, bits(cp0::status(), status::IM_SHIFT, 8));
    cp0::set_status(saved);
    suite.eq("status_restored", saved, cp0::status());
    // We run in kernel mode with EXL and ERL clear (Status.KSU = 0).
    suite.eq("status_kernel_mode", 0, saved & (status::KSU_MASK | status::EXL | status::ERL));

    // Cause: IP1..IP0 (software interrupts), IV and DC are writable.
    let saved = cp0::cause();
    cp0::set_cause(saved | cause::ip(0) | cause::ip(1));
    suite.eq(
        "cause_ip_software_set",
        cause::ip(0) | cause::ip(1),
        cp0::cause() & (cause::ip(0) | cause::ip(1)),
    );
    cp0::set_cause(saved & !(cause::ip(0) | cause::ip(1)));
    suite.eq("cause_ip_software_clear", 0, cp0::cause() & (cause::ip(0) | cause::ip(1)));
    cp0::set_cause(saved | cause::IV);
    suite.eq("cause_iv_writable", cause::IV, cp0::cause() & cause::IV);
    cp0::set_cause(saved & !cause::IV);
    // Cause.ExcCode is read-only: a write of all ones leaves it as it was.
    let code = cause::exc_code(cp0::cause());
    cp0::set_cause(cause::EXC_MASK);
    suite.eq("cause_exccode_readonly", code, cause::exc_code(cp0::cause()));
    cp0::set_cause(saved & !(cause::ip(0) | cause::ip(1) | cause::IV | cause::DC));
}

fn count_and_compare(suite: &mut Suite) {
    // Compare reads back; Count reaching it sets Cause.TI and the timer's
    // IP bit; a Compare write clears TI. (Values are printed only after the
    // timed part, so console output cannot delay it. The margin is wide:
    // a Compare already passed when written fires only after Count wraps,
    // and translating or trapping these instructions takes time.)
    let target = cp0::count().wrapping_add(timer::PERIOD);
    cp0::set_compare(target);
    let read_back = cp0::compare();
    let start = cp0::count();
    while cp0::cause() & cause::TI == 0 && cp0::count().wrapping_sub(start) < 50 * timer::PERIOD {}
    let raised = cp0::cause();
    cp0::set_compare(cp0::count().wrapping_add(timer::PERIOD));
    let cleared = cp0::cause();
    suite.eq("compare_readback", target, read_back);
    suite.eq("timer_sets_cause_ti", cause::TI, raised & cause::TI);
    suite.eq("timer_sets_cause_ip", cause::ip(timer::line()), raised & cause::ip(timer::line()));
    suite.eq("compare_write_clears_ti", 0, cleared & cause::TI);

    // Count advances on its own.
    let first = cp0::count();
    spin(1000);
    let second = cp0::count();
    suite.that("count_advances", second != first, "a different Count", second);

    // Cause.DC = 1 stops Count (Release 2).
    cp0::set_cause(cp0::cause() | cause::DC);
    let stopped = cp0::count();
    spin(1000);
    let still = cp0::count();
    cp0::set_cause(cp0::cause() & !cause::DC);
    spin(1000);
    let resumed = cp0::count();
    suite.eq("cause_dc_stops_count", stopped, still);
    suite.that("count_resumes", resumed != stopped, "Count moving again", resumed);

    // Count is writable: it restarts from the written value.
    let saved = cp0::count();
    cp0::set_count(0x1000_0000);
    let read = cp0::count();
    cp0::set_count(saved);
    cp0::set_compare(cp0::count().wrapping_add(timer::PERIOD));
    suite.that(
        "count_writable",
        read.wrapping_sub(0x1000_0000) < 0x0010_0000,
        "Count just above 0x10000000",
        read,
    );
}

/// Burns roughly `iterations` loop trips (work, not time).
pub fn spin(iterations: u32) {
    for i in 0..iterations {
        core::hint::black_box(i);
    }
}
