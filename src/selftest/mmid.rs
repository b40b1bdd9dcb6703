//! `selftest=mmid`: the host TLB under MemoryMapIDs, and GINVT, checked
//! against the I6500's architecture: lookups match the current MemoryMapID
//! (EntryHi.ASID no longer counts), global entries match every MMID, each
//! GINVT type removes exactly what it names, and entries below Wired survive
//! an invalidate-all.

use crate::boot::Boot;

/// Says what it checked; false when something failed.
pub fn run(boot: &Boot) -> bool {
    if !boot.cpu.mmid || !boot.cpu.ginvt {
        println!(
            "selftest mmid: skipped: this CPU has {} and {} (QEMU 7.2's own I6500 has neither; \
             scripts/build-qemu-mmid builds one that has)",
            if boot.cpu.mmid { "MemoryMapIDs" } else { "no MemoryMapIDs (Config5.MI does not stick)" },
            if boot.cpu.ginvt { "GINVT" } else { "no GINVT (Config5.GI < 3)" },
        );
        return true;
    }
    checks(boot)
}

#[cfg(not(target_arch = "mips64r6"))]
fn checks(_boot: &Boot) -> bool {
    println!("selftest mmid: FAIL: MemoryMapIDs reported on a CPU this build has no GINVT for");
    false
}

#[cfg(target_arch = "mips64r6")]
fn checks(boot: &Boot) -> bool {
    use mipsvisor::mmu::entrylo::{Access, EntryLo};
    use mipsvisor::mmu::layout::PAGE_SIZE;
    use mipsvisor::uasm::Ginvt;

    use crate::arch;

    /// Kernel-mapped addresses (KSEG2, sign-extended) for the entries under test.
    const WIRED_VA: usize = 0xffff_ffff_c000_0000;
    const SHARED_VA: usize = 0xffff_ffff_c000_2000;
    const GLOBAL_VA: usize = 0xffff_ffff_c000_4000;
    /// A user address above 4 GiB whose low 32 bits are SHARED_VA's: a GINVT
    /// that compares only 32 bits, or takes the region from EntryHi, gets it wrong.
    const HIGH_USER_VA: usize = 0x0000_0001_c000_2000;
    /// EntryHi with region bits 3 (xkseg) and nothing else.
    const ENTRY_HI_XKSEG: usize = 0xc000_0000_0000_0000;
    const MONITOR_MMID: u32 = 0;
    // Three guest-like address spaces.
    const A: u32 = 5;
    const B: u32 = 6;
    const C: u32 = 7;

    let mut failures = 0;
    let mut check = |what: &str, ok: bool| {
        println!("selftest mmid: {what}: {}", if ok { "ok" } else { "FAIL" });
        failures += u32::from(!ok);
    };

    // Four guest-window pages, each holding its own marker.
    let page = |n: u64| boot.memory.guest_start + n * PAGE_SIZE as u64;
    for n in 0..4 {
        // SAFETY: guest-window pages that no guest uses during a selftest.
        unsafe { core::ptr::write_volatile(arch::kseg0(page(n)) as *mut u32, 0x600d_0000 + n as u32) };
    }
    let pte = |n: u64, global: bool| {
        let lo = EntryLo::new(page(n), 3, Access::ReadWrite).expect("a guest-window page").bits() as usize;
        if global {
            lo | 1
        } else {
            lo
        }
    };
    let marker = |va: usize| {
        // SAFETY: only called for addresses `arch::tlb::probe` just found mapped.
        unsafe { core::ptr::read_volatile(va as *const u32) }
    };
    let present = |va: usize, mmid: u32| {
        arch::tlb::set_memory_map_id(mmid);
        arch::tlb::probe(va).is_some()
    };

    if !arch::tlb::set_mmids(true) {
        println!("selftest mmid: FAIL: Config5.MI did not stick");
        return false;
    }
    arch::tlb::init(boot.cpu.tlb_entries);
    mtc0!(mipsvisor::cp0::WIRED, 1);

    arch::tlb::set_memory_map_id(MONITOR_MMID);
    arch::tlb::write_entry(0, WIRED_VA, pte(0, false), 0);
    arch::tlb::set_memory_map_id(A);
    arch::tlb::write_entry(1, SHARED_VA, pte(1, false), 0);
    arch::tlb::write_entry(3, GLOBAL_VA, pte(3, true), pte(3, true));
    arch::tlb::set_memory_map_id(B);
    arch::tlb::write_entry(2, SHARED_VA, pte(2, false), 0);

    check("one address, two MMIDs: each sees its own page", {
        let a = present(SHARED_VA, A) && marker(SHARED_VA) == 0x600d_0001;
        let b = present(SHARED_VA, B) && marker(SHARED_VA) == 0x600d_0002;
        a && b
    });
    check("TLBR gives back the entry's MMID, and its EntryHi finds it again", {
        let e = arch::tlb::read_entry(2, true);
        e.mmid == Some(B) && present(e.entry_hi, B) && arch::tlb::probe(e.entry_hi) == Some(2)
    });
    check("EntryHi.ASID is ignored under MMIDs", {
        arch::tlb::set_memory_map_id(A);
        arch::tlb::set_asid(0x33);
        let ok = arch::tlb::probe(SHARED_VA | 0x33) == Some(1) && marker(SHARED_VA) == 0x600d_0001;
        arch::tlb::set_asid(0);
        ok
    });
    check("a global entry matches every MMID", {
        [A, B, C].iter().all(|&m| present(GLOBAL_VA, m) && marker(GLOBAL_VA) == 0x600d_0003)
    });
    check("an MMID with no entry misses", !present(SHARED_VA, C));

    arch::tlb::set_memory_map_id(A);
    arch::tlb::ginvt(Ginvt::VaMmid, SHARED_VA);
    check("GINVT by VA and MMID removes only that MMID's entry", {
        !present(SHARED_VA, A) && present(SHARED_VA, B) && present(GLOBAL_VA, A)
    });
    check("an invalidated entry reads back with EntryHi.EHINV", {
        arch::tlb::read_entry(1, true).entry_hi & arch::tlb::ENTRY_HI_EHINV != 0
    });

    arch::tlb::set_memory_map_id(B);
    arch::tlb::ginvt(Ginvt::Mmid, 0);
    check("GINVT by MMID removes that MMID's entries, not global or MMID-0 wired ones", {
        !present(SHARED_VA, B) && present(GLOBAL_VA, B) && present(WIRED_VA, MONITOR_MMID)
    });

    arch::tlb::ginvt(Ginvt::Va, GLOBAL_VA);
    check("GINVT by VA removes a global entry", !present(GLOBAL_VA, A) && !present(GLOBAL_VA, B));

    // The whole address, region bits included, from the instruction's operand.
    arch::tlb::set_memory_map_id(A);
    arch::tlb::write_entry(4, HIGH_USER_VA, pte(1, false), 0);
    arch::tlb::write_entry(5, SHARED_VA, pte(2, false), 0);
    arch::tlb::ginvt(Ginvt::VaMmid, SHARED_VA);
    check("GINVT compares all 64 address bits (an entry above 4 GiB survives)", {
        present(HIGH_USER_VA, A) && !present(SHARED_VA, A)
    });
    mtc0_word!(mipsvisor::cp0::ENTRY_HI, ENTRY_HI_XKSEG);
    arch::tlb::ginvt(Ginvt::Va, HIGH_USER_VA);
    mtc0_word!(mipsvisor::cp0::ENTRY_HI, 0);
    check("GINVT takes the region from its address, not from EntryHi", !present(HIGH_USER_VA, A));

    for index in 1..boot.cpu.tlb_entries {
        arch::tlb::set_memory_map_id(A + index);
        arch::tlb::write_entry(
            index,
            SHARED_VA + (index as usize) * 2 * PAGE_SIZE as usize,
            pte(1, false),
            0,
        );
    }
    arch::tlb::ginvt(Ginvt::All, 0);
    check("GINVT all keeps the wired entry and removes every other, the first non-wired included", {
        let others_gone = (1..boot.cpu.tlb_entries)
            .all(|index| arch::tlb::read_entry(index, true).entry_hi & arch::tlb::ENTRY_HI_EHINV != 0);
        present(WIRED_VA, MONITOR_MMID) && marker(WIRED_VA) == 0x600d_0000 && others_gone
    });

    mtc0!(mipsvisor::cp0::WIRED, 0);
    arch::tlb::set_memory_map_id(MONITOR_MMID);
    arch::tlb::init(boot.cpu.tlb_entries);
    arch::tlb::set_mmids(false);
    let verdict = if failures == 0 { "PASS" } else { "FAIL" };
    println!("selftest mmid: {verdict} ({failures} failed)");
    failures == 0
}
