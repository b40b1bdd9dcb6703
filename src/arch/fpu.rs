//! The hardware FPU, which belongs to the guest: the monitor is soft-float
//! and never computes with it, so the guest's FPU state simply stays in the
//! registers between runs. The monitor touches them only to give the guest a
//! clean FPU at its first grant and to read the branch conditions of an FPU
//! branch whose delay slot trapped. COP1 instructions need Status.CU1 in
//! kernel mode too, so each access sets it around itself.

use mipsvisor::cp0;
use mipsvisor::cp0::fields::Status;
use mipsvisor::isa::FpuConditions;

/// Runs `f` with Status.CU1 (and FR = `fr64`) set, then restores Status.
fn with_cu1<T>(fr64: bool, f: impl FnOnce() -> T) -> T {
    let saved = mfc0!(cp0::STATUS);
    let mut status = Status::from_bits_retain(saved) | Status::CU1;
    status.set(Status::FR, fr64);
    mtc0!(cp0::STATUS, status.bits());
    let result = f();
    mtc0!(cp0::STATUS, saved);
    result
}

/// Zeroes all 32 64-bit FPRs and sets FCSR: the FPU as the guest's CPU
/// would have it at reset, with nothing left from before.
pub fn reset(fcsr: u32) {
    with_cu1(true, || {
        // SAFETY: CU1 and FR are set; only FPU registers change.
        unsafe {
            core::arch::asm!(
                ".set push",
                ".set noat",
                ".set hardfloat",
                ".set fp=64",
                ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
                "mtc1 $zero, $f\\n",
                "mthc1 $zero, $f\\n",
                ".endr",
                "ctc1 {fcsr}, $31",
                ".set pop",
                fcsr = in(reg) fcsr,
            )
        };
    });
}

/// FIR, the FPU's implementation register (read-only; the guest reads it
/// directly, since CFC1 does not trap while it owns the FPU).
pub fn fir() -> u32 {
    with_cu1(false, || {
        let fir: u32;
        // SAFETY: reads an FPU control register only.
        unsafe {
            core::arch::asm!(".set push", ".set hardfloat", "cfc1 {v}, $0", ".set pop", v = out(reg) fir)
        };
        fir
    })
}

/// FCSR and bit 0 of every FPR (the view the guest's Status.FR selects).
pub fn conditions(guest_fr64: bool) -> FpuConditions {
    with_cu1(guest_fr64, || {
        let fcsr: u32;
        // SAFETY: reads FPU registers only.
        unsafe {
            core::arch::asm!(".set push", ".set hardfloat", "cfc1 {v}, $31", ".set pop", v = out(reg) fcsr)
        };
        let mut fpr_bit0 = 0u32;
        macro_rules! bit0 {
            ($($n:literal)*) => {$(
                let word: u32;
                // SAFETY: as above.
                unsafe {
                    core::arch::asm!(".set push", ".set hardfloat", concat!("mfc1 {v}, $f", $n), ".set pop", v = out(reg) word)
                };
                fpr_bit0 |= (word & 1) << $n;
            )*};
        }
        bit0!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
        FpuConditions { fcsr, fpr_bit0 }
    })
}
