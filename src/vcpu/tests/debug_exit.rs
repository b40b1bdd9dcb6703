//! A guest SDBBP taken at the monitor's flash debug vector becomes a
//! Reserved Instruction exception (see `vcpu::debug_exit` for why).

use super::*;

#[test]
fn sdbbp_becomes_reserved_instruction_at_its_own_pc() {
    let (mut v, mut h) = kernel();
    v.mmu.code.insert(PC, asm_one("sdbbp"));
    assert_eq!(v.handle_debug_exit(PC, &mut h), ExitOutcome::Resume);
    assert_eq!(delivered(&v), (ExcCode::Ri, PC, false, GENERAL_VECTOR));
    assert!(status_of(&v).contains(Status::EXL));
    assert_eq!(v.stats.resvd_inst, 1);
}

#[test]
fn sdbbp_in_a_delay_slot_names_the_branch_with_bd() {
    // QEMU 7.2 leaves DEPC at the branch (never setting Debug.DBD).
    let (mut v, mut h) = user();
    let [branch, slot] = asm(["beq $zero, $zero, .+16", "sdbbp"]);
    v.mmu.code.insert(PC, branch);
    v.mmu.code.insert(PC + 4, slot);
    v.handle_debug_exit(PC, &mut h);
    assert_eq!(delivered(&v), (ExcCode::Ri, PC, true, GENERAL_VECTOR));
}
