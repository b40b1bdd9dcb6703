//! RDHWR (MD00086, Release 2): hardware registers 0 CPUNum, 1 SYNCI_Step,
//! 2 CC, 3 CCRes, 29 ULR; usable in kernel mode, with CU0, or when the
//! register's HWREna bit is set, otherwise Reserved Instruction.

use super::*;
use crate::cp0::fields::HwrEna;
use crate::isa::Gpr::*;

fn rdhwr(v: &mut TestVcpu, h: &mut FakeHost, source: &str) -> ExitOutcome {
    trap_at(v, h, ExcCode::Ri, PC, asm_one(source))
}

#[test]
fn kernel_mode_reads_every_register_the_model_has() {
    let (mut v, mut h) = kernel();
    v.cp0.write(cp0::USER_LOCAL, 0x7765_4320).unwrap();
    h.count += 3; // 12 guest ticks
    let cases = [
        ("rdhwr $t0, $0", 0),            // CPUNum: EBase.CPUNum of the only CPU
        ("rdhwr $t0, $1", 16),           // SYNCI_Step: the 16-byte L1 line
        ("rdhwr $t0, $2", 12),           // CC: guest Count
        ("rdhwr $t0, $3", 2),            // CCRes: Count advances every 2 cycles on a 24K
        ("rdhwr $t0, $29", 0x7765_4320), // ULR: UserLocal
    ];
    for (source, expected) in cases {
        set(&mut v, T0, 0xdead);
        assert_eq!(rdhwr(&mut v, &mut h, source), ExitOutcome::Resume);
        assert_eq!((get(&v, T0), v.regs.pc), (expected, PC + 4), "{source}");
    }
    assert_eq!(v.stats.resvd_inst, 5);
}

#[test]
fn user_mode_needs_the_hwrena_bit() {
    let (mut v, mut h) = user();
    v.cp0.write(cp0::USER_LOCAL, 0x1000).unwrap();
    rdhwr(&mut v, &mut h, "rdhwr $v1, $29");
    assert_eq!(delivered(&v), (ExcCode::Ri, PC, false, GENERAL_VECTOR));

    let (mut v, mut h) = user();
    v.cp0.write(cp0::USER_LOCAL, 0x1000).unwrap();
    v.cp0.write(cp0::HW_RENA, HwrEna::ULR.bits()).unwrap();
    rdhwr(&mut v, &mut h, "rdhwr $v1, $29");
    assert_eq!((get(&v, V1), v.regs.pc), (0x1000, PC + 4));
    // ULR's bit does not open CC.
    rdhwr(&mut v, &mut h, "rdhwr $v1, $2");
    assert_eq!(delivered(&v).0, ExcCode::Ri);
}

#[test]
fn registers_the_model_lacks_are_reserved_even_in_kernel_mode() {
    // 4 (PerfCtr) and 5 (XNP) are Release 6; 30 and 31 are implementation-specific.
    for source in ["rdhwr $t0, $4", "rdhwr $t0, $5", "rdhwr $t0, $30"] {
        let (mut v, mut h) = kernel();
        rdhwr(&mut v, &mut h, source);
        assert_eq!(delivered(&v), (ExcCode::Ri, PC, false, GENERAL_VECTOR), "{source}");
    }
}

#[test]
fn other_reserved_instructions_are_the_guests_and_not_logged() {
    // A word no MIPS32r2 opcode uses (major opcode 0x3b): RI, EPC at it.
    let (mut v, mut h) = kernel();
    trap_at(&mut v, &mut h, ExcCode::Ri, PC, 0xec00_0000);
    assert_eq!(delivered(&v), (ExcCode::Ri, PC, false, GENERAL_VECTOR));
    assert!(h.log.is_empty());
}

#[test]
fn rdhwr_in_a_delay_slot_continues_at_the_branch_target() {
    // MD00086 BNE: taken, target = branch + 4 + offset (`.+24` is branch + 24).
    let (mut v, mut h) = user();
    v.cp0.write(cp0::HW_RENA, HwrEna::CC_RES.bits()).unwrap();
    set(&mut v, A0, 1);
    delay_slot_trap(&mut v, &mut h, ExcCode::Ri, "bne $a0, $zero, .+24", "rdhwr $t1, $3");
    assert_eq!((get(&v, T1), v.regs.pc), (2, PC + 24));
}
