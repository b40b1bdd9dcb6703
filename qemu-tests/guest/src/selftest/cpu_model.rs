//! The CPU model: its identification, the write masks of Status, Cause,
//! IntCtl and the watch registers, UserLocal, and the FPU.
//!
//! Values that differ from one CPU to another are printed as `SEEN name
//! value` lines: QEMU's model of the CPU, running this binary natively, is
//! their oracle, and the differential compares them with the monitor's run.
//! Rules the architecture fixes for every CPU are checked as PASS/FAIL.

use super::misc::run_program_in;
use super::{probe, Suite};
use crate::cp0::{self, bits, cause, exc, status};
use crate::sched::critical;

pub fn run(suite: &mut Suite) {
    identification(suite);
    critical(|| status_write_mask(suite));
    critical(|| cause_write_mask(suite));
    critical(|| int_ctl_and_watch(suite));
    critical(|| user_local(suite));
    critical(|| fpu(suite));
    critical(|| vectored_interrupts(suite));
    supervisor_mode(suite);
}

/// Supervisor mode (KSU = 01), where KSU's low bit is writable: suseg and
/// sseg (the architecture's KSEG2, this layout's 0x60000000) are reachable,
/// kernel segments and CP0 are not (PRA, "Supervisor Mode Operations").
fn supervisor_mode(suite: &mut Suite) {
    let saved = cp0::status();
    let has_supervisor = critical(|| {
        cp0::set_status(saved | status::EXL | status::SM);
        let writable = cp0::status() & status::SM != 0;
        cp0::set_status(saved);
        writable
    });
    suite.seen_flag("supervisor", "mode", has_supervisor);
    // In user mode the same address is a kernel one.
    let ended = run_program_in("sseg", false);
    suite.eq("user_sseg_load_adel", exc::ADEL, ended.killed_by());
    if !has_supervisor {
        return;
    }
    let ended = run_program_in("pid", true);
    suite.that("supervisor_process_runs", ended.exited_with(ended.pid as i32), "its pid", ended.code as u32);
    let ended = run_program_in("sseg-read", true);
    suite.that(
        "supervisor_sseg_page_reads",
        ended.exited_with(crate::user::SSEG_MARK as i32),
        "exit with the page's mark",
        ended.code as u32,
    );
    suite.eq("user_sseg_page_adel", exc::ADEL, run_program_in("sseg-read", false).killed_by());
    let ended = run_program_in("sseg", true);
    suite.eq("supervisor_sseg_load_goes_to_the_tlb", exc::TLBL, ended.killed_by());
    suite.eq("supervisor_sseg_badvaddr", 0x6000_0000, ended.bad_vaddr());
    suite.eq(
        "supervisor_fault_status_ksu",
        status::SM,
        ended.fault.map_or(u32::MAX, |f| f.status & status::KSU_MASK),
    );
    let ended = run_program_in("kseg", true);
    suite.eq("supervisor_kseg0_load_adel", exc::ADEL, ended.killed_by());
    suite.eq("supervisor_kseg0_badvaddr", 0x4000_0000, ended.bad_vaddr());
    let ended = run_program_in("cop0", true);
    suite.eq("supervisor_mfc0_cpu", exc::CPU, ended.killed_by());
}

fn identification(suite: &mut Suite) {
    suite.seen("model_prid", cp0::prid());
    suite.seen("model_config1", cp0::config1());
    suite.seen("model_config3", cp0::config3());
    suite.seen("model_config7", cp0::config7());
    suite.seen("model_intctl", cp0::int_ctl());
}

/// Status bits probed one at a time: the ones whose effect a kernel can
/// survive for the few instructions they are set (BEV, IE, EXL, ERL, CU0 and
/// IM are checked elsewhere). KSU's supervisor bit is set under EXL, so the
/// CPU stays in kernel mode while it is probed.
const STATUS_PROBES: [(&str, u32); 14] = [
    // KSU's low bit: supervisor mode exists where it is writable.
    ("sm", 1 << 3),
    ("ux", 1 << 5),
    ("sx", 1 << 6),
    ("kx", 1 << 7),
    ("nmi", 1 << 19),
    ("sr", 1 << 20),
    ("ts", 1 << 21),
    ("px", 1 << 23),
    ("mx", 1 << 24),
    ("re", 1 << 25),
    ("fr", 1 << 26),
    ("rp", 1 << 27),
    ("cu1", 1 << 29),
    ("cu2", 1 << 30),
];

fn status_write_mask(suite: &mut Suite) {
    let saved = cp0::status();
    let base = saved | status::EXL;
    cp0::set_status(base);
    let mut writable = 0;
    for (_, bit) in STATUS_PROBES {
        cp0::set_status(base | bit);
        writable |= cp0::status() & bit;
        cp0::set_status(base);
    }
    cp0::set_status(saved);
    suite.seen("status_write_mask_probed", writable);
    for (name, bit) in STATUS_PROBES {
        suite.seen_flag("status_writable", name, writable & bit != 0);
    }
}

fn cause_write_mask(suite: &mut Suite) {
    let saved = cp0::cause();
    let mut writable = 0;
    for bit in [cause::ip(0), cause::ip(1), 1 << 22, cause::IV, 1 << 26, cause::DC] {
        cp0::set_cause(saved | bit);
        writable |= cp0::cause() & bit & !saved;
        cp0::set_cause(saved);
    }
    suite.seen("cause_write_mask_probed", writable);
    // Cause.DC stops Count (Release 2).
    cp0::set_cause(saved | cause::DC);
    if cp0::cause() & cause::DC != 0 {
        let before = cp0::count();
        spin(200);
        suite.eq("cause_dc_stops_count", before, cp0::count());
    }
    cp0::set_cause(saved);
}

fn int_ctl_and_watch(suite: &mut Suite) {
    let saved = cp0::int_ctl();
    cp0::set_int_ctl(0xffff_ffff);
    suite.seen("intctl_after_all_ones", cp0::int_ctl());
    cp0::set_int_ctl(saved);
    suite.eq("intctl_restored", saved, cp0::int_ctl());
    if bits(cp0::config1(), 3, 1) == 1 {
        // Config1.WR: WatchHi0 (M says whether pair 1 follows) and WatchLo0's write mask.
        suite.seen("watchhi0_at_reset", cp0::watch_hi0());
        cp0::set_watch_lo0(0xffff_fff8);
        suite.seen("watchlo0_after_address_ones", cp0::watch_lo0());
        cp0::set_watch_lo0(0);
        suite.eq("watchlo0_cleared", 0, cp0::watch_lo0());
    }
}

fn user_local(suite: &mut Suite) {
    suite.seen("config3_ulri", bits(cp0::config3(), 13, 1));
    // UserLocal's MTC0/MFC0 and a kernel-mode RDHWR $29, which QEMU serves
    // from UserLocal even without Config3.ULRI (user mode then gets RI).
    let saved = cp0::user_local();
    cp0::set_user_local(0x1234_5678);
    suite.seen("userlocal_after_write", cp0::user_local());
    let value: u32;
    let (caught, _) = probe!("1: rdhwr {v}, $29"; v = out(reg) value);
    match caught {
        Some(c) => suite.seen("rdhwr_29_kernel_exception", c.exc_code()),
        None => suite.seen("rdhwr_29_kernel_reads", value),
    }
    cp0::set_user_local(saved);
}

const FCSR_ENABLE_Z: u32 = 1 << 10;
const FCSR_CAUSE_Z: u32 = 1 << 15;
const ONE_THIRD: u64 = 0x3fd5_5555_5555_5555;

fn fpu(suite: &mut Suite) {
    let saved = cp0::status();
    let has_fpu = bits(cp0::config1(), 0, 1) == 1;
    suite.seen("config1_fp", has_fpu as u32);
    cp0::set_status(saved & !status::CU1);
    // With CU1 clear a COP1 instruction raises CpU with Cause.CE = 1.
    let (caught, _) = probe!(".set hardfloat", "1: mfc1 {v}, $f0"; v = out(reg) _);
    let caught = suite.caught("fpu_cu1_clear_raises_cpu", exc::CPU, caught);
    suite.eq("fpu_cpu_names_cp1", 1, bits(caught.cause, cause::CE_SHIFT, 2));
    cp0::set_status(saved | status::CU1);
    let cu1 = cp0::status() & status::CU1 != 0;
    suite.eq("fpu_cu1_writable_iff_config1_fp", has_fpu as u32, cu1 as u32);
    if has_fpu {
        fpu_registers(suite);
    }
    cp0::set_status(saved);
}

fn fpu_registers(suite: &mut Suite) {
    suite.seen("fpu_fir", fpu::fir());
    // Every bit but the enables and Cause.E (unimplemented operation, which
    // has no enable: writing it raises the exception at once).
    fpu::set_fcsr(0xff81_f07f);
    suite.seen("fpu_fcsr_after_ones", fpu::fcsr());
    fpu::set_fcsr(0);
    suite.seen("fpu_fcsr_after_zero", fpu::fcsr());
    suite.eq("fpu_div_d_one_third", (ONE_THIRD >> 32) as u32, (fpu::one_third() >> 32) as u32);
    suite.eq("fpu_div_d_one_third_low", ONE_THIRD as u32, fpu::one_third() as u32);

    // Status.FR: 0 pairs odd registers with even ones, 1 makes 32 64-bit registers.
    let saved = cp0::status();
    let fr_writable = {
        cp0::set_status(saved & !status::FR);
        let off = cp0::status() & status::FR == 0;
        cp0::set_status(saved | status::FR);
        let on = cp0::status() & status::FR != 0;
        cp0::set_status(saved);
        off && on
    };
    suite.seen("fpu_status_fr_writable", fr_writable as u32);
    if fr_writable {
        cp0::set_status(saved & !status::FR);
        suite.eq("fpu_fr0_odd_register_is_high_half", 0x1234_5678, fpu::odd_then_high_half(0x1234_5678));
        cp0::set_status(saved | status::FR);
        suite.eq("fpu_fr1_odd_register_independent", 0, fpu::odd_then_high_half(0x1234_5678));
        cp0::set_status(saved);
    }

    // Divide by zero with its enable set: Floating Point exception, FCSR.Cause.Z.
    fpu::set_fcsr(FCSR_ENABLE_Z);
    let (caught, mark) = probe!(
        ".set hardfloat",
        "mtc1 $zero, $f4",
        "lui {t}, 0x3f80",
        "mtc1 {t}, $f2",
        "1: div.s $f6, $f2, $f4";
        t = out(reg) _
    );
    let caught = suite.caught("fpu_divide_by_zero_raises_fpe", exc::FPE, caught);
    suite.eq("fpu_fpe_epc", mark, caught.epc);
    suite.that("fpu_fcsr_cause_z", fpu::fcsr() & FCSR_CAUSE_Z != 0, "Cause.Z set", fpu::fcsr());
    fpu::set_fcsr(0);
}

// Interrupt vector stubs: each jumps to `vi_common` with its number in $k1,
// which records it, clears the software interrupt requests and returns.
core::arch::global_asm!(
    r#"
    .set push
    .set noreorder
    .set noat
    .section .text.vectors, "ax"
    .macro vi_stub n
    .globl vi_stub\n\()_start
    .globl vi_stub\n\()_end
vi_stub\n\()_start:
    lui     $k0, %hi(vi_common)
    addiu   $k0, $k0, %lo(vi_common)
    jr      $k0
    li      $k1, \n
vi_stub\n\()_end:
    .endm
    vi_stub 1
    vi_stub 2
vi_common:
    lui     $k0, %hi(VI_TAKEN)
    sw      $k1, %lo(VI_TAKEN)($k0)
    mfc0    $k1, $13
    addiu   $k0, $zero, -0x301
    and     $k1, $k1, $k0
    mtc0    $k1, $13
    ehb
    eret
    .set pop
"#
);

extern "C" {
    static vi_stub1_start: u8;
    static vi_stub1_end: u8;
    static vi_stub2_start: u8;
    static vi_stub2_end: u8;
}

/// Which interrupt stub ran last (1 or 2; 0 for none).
#[no_mangle]
static mut VI_TAKEN: u32 = 0;

/// Raises software interrupt 1 with only IM1 unmasked; returns the stub that took it.
fn take_software_interrupt_1() -> u32 {
    let saved = cp0::status();
    // SAFETY: the stubs and this code are the only users of VI_TAKEN.
    unsafe { core::ptr::addr_of_mut!(VI_TAKEN).write_volatile(0) };
    cp0::set_status((saved & !(0xff << status::IM_SHIFT)) | status::im(1) | status::IE);
    cp0::set_cause(cp0::cause() | cause::ip(1));
    spin(100);
    cp0::set_status(saved);
    // SAFETY: as above.
    unsafe { core::ptr::addr_of!(VI_TAKEN).read_volatile() }
}

/// Cause.IV sends interrupts to EBase + 0x200; with IntCtl.VS non-zero too,
/// each line has its own vector, 0x200 + n * VS * 32 (PRA, "Interrupts").
fn vectored_interrupts(suite: &mut Suite) {
    // SAFETY: each pair of symbols delimits one assembled stub.
    let (one, two) = unsafe {
        (
            crate::trap::vectors::span(&vi_stub1_start, &vi_stub1_end),
            crate::trap::vectors::span(&vi_stub2_start, &vi_stub2_end),
        )
    };
    crate::trap::write_vector(0x200, two, 0x20);
    crate::trap::write_vector(0x220, one, 0x20);
    let (saved_cause, saved_int_ctl) = (cp0::cause(), cp0::int_ctl());
    cp0::set_cause(saved_cause | cause::IV);
    cp0::set_int_ctl(saved_int_ctl & !(0x1f << 5));
    suite.eq("iv_interrupt_at_ebase_0x200", 2, take_software_interrupt_1());
    cp0::set_int_ctl((saved_int_ctl & !(0x1f << 5)) | (1 << 5));
    if cp0::int_ctl() & (0x1f << 5) != 0 {
        // Vector 1 (software interrupt 1) at 0x200 + 1 * 32.
        suite.seen("vectored_sw1_stub", take_software_interrupt_1());
    }
    cp0::set_int_ctl(saved_int_ctl);
    cp0::set_cause(saved_cause & !cause::IV);
}

fn spin(iterations: u32) {
    for i in 0..iterations {
        core::hint::black_box(i);
    }
}

/// FPU access (Status.CU1 must be set).
mod fpu {
    use core::arch::asm;

    pub fn fir() -> u32 {
        let v: u32;
        // SAFETY: reads an FPU control register.
        unsafe { asm!(".set push", ".set noat", ".set hardfloat", "cfc1 {0}, $0", ".set pop", out(reg) v) };
        v
    }

    pub fn fcsr() -> u32 {
        let v: u32;
        // SAFETY: as above.
        unsafe { asm!(".set push", ".set noat", ".set hardfloat", "cfc1 {0}, $31", ".set pop", out(reg) v) };
        v
    }

    pub fn set_fcsr(value: u32) {
        // SAFETY: no enable is set together with its cause bit by the callers.
        unsafe {
            asm!(".set push", ".set noat", ".set hardfloat", "ctc1 {0}, $31", ".set pop", in(reg) value)
        };
    }

    /// 1.0 / 3.0 in double precision, as raw bits (works in FR=0 and FR=1).
    pub fn one_third() -> u64 {
        let (hi, lo): (u32, u32);
        // SAFETY: FPU registers $f0-$f5 only.
        unsafe {
            asm!(
                ".set push", ".set noat", ".set hardfloat",
                "lui {t}, 0x3ff0",
                "mtc1 $zero, $f0", "mthc1 {t}, $f0",
                "lui {t}, 0x4008",
                "mtc1 $zero, $f2", "mthc1 {t}, $f2",
                "div.d $f4, $f0, $f2",
                "mfc1 {lo}, $f4", "mfhc1 {hi}, $f4",
                ".set pop",
                t = out(reg) _, hi = out(reg) hi, lo = out(reg) lo,
            )
        };
        ((hi as u64) << 32) | lo as u64
    }

    /// Writes `value` to $f1 (after clearing $f0's high half), returns $f0's
    /// high half: `value` with FR = 0, where $f1 is that half; 0 with FR = 1.
    pub fn odd_then_high_half(value: u32) -> u32 {
        let v: u32;
        // SAFETY: FPU registers $f0 and $f1 only.
        unsafe {
            asm!(
                ".set push", ".set noat", ".set hardfloat", ".set fp=xx",
                "mthc1 $zero, $f0",
                "mtc1 {value}, $f1",
                "mfhc1 {v}, $f0",
                ".set pop",
                value = in(reg) value, v = out(reg) v,
            )
        };
        v
    }
}
