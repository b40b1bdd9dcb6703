//! Load/store helpers: LWL/LWR/SWL/SWR lane merges in both byte orders
//! against the MD00086 tables, GNU as's `ulw`/`usw` expansions executed with
//! our decoder and merges, and load extension.

use super::gnu::{self, MIPS32R2};
use crate::isa::mem::{load_result, merge_lwl, merge_lwr, store_data, swl, swr, unaligned_span};
use crate::isa::Gpr::*;
use crate::isa::{decode, Endian, GuestIsa, Insn, MemAccess, MemOp, Unaligned, Width};

/// The letters of the MD00086 figures as distinct byte values: the register
/// holds A B C D, the memory word I J K L.
fn letter(c: char) -> u8 {
    match c {
        'A' => 0xa1,
        'B' => 0xb2,
        'C' => 0xc3,
        'D' => 0xd4,
        'I' => 0x19,
        'J' => 0x2a,
        'K' => 0x3b,
        'L' => 0x4c,
        _ => panic!("no letter {c}"),
    }
}

/// A word written most-significant byte first, as the manual's tables show registers.
fn word(letters: &str) -> u32 {
    letters.chars().fold(0, |w, c| (w << 8) | u32::from(letter(c)))
}

/// The manual's memory: byte offsets 0..3 hold I J K L on a big-endian CPU,
/// offsets 3..0 on a little-endian one, so both load the word I J K L.
fn memory(endian: Endian) -> [u8; 4] {
    let ijkl = [letter('I'), letter('J'), letter('K'), letter('L')];
    match endian {
        Endian::Big => ijkl,
        Endian::Little => [ijkl[3], ijkl[2], ijkl[1], ijkl[0]],
    }
}

const WORD_BASE: u32 = 0xa000_1000;

/// One table: the result for vAddr[1:0] = 0, 1, 2, 3, per byte order.
struct Table {
    big: [&'static str; 4],
    little: [&'static str; 4],
}

fn check_table(name: &str, table: &Table, result: impl Fn(u32, u32, Endian) -> u32) {
    for (endian, column) in [(Endian::Big, &table.big), (Endian::Little, &table.little)] {
        let mem_word = endian.word_from_bytes(memory(endian));
        assert_eq!(mem_word, word("IJKL"), "the figure's memory loads as I J K L ({endian:?})");
        for (offset, expected) in column.iter().enumerate() {
            let addr = WORD_BASE + offset as u32;
            let got = result(mem_word, addr, endian);
            assert_eq!(
                got,
                word(expected),
                "{name} {endian:?} vAddr[1:0]={offset}: got {got:08x}, table {expected}"
            );
        }
    }
}

#[test]
fn lwl_matches_the_bytes_loaded_by_lwl_table() {
    // MD00086 LWL, "Bytes Loaded by LWL Instruction": register before A B C D.
    let table = Table { big: ["IJKL", "JKLD", "KLCD", "LBCD"], little: ["LBCD", "KLCD", "JKLD", "IJKL"] };
    check_table("lwl", &table, |mem, addr, endian| merge_lwl(word("ABCD"), mem, addr, endian));
}

#[test]
fn lwr_matches_the_bytes_loaded_by_lwr_table() {
    // MD00086 LWR, "Bytes Loaded by LWR Instruction".
    let table = Table { big: ["ABCI", "ABIJ", "AIJK", "IJKL"], little: ["IJKL", "AIJK", "ABIJ", "ABCI"] };
    check_table("lwr", &table, |mem, addr, endian| merge_lwr(word("ABCD"), mem, addr, endian));
}

#[test]
fn swl_matches_the_bytes_stored_by_swl_table() {
    // MD00086 SWL, "Bytes Stored by an SWL Instruction": memory word after the store.
    let table = Table { big: ["ABCD", "IABC", "IJAB", "IJKA"], little: ["IJKA", "IJAB", "IABC", "ABCD"] };
    check_table("swl", &table, |mem, addr, endian| swl(word("ABCD"), addr, endian).merge_into(mem));
}

#[test]
fn swr_matches_the_bytes_stored_by_swr_table() {
    // MD00086 SWR, "Bytes Stored by an SWR Instruction".
    let table = Table { big: ["DJKL", "CDKL", "BCDL", "ABCD"], little: ["ABCD", "BCDL", "CDKL", "DJKL"] };
    check_table("swr", &table, |mem, addr, endian| swr(word("ABCD"), addr, endian).merge_into(mem));
}

#[test]
fn unaligned_span_is_exactly_the_bytes_a_store_changes() {
    // Register and memory letters all differ, so the changed bytes are the written ones.
    for endian in [Endian::Big, Endian::Little] {
        let before = memory(endian);
        let old_word = endian.word_from_bytes(before);
        for offset in 0..4u32 {
            let addr = WORD_BASE + offset;
            for (side, store) in
                [(Unaligned::Left, swl as fn(u32, u32, Endian) -> _), (Unaligned::Right, swr)]
            {
                let partial = store(word("ABCD"), addr, endian);
                let after = endian.word_to_bytes(partial.merge_into(old_word));
                let changed: Vec<u32> = (0..4).filter(|&i| before[i as usize] != after[i as usize]).collect();
                let (start, len) = unaligned_span(side, addr, endian);
                let expected: Vec<u32> = (start - WORD_BASE..start - WORD_BASE + len).collect();
                assert_eq!(changed, expected, "{side:?} {endian:?} at offset {offset}");
                assert_eq!(partial.byte_count(), len);
            }
        }
    }
}

/// Run GNU as's `ulw`/`usw` macro expansions (a pair of LWL/LWR or SWL/SWR
/// whose offsets as picks per byte order) through our decoder and merges.
#[test]
fn gnu_ulw_and_usw_expansions_move_the_unaligned_word() {
    const BASE_REG_VALUE: u32 = 0x1000;
    let memory: [u8; 12] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc];
    for endian in [Endian::Big, Endian::Little] {
        for offset in 0..=5u32 {
            let load = format!("ulw $2, {offset}($3)");
            let store = format!("usw $4, {offset}($3)");
            let listings = gnu::assemble_program(MIPS32R2, endian, &[&load, &store]);
            let accesses: Vec<MemAccess> = listings
                .iter()
                .filter_map(|l| match decode(l.word, GuestIsa::Mips32r2) {
                    Insn::Mem(access) => Some(access),
                    _ => None,
                })
                .collect();
            assert_eq!(accesses.len(), 4, "ulw and usw expand to two accesses each: {listings:?}");

            let mut regs = [0u32; 32];
            regs[V1.number() as usize] = BASE_REG_VALUE;
            regs[V0.number() as usize] = 0xdead_beef;
            regs[A0.number() as usize] = 0xa1b2_c3d4;
            let mut mem = memory;
            for access in &accesses {
                let addr = access.effective_address(&regs);
                let word_index = (addr - BASE_REG_VALUE) as usize & !3;
                let bytes = [mem[word_index], mem[word_index + 1], mem[word_index + 2], mem[word_index + 3]];
                let mem_word = endian.word_from_bytes(bytes);
                let rt = access.rt.number() as usize;
                match access.op {
                    MemOp::Lwl => regs[rt] = merge_lwl(regs[rt], mem_word, addr, endian),
                    MemOp::Lwr => regs[rt] = merge_lwr(regs[rt], mem_word, addr, endian),
                    MemOp::Swl | MemOp::Swr => {
                        let partial = if access.op == MemOp::Swl {
                            swl(regs[rt], addr, endian)
                        } else {
                            swr(regs[rt], addr, endian)
                        };
                        let new = endian.word_to_bytes(partial.merge_into(mem_word));
                        mem[word_index..word_index + 4].copy_from_slice(&new);
                    }
                    other => panic!("unexpected {other:?} in the ulw/usw expansion"),
                }
            }
            let at = offset as usize;
            let unaligned = [memory[at], memory[at + 1], memory[at + 2], memory[at + 3]];
            assert_eq!(
                regs[V0.number() as usize],
                endian.word_from_bytes(unaligned),
                "ulw at {offset} {endian:?}"
            );
            let mut expected = memory;
            expected[at..at + 4].copy_from_slice(&endian.word_to_bytes(0xa1b2_c3d4));
            assert_eq!(mem, expected, "usw at {offset} {endian:?}");
        }
    }
}

#[test]
fn load_results_sign_or_zero_extend_by_width() {
    // MD00086 LB/LH: sign-extend; LBU/LHU: zero-extend; bits above the width are ignored.
    assert_eq!(load_result(Width::Byte, true, 0x1234_5680), 0xffff_ff80);
    assert_eq!(load_result(Width::Byte, false, 0x1234_5680), 0x80);
    assert_eq!(load_result(Width::Byte, true, 0x7f), 0x7f);
    assert_eq!(load_result(Width::Half, true, 0xabcd_8001), 0xffff_8001);
    assert_eq!(load_result(Width::Half, false, 0xabcd_8001), 0x8001);
    assert_eq!(load_result(Width::Half, true, 0x7fff), 0x7fff);
    assert_eq!(load_result(Width::Word, true, 0x8000_0000), 0x8000_0000);
    assert_eq!(store_data(Width::Byte, 0x1234_5678), 0x78);
    assert_eq!(store_data(Width::Half, 0x1234_5678), 0x5678);
    // The ops carry their extension: LB signed, LBU not.
    assert_eq!(MemOp::Lb.kind(), crate::isa::AccessKind::Load { signed: true });
    assert_eq!(MemOp::Lhu.kind(), crate::isa::AccessKind::Load { signed: false });
    assert_eq!(MemOp::Sc.kind(), crate::isa::AccessKind::Store);
}

#[test]
fn effective_address_wraps_and_alignment_follows_the_width() {
    let mut regs = [0u32; 32];
    regs[T0.number() as usize] = 0xa000_0004;
    regs[T1.number() as usize] = 0xffff_fffc;
    let lw = |base, offset| MemAccess { op: MemOp::Lw, rt: V0, base, offset };
    // MD00086: vAddr = sign_extend(offset) + GPR[base], a 32-bit add.
    assert_eq!(lw(T0, -8).effective_address(&regs), 0x9fff_fffc);
    assert_eq!(lw(T1, 8).effective_address(&regs), 0x4);
    assert_eq!(lw(Zero, -32768).effective_address(&regs), 0xffff_8000);
    // Address Error unless naturally aligned; LWL/SWR take any byte.
    let at = |op| MemAccess { op, rt: V0, base: T0, offset: 0 };
    assert!(!at(MemOp::Lw).is_aligned(0xa000_0002));
    assert!(at(MemOp::Lw).is_aligned(0xa000_0004));
    assert!(!at(MemOp::Lh).is_aligned(0xa000_0001));
    assert!(at(MemOp::Lhu).is_aligned(0xa000_0002));
    assert!(at(MemOp::Lb).is_aligned(0xa000_0003));
    assert!(at(MemOp::Lwl).is_aligned(0xa000_0003));
    assert!(at(MemOp::Swr).is_aligned(0xa000_0001));
    assert!(!at(MemOp::Ll).is_aligned(0xa000_0001));
}
