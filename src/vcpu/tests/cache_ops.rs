//! CACHE (MD00086: op[1:0] selects the cache, op[4:2] the operation) and
//! SYNCI at monitor-served addresses.

use super::*;
use crate::isa::Gpr::*;
use crate::vcpu::host::FaultResolution;

/// The virtual 24Kc's L1 line: Config1.IL = DL = 3, 2 << 3 = 16 bytes.
const LINE: u32 = 16;

fn cache_op(v: &mut TestVcpu, h: &mut FakeHost, source: &str, address: u32) {
    set(v, A0, address);
    cop0_trap(v, h, source);
}

#[test]
fn hit_invalidate_i_syncs_the_host_icache_for_that_guest_line() {
    // op 0x10: Hit Invalidate, primary I-cache. Guest KSEG0 0x40000000 + p is guest physical p.
    let (mut v, mut h) = kernel();
    cache_op(&mut v, &mut h, "cache 0x10, 4($a0)", 0x4012_3452);
    assert_eq!(h.synced, [(0x0012_3450, LINE)]);
    assert_eq!((v.stats.cache, v.regs.pc), (1, PC + 4));
    // Real KSEG0 reaches guest physical address & 0x1FFFFFFF.
    cache_op(&mut v, &mut h, "cache 0x10, 0($a0)", 0x8000_1008);
    assert_eq!(h.synced[1], (0x1000, LINE));
    // op 0x14: Fill I-cache: the line must come from memory too.
    cache_op(&mut v, &mut h, "cache 0x14, 0($a0)", 0x4000_0020);
    assert_eq!(h.synced[2], (0x20, LINE));
}

#[test]
fn data_cache_operations_only_count() {
    // The host's data cache is the guest's: nothing to write back for it.
    // op 0x15 Hit Writeback Invalidate D, 0x19 Hit Writeback D, 0x01 Index Writeback Invalidate D.
    let (mut v, mut h) = kernel();
    for source in ["cache 0x15, 0($a0)", "cache 0x19, 0($a0)", "cache 0x01, 0($a0)"] {
        cache_op(&mut v, &mut h, source, 0x4000_0100);
    }
    // op 0x11 Hit Invalidate D: discarding is never required for coherence here.
    cache_op(&mut v, &mut h, "cache 0x11, 0($a0)", 0x4000_0100);
    assert_eq!((v.stats.cache, v.stats.flush_dcache), (4, 3));
    assert!(h.synced.is_empty() && h.synced_all == 0);
}

#[test]
fn index_invalidate_i_syncs_everything_once_per_sweep() {
    // op 0x00: Index Invalidate I. A sweep starts at index 0 of way 0, i.e. at a
    // multiple of the cache size (64 sets × 16 bytes × 2 ways = 2 KiB).
    let (mut v, mut h) = kernel();
    for line in 0..(2048 / LINE) {
        cache_op(&mut v, &mut h, "cache 0, 0($a0)", 0x4000_0000 + line * LINE);
    }
    assert_eq!((h.synced_all, v.stats.cache), (1, 128));
    // Index Store Tag (op 0x08) initialises tags: no sync.
    cache_op(&mut v, &mut h, "cache 0x08, 0($a0)", 0x4000_0000);
    assert_eq!(h.synced_all, 1);
}

#[test]
fn hit_op_on_an_unmapped_guest_address_takes_the_guest_tlb_refill() {
    // MD00086 CACHE: hit operations translate their address and may raise TLB
    // Refill (to offset 0 with EXL clear) or TLB Invalid, as a load does (TLBL).
    let (mut v, mut h) = kernel();
    cache_op(&mut v, &mut h, "cache 0x10, 0($a0)", 0x6000_2000);
    assert_eq!(delivered(&v), (ExcCode::TlbL, PC, false, REFILL_VECTOR));
    assert_eq!(v.cp0.bad_vaddr(), 0x6000_2000);
    assert!(h.synced.is_empty());
}

#[test]
fn hit_op_above_the_guest_segments_is_an_address_error() {
    let (mut v, mut h) = kernel();
    cache_op(&mut v, &mut h, "cache 0x10, 0($a0)", 0xc000_0000);
    assert_eq!(delivered(&v), (ExcCode::AdEL, PC, false, GENERAL_VECTOR));
    assert_eq!(v.cp0.bad_vaddr(), 0xc000_0000);
}

#[test]
fn cache_in_guest_user_mode_is_coprocessor_unusable() {
    // MD00086 CACHE: without CP0 access (user mode, CU0 = 0) it raises CpU, CE = 0.
    let (mut v, mut h) = user();
    cache_op(&mut v, &mut h, "cache 0x10, 0($a0)", 0x0040_0000);
    assert_eq!(delivered(&v), (ExcCode::CpU, PC, false, GENERAL_VECTOR));
    assert_eq!(v.cp0.cause().ce(), 0);
}

#[test]
fn synci_on_real_kseg0_syncs_the_line_and_continues() {
    // In host user mode SYNCI to 0x80000000+ is an address error; the monitor
    // performs it: one SYNCI_Step (16) line at guest physical address & 0x1FFFFFFF.
    let (mut v, mut h) = kernel();
    set(&mut v, A0, 0x8000_1230);
    let exit = HostExit { bad_vaddr: 0x8000_1234, ..exit(ExcCode::AdEL, PC) };
    v.mmu.code.insert(PC, asm_one("synci 4($a0)"));
    v.handle_exit(&exit, &mut h);
    assert_eq!(h.synced, [(0x1230, LINE)]);
    assert_eq!((v.regs.pc, v.stats.synci, v.stats.addrerr_ld), (PC + 4, 1, 1));
}

#[test]
fn synci_on_an_address_the_mmu_leaves_to_emulate() {
    let (mut v, mut h) = kernel();
    v.mmu.fault_answer = FaultResolution::Emulate { guest_phys: 0x0200_0040 };
    set(&mut v, A0, 0x4200_0040);
    let exit = HostExit { bad_vaddr: 0x4200_0040, ..exit(ExcCode::TlbL, PC) };
    v.mmu.code.insert(PC, asm_one("synci 0($a0)"));
    v.handle_exit(&exit, &mut h);
    assert_eq!(h.synced, [(0x0200_0040, LINE)]);
    assert_eq!(v.regs.pc, PC + 4);
}
