//! Boot-time self-tests chosen with `selftest=NAME` on the command line.

use mipsvisor::cp0::fields::{ExcCode, Status};
use mipsvisor::mmu::entrylo::{Access, EntryLo};
use mipsvisor::mmu::gva::{NativeGvaTable, Scope};
use mipsvisor::mmu::layout::PAGE_SIZE;
use mipsvisor::trapframe::{Dump, TrapFrame};
use mipsvisor::uasm::{Assembler, Gpr, Isa};

use crate::arch;
use crate::boot::Boot;

mod mmid;
mod sdbbp;

/// Names accepted by `selftest=`.
pub const NAMES: &[&str] = &["fault", "refill", "mmid", "sdbbp", "sdbbp-monitor"];

/// Runs the selftest `name`; false (after saying which exist) if there is none.
pub fn run(name: &str, boot: &Boot) -> bool {
    match name {
        "fault" => deliberate_fault(),
        "refill" => refill(boot),
        "mmid" => {
            mmid::run(boot);
        }
        "sdbbp" => {
            sdbbp::run(boot);
        }
        "sdbbp-monitor" => sdbbp::in_monitor(),
        other => {
            println!("mipsvisor: unknown selftest `{other}`; known: {}", NAMES.join(", "));
            return false;
        }
    }
    true
}

/// A load from unmapped KSEG2: the vector must report a TLB miss on load
/// with this address in BadVAddr, and the monitor must stop in a known state.
fn deliberate_fault() {
    const UNMAPPED_KSEG2: usize = 0xc000_1230u32 as i32 as isize as usize;
    println!("selftest fault: loading from {UNMAPPED_KSEG2:#x}");
    // SAFETY: deliberately faults; the exception handler never returns here.
    let value = unsafe { core::ptr::read_volatile(UNMAPPED_KSEG2 as *const u32) };
    println!("selftest fault: FAILED, the load returned {value:#x}");
}

/// Where the refill probe lives in user space.
const PROBE_CODE_GVA: u32 = 0x0001_0000;
const PROBE_DATA_GVA: u32 = 0x0040_0000;
const PROBE_ASID: u8 = 1;
const PROBE_PASSES: usize = 2;

/// The user-mode probe: sum the first word of `a1` pages from `a0` into v0
/// once per pass, `syscall` after each pass, `break` when `a2` passes are done.
fn probe_program(isa: Isa) -> alloc::vec::Vec<u32> {
    let mut a = Assembler::new(isa);
    let (pass, touch) = (a.new_label(), a.new_label());
    a.bind(pass);
    a.or(Gpr::T0, Gpr::A0, Gpr::Zero);
    a.or(Gpr::T1, Gpr::A1, Gpr::Zero);
    a.bind(touch);
    a.lw(Gpr::T2, 0, Gpr::T0);
    a.addu(Gpr::V0, Gpr::V0, Gpr::T2);
    a.addiu(Gpr::T1, Gpr::T1, -1);
    a.bnez(Gpr::T1, touch);
    a.addiu(Gpr::T0, Gpr::T0, PAGE_SIZE as i16);
    a.syscall(0);
    a.addiu(Gpr::A2, Gpr::A2, -1);
    a.bnez(Gpr::A2, pass);
    a.nop();
    a.break_(0);
    a.finish().expect("the probe program assembles")
}

/// Proves the generated refill handler: more pages than the host TLB holds,
/// mapped lazily by the slow path on the first pass; on the second pass
/// every miss must be served inside the vector, with no slow-path entry.
fn refill(boot: &Boot) {
    let tlb_entries = boot.cpu.tlb_entries as usize;
    let pages = 4 * tlb_entries;
    let code_phys = boot.memory.guest_start;
    let data_phys = code_phys + PAGE_SIZE as u64;
    let backing = |gva: u32| -> Option<u64> {
        if gva & !(PAGE_SIZE - 1) == PROBE_CODE_GVA {
            return Some(code_phys);
        }
        let page = gva.checked_sub(PROBE_DATA_GVA)? / PAGE_SIZE;
        ((page as usize) < pages).then(|| data_phys + page as u64 * PAGE_SIZE as u64)
    };

    let code = probe_program(Isa::for_cpu(&boot.cpu));
    for (i, word) in code.iter().enumerate() {
        // SAFETY: the first page of the guest window, which nothing else uses yet.
        unsafe { core::ptr::write_volatile((arch::kseg0(code_phys) + 4 * i) as *mut u32, *word) };
    }
    arch::cache::sync_icache(arch::kseg0(code_phys), code.len() * 4);
    // Each data page starts with its own number + 1, so a wrong translation changes the sum.
    for page in 0..pages {
        let phys = data_phys + (page as u64) * PAGE_SIZE as u64;
        // SAFETY: guest-window pages that nothing else uses yet.
        unsafe { core::ptr::write_volatile(arch::kseg0(phys) as *mut u32, page as u32 + 1) };
    }
    let expected_sum = (PROBE_PASSES * pages * (pages + 1) / 2) as u32;

    let Ok(mut table) = NativeGvaTable::new() else {
        println!("selftest refill: FAIL: no memory for the GVA table");
        return;
    };
    let guest = &mut arch::trap::percpu().guest;
    *guest = TrapFrame::ZERO;
    guest.epc = PROBE_CODE_GVA as usize;
    guest.gpr[Gpr::A0.number() as usize] = PROBE_DATA_GVA as usize;
    guest.gpr[Gpr::A1.number() as usize] = pages;
    guest.gpr[Gpr::A2.number() as usize] = PROBE_PASSES;
    arch::trap::percpu().guest_status = (Status::UM | Status::EXL).bits() as usize;
    arch::tlb::set_asid(PROBE_ASID);

    let mut slow_path = [0usize; PROBE_PASSES];
    let mut pass = 0;
    loop {
        arch::refill::set_root(table.root_address());
        arch::trap::enter_guest();
        arch::refill::set_root(boot.empty_table.root_address());
        let guest = &mut arch::trap::percpu().guest;
        match guest.cause().exc_code() {
            ExcCode::TlbL | ExcCode::TlbS if pass < PROBE_PASSES => {
                slow_path[pass] += 1;
                let pair = guest.bad_vaddr as u32 & !(2 * PAGE_SIZE - 1);
                let entry = |gva| match backing(gva) {
                    Some(phys) => EntryLo::new(phys, 3, Access::ReadWrite).expect("guest window page"),
                    None => EntryLo::INVALID,
                };
                let (lo0, lo1) = (entry(pair), entry(pair + PAGE_SIZE));
                if backing(guest.bad_vaddr as u32).is_none()
                    || table.map_pair(pair, [lo0, lo1], Scope::AsidSpecific).is_err()
                {
                    println!("selftest refill: FAIL: fault outside the probe's pages\n{}", Dump(guest));
                    return;
                }
                // The refill already wrote an invalid entry for this pair: replace it.
                arch::tlb::update_if_present(
                    pair as usize | PROBE_ASID as usize,
                    lo0.bits() as usize,
                    lo1.bits() as usize,
                );
            }
            ExcCode::Sys => {
                pass += 1;
                guest.epc += 4;
            }
            ExcCode::Bp => break,
            _ => {
                println!("selftest refill: FAIL: unexpected guest exit\n{}", Dump(guest));
                return;
            }
        }
    }
    let sum = arch::trap::percpu().guest.gpr[Gpr::V0.number() as usize] as u32;
    let verdict = if slow_path[0] > 0 && slow_path[1] == 0 && sum == expected_sum { "PASS" } else { "FAIL" };
    println!(
        "selftest refill: {pages} pages (host TLB {tlb_entries}), pass 1: {} slow-path entries, pass 2: {} slow-path entries, checksum {sum:#x} (expected {expected_sum:#x}): {verdict}",
        slow_path[0], slow_path[1]
    );
}
