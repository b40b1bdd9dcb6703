//! `selftest=sdbbp`: a user-mode program (as a guest kernel runs) executes
//! SDBBP; the monitor must get it back as a guest exit, and the program
//! must still be in user mode afterwards. Fails where SDBBP is not
//! contained (a Release 2 CPU booted by a loader, whose debug vector is not
//! the monitor's): there it enters Debug Mode in foreign code.

use mipsvisor::cp0::fields::{ExcCode, Status};
use mipsvisor::mmu::entrylo::{Access, EntryLo};
use mipsvisor::mmu::gva::{NativeGvaTable, Scope};
use mipsvisor::trapframe::{Dump, TrapFrame, Vector};

use crate::arch;
use crate::boot::Boot;

const CODE_GVA: u32 = 0x0001_0000;
const ASID: u8 = 1;
/// SDBBP: SPECIAL2 function 0x3F before Release 6, SPECIAL function 0x0E on it.
const SDBBP_R2: u32 = 0x7000_003f;
const SDBBP_R6: u32 = 0x0000_000e;
/// `mfc0 $t0, Status`: Coprocessor Unusable in user mode, succeeds with kernel privilege.
const MFC0_T0_STATUS: u32 = 0x4008_6000;
const BREAK: u32 = 0x0000_000d;

/// Says what it saw; false when SDBBP was not contained.
pub fn run(boot: &Boot) -> bool {
    let sdbbp = if boot.cpu.isa.release >= 6 { SDBBP_R6 } else { SDBBP_R2 };
    let code_phys = boot.memory.guest_start;
    for (i, word) in [sdbbp, MFC0_T0_STATUS, BREAK].iter().enumerate() {
        // SAFETY: the first page of the guest window, which nothing else uses yet.
        unsafe { core::ptr::write_volatile((arch::kseg0(code_phys) + 4 * i) as *mut u32, *word) };
    }
    arch::cache::sync_icache(arch::kseg0(code_phys), 12);
    let Ok(mut table) = NativeGvaTable::new() else {
        println!("selftest sdbbp: FAIL: no memory for the GVA table");
        return false;
    };
    let page = EntryLo::new(code_phys, 3, Access::ReadWrite).expect("guest window page");
    if table.map_pair(CODE_GVA, [page, EntryLo::INVALID], Scope::AsidSpecific).is_err() {
        println!("selftest sdbbp: FAIL: cannot map the program");
        return false;
    }
    let guest = &mut arch::trap::percpu().guest;
    *guest = TrapFrame::ZERO;
    guest.epc = CODE_GVA as usize;
    arch::trap::percpu().guest_status = (Status::UM | Status::EXL).bits() as usize;
    arch::tlb::set_asid(ASID);

    // (what the exit must be, at which word of the program)
    let mut seen = alloc::vec::Vec::new();
    for step in 0..3 {
        arch::refill::set_root(table.root_address());
        arch::trap::enter_guest();
        arch::refill::set_root(boot.empty_table.root_address());
        let guest = &mut arch::trap::percpu().guest;
        let at = (guest.epc as u32).wrapping_sub(CODE_GVA) / 4;
        let exit = if guest.vector == Vector::Debug as usize {
            "debug exception"
        } else {
            match guest.cause().exc_code() {
                ExcCode::Ri => "reserved instruction",
                ExcCode::CpU => "coprocessor unusable",
                ExcCode::Bp => "break",
                _ => "unexpected",
            }
        };
        seen.push((exit, at));
        let expected = match step {
            0 => matches!(exit, "debug exception" | "reserved instruction") && at == 0,
            // Still user mode after the SDBBP: CP0 is out of reach.
            1 => exit == "coprocessor unusable" && at == 1,
            _ => exit == "break" && at == 2,
        };
        if !expected {
            println!(
                "selftest sdbbp: FAIL: step {step}: {exit} at program word {at} (exits so far {seen:?})\n{}",
                Dump(guest)
            );
            return false;
        }
        guest.epc += 4;
    }
    println!(
        "selftest sdbbp: SDBBP came back as a {} exit, the program stayed in user mode (mfc0 trapped), then break: PASS",
        seen[0].0
    );
    true
}

/// `selftest=sdbbp-monitor`: SDBBP in the monitor's own code (a bug if it
/// ever happens) must end in a report naming it and a halt, not a return.
pub fn in_monitor() {
    println!("selftest sdbbp-monitor: executing SDBBP in the monitor");
    // SAFETY: the debug vector's exit reports and halts; nothing returns here.
    unsafe { core::arch::asm!("sdbbp") };
    println!("selftest sdbbp-monitor: FAIL: SDBBP returned to the monitor");
}
