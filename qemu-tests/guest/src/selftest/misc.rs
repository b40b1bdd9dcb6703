//! RDHWR, self-modifying code (CACHE and SYNCI), interrupts, and what user
//! processes see: CpU for CP0, AdEL for the kernel segment, RDHWR gated by
//! HWREna, syscalls.

use core::sync::atomic::Ordering;

use super::Suite;
use crate::cp0::{self, bits, cause, exc, status};
use crate::sched::{self, critical};
use crate::trap::Caught;
use crate::trap::{LAST_SOFTWARE_CAUSE, SOFTWARE_INTERRUPTS};
use crate::{cache, timer, user};

pub fn run(suite: &mut Suite) {
    rdhwr(suite);
    code_patching(suite);
    interrupts(suite);
    user_mode(suite);
}

fn read_hwr(register: u32) -> u32 {
    let value: u32;
    // SAFETY: RDHWR reads a hardware register; kernel mode may read all.
    unsafe {
        match register {
            0 => core::arch::asm!(".set push", ".set noat", "rdhwr {0}, $0", ".set pop", out(reg) value),
            1 => core::arch::asm!(".set push", ".set noat", "rdhwr {0}, $1", ".set pop", out(reg) value),
            2 => core::arch::asm!(".set push", ".set noat", "rdhwr {0}, $2", ".set pop", out(reg) value),
            _ => core::arch::asm!(".set push", ".set noat", "rdhwr {0}, $3", ".set pop", out(reg) value),
        }
    }
    value
}

fn rdhwr(suite: &mut Suite) {
    // RDHWR 0 is EBase.CPUNum.
    suite.eq("rdhwr_cpunum_is_ebase_cpunum", bits(cp0::ebase(), 0, 10), read_hwr(0));
    // RDHWR 1 (SYNCI_Step) is a power of two.
    let step = read_hwr(1);
    suite.that("rdhwr_synci_step_power_of_two", step.is_power_of_two(), "a power of two", step);
    // RDHWR 2 (CC) is Count: it lies between two reads of Count.
    let (before, cc, after) = critical(|| (cp0::count(), read_hwr(2), cp0::count()));
    suite.that(
        "rdhwr_cc_is_count",
        cc.wrapping_sub(before) <= after.wrapping_sub(before),
        "between the Count reads around it",
        cc,
    );
    // RDHWR 3 (CCRes) is non-zero.
    let resolution = read_hwr(3);
    suite.that("rdhwr_ccres_nonzero", resolution != 0, "non-zero", resolution);
}

/// Room for two instructions of generated code.
#[repr(C, align(32))]
struct CodeBuffer([u32; 8]);
static mut CODE: CodeBuffer = CodeBuffer([0; 8]);

/// Writes `jalr $zero, $ra; addiu $v0, $zero, value` (encodings from GNU
/// as: 0x03e00009 and 0x24020000 | value) and calls it. JALR with rd = 0 is
/// the return valid in both Release 2 and 6 (R6 removed JR's own encoding).
fn patch_and_call(value: u16, sync: fn(usize, usize)) -> u32 {
    let code = core::ptr::addr_of_mut!(CODE) as *mut u32;
    // SAFETY: our own buffer; made visible to fetch by `sync` before the call.
    unsafe {
        code.write_volatile(0x03e0_0009);
        code.add(1).write_volatile(0x2402_0000 | value as u32);
        sync(code as usize, 8);
        let function: extern "C" fn() -> u32 = core::mem::transmute(code);
        function()
    }
}

fn code_patching(suite: &mut Suite) {
    suite.eq("cache_ops_publish_new_code", 42, patch_and_call(42, cache::sync_icache_with_cache_ops));
    suite.eq("synci_publishes_new_code", 43, patch_and_call(43, cache::sync_icache_with_synci));
    suite.eq("cache_ops_publish_rewritten_code", 44, patch_and_call(44, cache::sync_icache_with_cache_ops));
}

fn interrupts(suite: &mut Suite) {
    // The Count/Compare timer interrupts: ticks advance across WAITs.
    let start = timer::ticks();
    for _ in 0..100 {
        if timer::ticks() != start {
            break;
        }
        crate::idle();
    }
    suite.that("timer_interrupt_ticks", timer::ticks() != start, "ticks advancing", timer::ticks());

    // A software interrupt (Cause.IP0 with Status.IM0 and IE) is taken
    // with ExcCode Int and IP0 pending; the handler clears it.
    let taken = SOFTWARE_INTERRUPTS.load(Ordering::Relaxed);
    let saved = cp0::status();
    cp0::set_status(saved | status::im(0));
    cp0::set_cause(cp0::cause() | cause::ip(0));
    for _ in 0..100 {
        if SOFTWARE_INTERRUPTS.load(Ordering::Relaxed) != taken {
            break;
        }
    }
    cp0::set_status(saved);
    let now = SOFTWARE_INTERRUPTS.load(Ordering::Relaxed);
    suite.eq("software_interrupt_taken", taken + 1, now);
    let recorded = LAST_SOFTWARE_CAUSE.load(Ordering::Relaxed);
    suite.eq("software_interrupt_exccode_int", exc::INT, cause::exc_code(recorded));
    suite.eq("software_interrupt_ip0_pending", cause::ip(0), recorded & cause::ip(0));
    suite.eq("software_interrupt_cleared", 0, cp0::cause() & cause::ip(0));

    // With IE clear, a pending unmasked interrupt waits.
    let taken = SOFTWARE_INTERRUPTS.load(Ordering::Relaxed);
    let held = critical(|| {
        cp0::set_status(cp0::status() | status::im(1));
        cp0::set_cause(cp0::cause() | cause::ip(1));
        let held = SOFTWARE_INTERRUPTS.load(Ordering::Relaxed);
        cp0::set_status(cp0::status() & !status::im(1));
        cp0::set_cause(cp0::cause() & !cause::ip(1));
        held
    });
    suite.eq("interrupt_masked_by_ie", taken, held);
}

/// How a built-in program ended.
pub(super) struct Ended {
    pub(super) pid: u32,
    pub(super) code: i32,
    /// The exception that killed it.
    pub(super) fault: Option<Caught>,
}

impl Ended {
    /// The ExcCode that killed it (u32::MAX if it exited normally).
    pub(super) fn killed_by(&self) -> u32 {
        self.fault.map_or(u32::MAX, |fault| fault.exc_code())
    }

    pub(super) fn bad_vaddr(&self) -> u32 {
        self.fault.map_or(0, |fault| fault.bad_vaddr)
    }

    pub(super) fn exited_with(&self, code: i32) -> bool {
        self.fault.is_none() && self.code == code
    }
}

/// Runs a built-in program (quietly) in user mode until it ends.
fn run_program(name: &str) -> Ended {
    run_program_in(name, false)
}

/// Runs a built-in program (quietly) in user or supervisor mode until it ends.
pub(super) fn run_program_in(name: &str, supervisor: bool) -> Ended {
    let failed = Ended { pid: 0, code: i32::MIN, fault: None };
    let Some(program) = user::find(name) else {
        return failed;
    };
    let spawned =
        if supervisor { sched::spawn_supervisor_quiet(program) } else { sched::spawn_quiet(program) };
    let Ok(pid) = spawned else {
        return failed;
    };
    match sched::wait_exit(pid) {
        Some((code, fault)) => Ended { pid, code, fault },
        None => failed,
    }
}

/// RDHWR UserLocal in user mode. With Config3.ULRI: the current UserLocal
/// (after each write) while HWREna.ULR is set, RI when clear; without ULRI
/// (QEMU's 24Kf natively) RI either way. One line either way, so the
/// native and monitored transcripts still match.
fn user_local(suite: &mut Suite) {
    const ULRI: u32 = 1 << 13;
    const ULR: u32 = 1 << 29;
    let (saved_hwrena, saved_user_local) = (cp0::hwrena(), cp0::user_local());
    cp0::set_hwrena(saved_hwrena | ULR);
    cp0::set_user_local(0x5a5);
    let first = run_program("rdhwr-ulr");
    cp0::set_user_local(0x6b6);
    let second = run_program("rdhwr-ulr");
    cp0::set_hwrena(saved_hwrena & !ULR);
    let denied = run_program("rdhwr-ulr");
    cp0::set_hwrena(saved_hwrena);
    cp0::set_user_local(saved_user_local);
    let ok = if cp0::config3() & ULRI != 0 {
        first.exited_with(0x5a5) && second.exited_with(0x6b6) && denied.killed_by() == exc::RI
    } else {
        [&first, &second, &denied].iter().all(|ended| ended.killed_by() == exc::RI)
    };
    suite.that("user_rdhwr_userlocal_as_config3_ulri_says", ok, "UserLocal, or RI", second.code as u32);
}

fn user_mode(suite: &mut Suite) {
    // A user-mode load from 0x40000000 (this layout's kernel segment): AdEL.
    let ended = run_program("kseg");
    suite.eq("user_kseg_load_adel", exc::ADEL, ended.killed_by());
    suite.eq("user_kseg_load_badvaddr", 0x4000_0000, ended.bad_vaddr());

    // MFC0 in user mode: Coprocessor Unusable with CE = 0.
    let ended = run_program("cop0");
    suite.eq("user_mfc0_cpu", exc::CPU, ended.killed_by());
    suite.eq("user_mfc0_cpu_ce_zero", 0, ended.fault.map_or(u32::MAX, |f| (f.cause >> cause::CE_SHIFT) & 3));

    // BREAK in user mode is delivered to the kernel.
    suite.eq("user_break_bp", exc::BP, run_program("break").killed_by());

    // RDHWR CC in user mode: allowed when HWREna.CC is set, RI when clear.
    let ended = run_program("rdhwr");
    suite.that("user_rdhwr_allowed", ended.exited_with(0), "exit 0", ended.code as u32);
    let saved = cp0::hwrena();
    cp0::set_hwrena(saved & !(1 << 2));
    let ended = run_program("rdhwr");
    cp0::set_hwrena(saved);
    suite.eq("user_rdhwr_denied_ri", exc::RI, ended.killed_by());
    user_local(suite);

    // A store to its own code page (mapped with D = 0): TLB Modified.
    let ended = run_program("store-code");
    suite.eq("user_store_clean_page_mod", exc::MOD, ended.killed_by());
    let code_pages = user::USER_CODE..user::USER_CODE + user::image().len() as u32;
    suite.that(
        "user_store_clean_page_badvaddr",
        code_pages.contains(&ended.bad_vaddr()),
        "inside the code pages",
        ended.bad_vaddr(),
    );

    // A load from an address with no mapping: the refill loads an invalid
    // entry, the retry raises TLBL with BadVAddr = the address.
    let ended = run_program("unmapped");
    suite.eq("user_unmapped_load_tlbl", exc::TLBL, ended.killed_by());
    suite.eq("user_unmapped_load_badvaddr", 0x2000_0010, ended.bad_vaddr());

    // Integer overflow in user mode: Ov.
    suite.eq("user_add_overflow_ov", exc::OV, run_program("overflow").killed_by());

    // Demand-zero heap pages: written values read back, untouched ones read 0.
    let ended = run_program("heapsum");
    suite.that("user_demand_zero_heap", ended.exited_with(6), "exit 6", ended.code as u32);

    // An unknown syscall returns -1 and the process goes on.
    let ended = run_program("badcall");
    suite.that("user_unknown_syscall_fails", ended.exited_with(-1), "exit -1", ended.code as u32);

    // getpid returns the pid spawn gave; exit passes the code back.
    let ended = run_program("pid");
    suite.that(
        "user_getpid_exit_code",
        ended.exited_with(ended.pid as i32),
        "the spawned pid",
        ended.code as u32,
    );
}
