//! Dynamic translation: an emulated data-cache CACHE becomes a NOP in guest
//! RAM (as Linux's KVM trap-and-emulate rewrote CACHE index ops); I-cache
//! operations and CACHE that raised an exception are left to trap again.
//!
//! The code sits in guest KSEG0 (KVM layout: 0x40000000 + p is guest
//! physical p) inside the fake's RAM, so the rewrite has RAM to land in.

use super::*;
use crate::isa::Gpr::*;
use crate::vcpu::host::GuestMemory;
use crate::vcpu::tests::fakes::RAM_BYTES;

/// Guest KSEG0 code at guest physical [`CODE_PHYS`].
const CODE: u32 = 0x4000_0200;
const CODE_PHYS: u32 = 0x200;
/// A line the hit operations name (guest KSEG0, in RAM).
const DATA: u32 = 0x4000_1000;
/// MIPS NOP: `sll $zero, $zero, 0` (MD00086 NOP), checked against GNU as below.
const NOP: u32 = 0;

/// Puts `source` at `pc` in guest RAM (and where the fake fetches it) and
/// takes the Coprocessor Unusable exit on it with $a0 = [`DATA`].
fn trap_in_ram(v: &mut TestVcpu, h: &mut FakeHost, source: &str, pc: u32) -> u32 {
    let word = asm_one(source);
    assert!(v.mmu.write_phys(pc - 0x4000_0000, 4, word));
    set(v, A0, DATA);
    assert_eq!(trap_at(v, h, ExcCode::CpU, pc, word), ExitOutcome::Resume);
    word
}

fn ram_word(v: &TestVcpu, phys: u32) -> Option<u32> {
    v.mmu.read_phys(phys, 4)
}

#[test]
fn nop_is_the_zero_word() {
    assert_eq!(asm_one("nop"), NOP);
}

#[test]
fn emulated_d_cache_ops_become_nops_and_the_host_syncs_that_word() {
    // MD00086 CACHE op table: 0x15 Hit Writeback Invalidate D, 0x19 Hit
    // Writeback D, 0x11 Hit Invalidate D, 0x01 Index Writeback Invalidate D,
    // 0x17 Hit Writeback Invalidate S.
    for (i, source) in [
        "cache 0x15, 0($a0)",
        "cache 0x19, 0($a0)",
        "cache 0x11, 0($a0)",
        "cache 0x01, 0($a0)",
        "cache 0x17, 0($a0)",
    ]
    .into_iter()
    .enumerate()
    {
        let (mut v, mut h) = kernel();
        let pc = CODE + 4 * i as u32;
        let phys = CODE_PHYS + 4 * i as u32;
        trap_in_ram(&mut v, &mut h, source, pc);
        assert_eq!(v.regs.pc, pc + 4, "{source}: emulated and continued");
        assert_eq!(ram_word(&v, phys), Some(NOP), "{source}");
        assert_eq!(h.synced, [(phys, 4)], "{source}");
        assert_eq!((v.stats.cache, v.stats.dyntrans), (1, 1), "{source}");
    }
}

#[test]
fn the_rewrite_is_a_nop_in_either_byte_order() {
    let (mut v, mut h) = machine(VcpuModel::kvm_24kc(Endianness::Big));
    let word = trap_in_ram(&mut v, &mut h, "cache 0x15, 0($a0)", CODE);
    assert_ne!(word, NOP);
    assert_eq!(v.mmu.ram[CODE_PHYS as usize..][..4], [0; 4]);
    assert_eq!(v.stats.dyntrans, 1);
}

#[test]
fn i_cache_ops_keep_trapping() {
    // 0x10 Hit Invalidate I and 0x00 Index Invalidate I make guest-written
    // code visible to fetch: the host must see every one.
    let (mut v, mut h) = kernel();
    let hit = trap_in_ram(&mut v, &mut h, "cache 0x10, 0($a0)", CODE);
    let index = trap_in_ram(&mut v, &mut h, "cache 0x00, 0($a0)", CODE + 4);
    assert_eq!(ram_word(&v, CODE_PHYS), Some(hit));
    assert_eq!(ram_word(&v, CODE_PHYS + 4), Some(index));
    // Only the I-line sync of the hit operation (16-byte line at DATA's guest physical).
    assert_eq!(h.synced, [(0x1000, 16)]);
    assert_eq!(v.stats.dyntrans, 0);
}

#[test]
fn d_cache_tag_loads_and_locks_keep_trapping() {
    // 0x05 Index Load Tag D fills TagLo; 0x1d Fetch and Lock D: not plain maintenance.
    let (mut v, mut h) = kernel();
    let load_tag = trap_in_ram(&mut v, &mut h, "cache 0x05, 0($a0)", CODE);
    let lock = trap_in_ram(&mut v, &mut h, "cache 0x1d, 0($a0)", CODE + 4);
    assert_eq!(ram_word(&v, CODE_PHYS), Some(load_tag));
    assert_eq!(ram_word(&v, CODE_PHYS + 4), Some(lock));
    assert_eq!(v.stats.dyntrans, 0);
}

#[test]
fn a_cache_in_a_delay_slot_rewrites_the_slot_not_the_branch() {
    // Cause.BD: EPC is the branch, the trapping CACHE is at EPC + 4.
    let (mut v, mut h) = kernel();
    let [branch, slot] = asm(["beq $zero, $zero, .+16", "cache 0x15, 0($a0)"]);
    assert!(v.mmu.write_phys(CODE_PHYS, 4, branch));
    assert!(v.mmu.write_phys(CODE_PHYS + 4, 4, slot));
    v.mmu.code.insert(CODE, branch);
    v.mmu.code.insert(CODE + 4, slot);
    set(&mut v, A0, DATA);
    let exit = HostExit { cause_bd: true, ..exit(ExcCode::CpU, CODE) };
    assert_eq!(v.handle_exit(&exit, &mut h), ExitOutcome::Resume);
    assert_eq!(v.regs.pc, CODE + 16, "the branch was taken");
    assert_eq!(ram_word(&v, CODE_PHYS), Some(branch));
    assert_eq!(ram_word(&v, CODE_PHYS + 4), Some(NOP));
    assert_eq!(h.synced, [(CODE_PHYS + 4, 4)]);
}

#[test]
fn a_hit_op_that_faults_is_not_rewritten() {
    // MD00086 CACHE: a hit operation on an unmapped address takes TLB Refill
    // (TLBL); the guest must take it again on every execution.
    let (mut v, mut h) = kernel();
    let word = asm_one("cache 0x15, 0($a0)");
    assert!(v.mmu.write_phys(CODE_PHYS, 4, word));
    set(&mut v, A0, 0x6000_2000);
    trap_at(&mut v, &mut h, ExcCode::CpU, CODE, word);
    assert_eq!(delivered(&v), (ExcCode::TlbL, CODE, false, REFILL_VECTOR));
    assert_eq!(ram_word(&v, CODE_PHYS), Some(word));
    assert!(h.synced.is_empty());
    assert_eq!(v.stats.dyntrans, 0);
}

#[test]
fn dyntrans_off_leaves_guest_memory_alone() {
    let (mut v, mut h) = kernel();
    v.dyntrans = false;
    let word = trap_in_ram(&mut v, &mut h, "cache 0x15, 0($a0)", CODE);
    assert_eq!(ram_word(&v, CODE_PHYS), Some(word));
    assert!(h.synced.is_empty());
    assert_eq!((v.stats.cache, v.stats.flush_dcache, v.stats.dyntrans), (1, 1, 0));
}

#[test]
fn nothing_is_written_where_ram_does_not_hold_the_trapped_word() {
    // Code outside guest RAM (the fake's RAM ends at RAM_BYTES): nothing to rewrite.
    let (mut v, mut h) = kernel();
    let outside = 0x4000_0000 + RAM_BYTES as u32;
    let word = asm_one("cache 0x15, 0($a0)");
    set(&mut v, A0, DATA);
    trap_at(&mut v, &mut h, ExcCode::CpU, outside, word);
    assert_eq!(v.regs.pc, outside + 4);
    // RAM holding another word than the one fetched (changed since): left alone.
    assert!(v.mmu.write_phys(CODE_PHYS, 4, 0x1234_5678));
    trap_at(&mut v, &mut h, ExcCode::CpU, CODE, word);
    assert_eq!(ram_word(&v, CODE_PHYS), Some(0x1234_5678));
    assert!(h.synced.is_empty());
    assert_eq!((v.stats.cache, v.stats.dyntrans), (2, 0));
}
