//! The refill handler for each CPU of the board set: size budgets, golden
//! disassembly (objdump), and execution against fake tables built from
//! `mmu::layout`.

use super::handler::split_address;
use super::interpreter::Machine;
use super::*;
use crate::cp0::{self, Cp0Reg};
use crate::mmu::layout::{leaf_bytes, root_bytes, LEAF_ENTRIES, PAGE_SHIFT, ROOT_ENTRIES, ROOT_SHIFT};
use crate::uasm::{binutils, Endian, Isa};
use crate::word::WordSize;

struct CpuModel {
    name: &'static str,
    target: RefillTarget,
    endian: Endian,
    /// Most instructions the issue allows for this CPU.
    budget: usize,
}

/// The board set's CPUs as QEMU 7.2 models them (docs/platforms.md):
/// 24Kf has no KScratch and needs ehb; P5600 has KScratch 2..4 and is on
/// Linux's list of cores without the execution hazard; I6500 is MIPS64r6
/// with KScratch 2..7 and needs ehb.
fn cpu_models() -> [CpuModel; 3] {
    [
        CpuModel {
            name: "24kf",
            target: RefillTarget {
                isa: Isa::Mips32r2,
                scratch: Scratch::DataLoErrorEpc,
                root: RootSource::Absolute(0x8000_1000),
                needs_ehb: true,
            },
            endian: Endian::Big,
            budget: 22,
        },
        CpuModel {
            name: "p5600",
            target: RefillTarget {
                isa: Isa::Mips32r2,
                scratch: Scratch::KScratch { k0_sel: 2, k1_sel: 3 },
                root: RootSource::KScratch(4),
                needs_ehb: false,
            },
            endian: Endian::Little,
            budget: 20,
        },
        CpuModel {
            name: "i6500",
            target: RefillTarget {
                isa: Isa::Mips64r6,
                scratch: Scratch::KScratch { k0_sel: 2, k1_sel: 3 },
                root: RootSource::KScratch(4),
                needs_ehb: true,
            },
            endian: Endian::Little,
            budget: 20,
        },
    ]
}

#[test]
fn each_cpu_model_fits_its_instruction_budget() {
    for model in cpu_models() {
        let handler = generate(&model.target).unwrap();
        let n = handler.words.len();
        assert!(n <= model.budget, "{}: {n} instructions, budget {}", model.name, model.budget);
        assert!(n <= MAX_WORDS);
        assert_eq!(handler.report.instructions, n);
    }
}

#[test]
fn golden_disassembly_per_cpu_model() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    for model in cpu_models() {
        let handler = generate(&model.target).unwrap();
        let listing = binutils::disassemble(model.target.isa, model.endian, &handler.words);
        let text = format!("# {}\n{listing}", handler.report);
        let path = format!("{}/src/refill/golden/{}.txt", env!("CARGO_MANIFEST_DIR"), model.name);
        if update {
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let golden = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{path}: {e}; run with UPDATE_GOLDEN=1 to create it"));
        assert!(
            golden == text,
            "{}: the handler changed; review and rerun with UPDATE_GOLDEN=1\n--- golden\n{golden}--- now\n{text}",
            model.name
        );
    }
}

#[test]
fn ehb_sits_right_before_tlbwr_only_where_needed() {
    const EHB: u32 = 0x0000_00c0;
    const TLBWR: u32 = 0x4200_0006;
    for model in cpu_models() {
        let words = generate(&model.target).unwrap().words;
        let tlbwr = words.iter().position(|w| *w == TLBWR).expect("one tlbwr");
        let ehbs = words.iter().filter(|w| **w == EHB).count();
        if model.target.needs_ehb {
            assert_eq!((ehbs, words[tlbwr - 1]), (1, EHB), "{}", model.name);
        } else {
            assert_eq!(ehbs, 0, "{}", model.name);
        }
    }
}

#[test]
fn report_names_the_scratch_registers() {
    // KScratch1 is CP0 (31, 2) in the PRA's numbering.
    let [kf24, p5600, _] = cpu_models();
    let report = generate(&p5600.target).unwrap().report;
    assert_eq!(
        report.to_string(),
        format!(
            "refill: {} instructions, scratch KScratch1+KScratch2, root in KScratch3",
            report.instructions
        )
    );
    let report = generate(&kf24.target).unwrap().report;
    assert_eq!(
        report.to_string(),
        format!("refill: {} instructions, scratch DDataLo+ErrorEPC, root at 0x80001000", report.instructions)
    );
}

#[test]
fn bad_targets_are_refused() {
    let base = cpu_models()[2].target;
    let with = |scratch, root| generate(&RefillTarget { scratch, root, ..base }).unwrap_err();
    let ks = |k0_sel, k1_sel| Scratch::KScratch { k0_sel, k1_sel };
    assert_eq!(with(ks(1, 3), RootSource::KScratch(4)), RefillError::NoSuchKScratch(1));
    assert_eq!(with(ks(2, 3), RootSource::KScratch(8)), RefillError::NoSuchKScratch(8));
    assert_eq!(with(ks(2, 3), RootSource::KScratch(3)), RefillError::KScratchShared(3));
    assert_eq!(with(ks(5, 5), RootSource::KScratch(4)), RefillError::KScratchShared(5));
    // On MIPS64 0x80001000 is a user address, not KSEG0: it must be sign-extended.
    let plain = RootSource::Absolute(0x8000_1000);
    assert_eq!(with(ks(2, 3), plain), RefillError::RootAddressUnreachable(0x8000_1000));
    // lui sign-extends on MIPS64, so 0x7fff8000..0x7fffffff is out of reach.
    assert_eq!(
        with(ks(2, 3), RootSource::Absolute(0x7fff_8010)),
        RefillError::RootAddressUnreachable(0x7fff_8010)
    );
}

#[test]
fn split_address_matches_hi_lo_relocations() {
    // %hi carries the borrow of a negative %lo (as R_MIPS_HI16/LO16 do).
    assert_eq!(split_address(0x8000_1000, WordSize::W32), Some((0x8000, 0x1000)));
    assert_eq!(split_address(0x8000_9000, WordSize::W32), Some((0x8001, -0x7000)));
    assert_eq!(split_address(0xffff_ffff_8000_9000, WordSize::W64), Some((0x8001, -0x7000)));
    assert_eq!(split_address(0x7fff_8010, WordSize::W32), Some((0x8000, -0x7ff0)));
    assert_eq!(split_address(0x7fff_8010, WordSize::W64), None);
    assert_eq!(split_address(0x1_0000_0000, WordSize::W32), None);
}

/// Fake tables: a root whose slots point at the shared zero leaf, except
/// for the slots covering `populated`, which get leaves of distinct PTEs.
struct Tables {
    root: u64,
    populated: Vec<u64>,
}

/// The KSEG0 address of physical `offset`, as the machine writes it.
fn kseg0(isa: Isa, offset: u64) -> u64 {
    match isa.word_size() {
        WordSize::W32 => 0x8000_0000 + offset,
        WordSize::W64 => 0xffff_ffff_8000_0000 + offset,
    }
}

/// The PTE the tables hold for a guest virtual page: distinct per page, and
/// on MIPS64 with RI (bit 63) set so a 32-bit load would lose it.
fn pte_for(vpn: u64, word: WordSize) -> u64 {
    let entry_lo = ((vpn ^ 0x2_a5a5) << 6) | 0b10_111; // C=2, D, V
    match word {
        WordSize::W32 => entry_lo & 0xffff_ffff,
        WordSize::W64 => entry_lo | 1 << 63,
    }
}

impl Tables {
    fn build(machine: &mut Machine, populated: &[u64]) -> Tables {
        let word = machine.isa.word_size();
        let bytes = word.bytes() as usize;
        let root = kseg0(machine.isa, 0x10_0000);
        let zero_leaf = kseg0(machine.isa, 0x20_0000);
        for i in 0..LEAF_ENTRIES as u64 {
            machine.store(zero_leaf + i * bytes as u64, bytes, 0);
        }
        for slot in 0..ROOT_ENTRIES as u64 {
            machine.store(root + slot * bytes as u64, bytes, zero_leaf);
        }
        for (n, gva) in populated.iter().enumerate() {
            let slot = gva >> ROOT_SHIFT;
            let leaf = kseg0(machine.isa, 0x30_0000 + n as u64 * leaf_bytes(word) as u64);
            machine.store(root + slot * bytes as u64, bytes, leaf);
            let first_vpn = slot << (ROOT_SHIFT - PAGE_SHIFT);
            for i in 0..LEAF_ENTRIES as u64 {
                machine.store(leaf + i * bytes as u64, bytes, pte_for(first_vpn + i, word));
            }
        }
        assert!(root_bytes(word) as u64 <= 0x10_0000);
        Tables { root, populated: populated.to_vec() }
    }

    /// The even/odd PTEs a refill of `gva` must load, from the page number alone.
    fn expected(&self, gva: u64, word: WordSize) -> (u64, u64) {
        let covered = self.populated.iter().any(|p| p >> ROOT_SHIFT == gva >> ROOT_SHIFT);
        let vpn = gva >> PAGE_SHIFT;
        if covered {
            (pte_for(vpn & !1, word), pte_for(vpn | 1, word))
        } else {
            (0, 0)
        }
    }
}

/// Guest register values, sign-extended 32-bit as a 32-bit guest's are.
fn guest_registers() -> [u64; 32] {
    core::array::from_fn(
        |n| if n == 0 { 0 } else { 0x8765_4321u32.wrapping_mul(n as u32) as i32 as i64 as u64 },
    )
}

/// Runs the handler for a refill of `gva` and checks everything it touches.
fn check_refill(name: &str, target: &RefillTarget, endian: Endian, populated: &[u64], gva: u64) {
    let words = generate(target).unwrap().words;
    let mut machine = Machine::new(target.isa, endian);
    let word = target.isa.word_size();
    let tables = Tables::build(&mut machine, populated);
    match target.root {
        RootSource::KScratch(sel) => {
            machine.cp0.insert(Cp0Reg::new(31, sel), tables.root);
        }
        RootSource::Absolute(cell) => machine.store(cell, word.bytes() as usize, tables.root),
    }
    // BadVAddr holds the sign-extended faulting address (positive here).
    machine.cp0.insert(cp0::BAD_VADDR, gva);
    machine.gpr = guest_registers();

    let steps = machine.run(&words);

    let context = format!("{name}, BadVAddr {gva:#x}");
    assert_eq!(steps, words.len(), "{context}");
    assert_eq!(machine.gpr, guest_registers(), "{context}: guest registers (k0/k1 included) must survive");
    let (even, odd) = tables.expected(gva, word);
    assert_eq!(machine.tlb_writes.len(), 1, "{context}: exactly one TLB write");
    let write = machine.tlb_writes[0];
    assert_eq!((write.entry_lo0, write.entry_lo1), (even, odd), "{context}: EntryLo0/EntryLo1");
    if target.needs_ehb {
        assert!(!write.hazard, "{context}: tlbwr issued before ehb cleared the EntryLo writes");
    }
}

/// Addresses around every boundary of the geometry: first and last page,
/// even and odd pages of a pair, root slot edges, guest KSEG0 and KSEG2.
const REFILL_ADDRESSES: [u64; 9] = [
    0x0000_0000,
    0x0000_1ffc,
    0x003f_f000,
    0x0040_0000,
    0x0040_3abc,
    0x4010_0123,
    0x6000_5000,
    0x7fff_fffc,
    0x7fc0_1000,
];

#[test]
fn handler_loads_the_right_pte_pair_and_restores_k0_k1() {
    // One populated slot per address, except 0x7fc01000's slot, left on the zero leaf.
    let populated: Vec<u64> = REFILL_ADDRESSES.iter().copied().filter(|a| *a != 0x7fc0_1000).collect();
    let mut targets: Vec<(String, RefillTarget, Endian)> =
        cpu_models().into_iter().map(|m| (m.name.to_string(), m.target, m.endian)).collect();
    // The other combinations the generator accepts.
    let extra = [
        (Isa::Mips64r2, Scratch::DataLoErrorEpc, RootSource::Absolute(0xffff_ffff_8000_8ff8), Endian::Big),
        (
            Isa::Mips64r6,
            Scratch::KScratch { k0_sel: 7, k1_sel: 6 },
            RootSource::Absolute(0xffff_ffff_8000_1000),
            Endian::Big,
        ),
        (
            Isa::Mips32r2,
            Scratch::KScratch { k0_sel: 3, k1_sel: 2 },
            RootSource::Absolute(0xffff_ffff_8000_9000),
            Endian::Little,
        ),
        (Isa::Mips64r2, Scratch::KScratch { k0_sel: 2, k1_sel: 3 }, RootSource::KScratch(5), Endian::Little),
    ];
    for (isa, scratch, root, endian) in extra {
        targets.push((
            format!("{isa} {scratch:?} {root:?}"),
            RefillTarget { isa, scratch, root, needs_ehb: true },
            endian,
        ));
    }
    for (name, target, endian) in &targets {
        for gva in REFILL_ADDRESSES {
            check_refill(name, target, *endian, &populated, gva);
        }
    }
}
