//! Fuzzing with an oracle (issue 9, item 6a): seeded random instruction
//! words (biased toward privileged, load/store, branch, CACHE and TLB
//! operations), random CP0 and guest TLB state and random host exits, run
//! through decode, emulation and the real guest MMU (`GuestMmu` over a
//! host buffer) with fake host services. Oracles after every exit: no
//! panic (overflow checks are on in test and release builds), every host
//! PTE in the GVA tables lies inside the guest's RAM window, `$zero` reads
//! 0 and at most two GPRs changed (a destination and a branch link).
//!
//! `fuzz_bounded` runs in `scripts/host-test`; `scripts/fuzz` runs
//! `fuzz_long` with `MIPSVISOR_FUZZ_WORDS`/`MIPSVISOR_FUZZ_SEED`. A crash
//! prints its seed and episode; `MIPSVISOR_FUZZ_EPISODE` replays one.

use std::boxed::Box;
use std::println;
use std::vec;

use super::{FakeHost, GUEST_HZ, HOST_HZ};
use crate::cp0::fields::{EntryHi, EntryLo, ExcCode, PageMask};
use crate::cp0::Cp0Reg;
use crate::isa::{Gpr, GuestIsa};
use crate::mmu::gva::GVA_LIMIT;
use crate::vcpu::guest_tlb::{PageSize, TlbEntry};
use crate::vcpu::mmu::{GuestMmu, GuestRam, HostTags, TableId};
use crate::vcpu::{Endianness, VcpuModel};
use crate::vcpu::{ExitOutcome, GuestMemory, HostExit, Vcpu};
use core::ptr::NonNull;

/// Host physical base and size of the fuzzed guest's RAM window.
const RAM_BASE: u64 = 0x0200_0000;
const RAM_BYTES: u32 = 0x4_0000;
/// Exits per episode (one fresh vCPU and MMU each).
const EXITS_PER_EPISODE: u64 = 256;

/// SplitMix64: tiny, seedable, good enough to spread bits.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn u32(&mut self) -> u32 {
        self.next() as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n)) as u32
    }
    fn chance(&mut self, one_in: u32) -> bool {
        self.below(one_in) == 0
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u32) as usize]
    }
}

/// An address a hostile guest would aim at: segment edges, the top of the
/// space, RAM, devices, or anything.
fn address(rng: &mut Rng, mapped: &[u32]) -> u32 {
    if !mapped.is_empty() && rng.chance(2) {
        // Inside a page the guest TLB maps, near its end as often as not.
        let page = rng.pick(mapped);
        let end_of_page = rng.pick(&[0x1000u32, 0x2000]) - 1 - rng.below(4);
        return page.wrapping_add(if rng.chance(2) { rng.below(0x2000) } else { end_of_page });
    }
    let base: u32 = rng.pick(&[
        0,
        0x0040_0000,
        0x3fff_f000,
        0x4000_0000,
        0x4010_0000,
        0x5f00_0000,
        0x7fff_f000,
        0x8000_0000,
        0x9fff_f000,
        0xa000_0000,
        0xbfff_f000,
        0xc000_0000,
        0xfffff_000,
        0x1f00_0000,
    ]);
    match rng.below(4) {
        0 => rng.u32(),
        1 => base.wrapping_add(rng.below(0x1000)),
        _ => base.wrapping_add(0x1000 - 1 - rng.below(8)),
    }
}

fn field(rng: &mut Rng, bits: u32) -> u32 {
    rng.u32() & ((1 << bits) - 1)
}

/// A random instruction word, mostly of the kinds that trap to the monitor.
fn instruction(rng: &mut Rng) -> u32 {
    let (rs, rt, rd) = (field(rng, 5), field(rng, 5), field(rng, 5));
    let low16 = if rng.chance(2) { rng.below(16) } else { field(rng, 16) };
    let regs = |op: u32| op << 26 | rs << 21 | rt << 16;
    match rng.below(14) {
        // COP0: MFC0/MTC0/MFMC0 (DI/EI) and CO functions (TLB ops, ERET, WAIT, DERET).
        0 => regs(0x10) & !(0x1f << 21) | rng.pick(&[0u32, 4, 0xb]) << 21 | rd << 11 | field(rng, 3),
        1 => {
            let any = field(rng, 6);
            let funct = rng.pick(&[1u32, 2, 3, 4, 6, 8, 0x18, 0x1f, 0x20, 0x21, any]);
            0x10 << 26 | 1 << 25 | field(rng, 19) << 6 | funct
        }
        // CACHE (Release 2 opcode, and Release 6's SPECIAL3 form).
        2 => regs(0x2f) | low16,
        3 => regs(0x1f) | field(rng, 9) << 7 | 0x25,
        // Loads and stores, partial ones included, LL/SC, PREF.
        4..=7 => {
            // The partial-word ones twice: their byte lanes are the subtle part.
            let op = rng.pick(&[
                0x20u32, 0x21, 0x22, 0x22, 0x23, 0x24, 0x25, 0x26, 0x26, 0x28, 0x29, 0x2a, 0x2a, 0x2b, 0x2e,
                0x2e, 0x30, 0x33, 0x38,
            ]);
            regs(op) | low16
        }
        // Branches and jumps (delay-slot resolution).
        8 => {
            let op = rng
                .pick(&[1u32, 2, 3, 4, 5, 6, 7, 0x14, 0x15, 0x16, 0x17, 0x11, 0x12, 0x06, 0x07, 0x36, 0x3e]);
            regs(op) | low16
        }
        9 => regs(0) | rd << 11 | rng.pick(&[8u32, 9]),
        // RDHWR, SYNCI, SYSCALL/BREAK/traps.
        10 => regs(0x1f) | rd << 11 | field(rng, 3) << 6 | 0x3b,
        11 => 1 << 26 | rs << 21 | 0x1f << 16 | low16,
        12 => regs(0) | rd << 11 | rng.pick(&[0xcu32, 0xd, 0x30, 0x34, 0x0f]),
        _ => rng.u32(),
    }
}

/// Random CP0 writes through the virtual CP0's own write masks.
fn scramble_cp0<M: GuestMemory>(rng: &mut Rng, vcpu: &mut Vcpu<M>, mapped: &[u32]) {
    for _ in 0..rng.below(12) {
        let reg = Cp0Reg::new(rng.below(32) as u8, if rng.chance(2) { 0 } else { rng.below(8) as u8 });
        let value = if rng.chance(3) { address(rng, mapped) } else { rng.u32() };
        let old_asid = vcpu.cp0.asid();
        let _ = vcpu.cp0.write(reg, value);
        // What MTC0 EntryHi's emulation tells the MMU.
        if vcpu.cp0.asid() != old_asid {
            let _ = vcpu.mmu.asid_changed(old_asid, vcpu.cp0.asid());
        }
    }
}

/// Random guest TLB entries: PFNs in RAM, at the top of guest-physical
/// space, on devices or anywhere; every page size and illegal masks. The
/// result: the start of each pair written.
fn scramble_tlb<M: GuestMemory>(rng: &mut Rng, vcpu: &mut Vcpu<M>) -> std::vec::Vec<u32> {
    let mut mapped = std::vec::Vec::new();
    let entries = vcpu.tlb.len() as u32;
    for _ in 0..rng.below(16) {
        let lo = |rng: &mut Rng| {
            let pfn = match rng.below(3) {
                0 => rng.below(RAM_BYTES >> 12),
                1 => 0xf_ffff - rng.below(4),
                2 => 0x1_f000 + rng.below(0x1000),
                _ => field(rng, 20),
            };
            let valid = if rng.chance(4) { EntryLo::empty() } else { EntryLo::V };
            (EntryLo::from_bits_retain(field(rng, 6)) | valid).with_pfn(pfn)
        };
        let mask = if rng.chance(4) { PageMask(rng.u32()) } else { rng.pick(&PageSize::ALL).page_mask() };
        let asid = if rng.chance(2) { u32::from(vcpu.cp0.asid()) } else { field(rng, 8) };
        // Mostly in the segments the guest TLB maps (useg, guest KSEG2/3).
        let anywhere = address(rng, &[]);
        let base = rng.pick(&[0u32, 0x0040_0000, 0x3fff_e000, 0x6000_0000, 0x7fff_e000, anywhere]);
        let entry_hi = EntryHi(base & !0x1fff | asid);
        let entry = TlbEntry::from_registers(entry_hi, mask, lo(rng), lo(rng));
        if vcpu.tlb.write(rng.below(entries), entry).is_ok() {
            mapped.push(entry.va_range().start);
        }
    }
    mapped
}

/// Every host PTE the tables hold for `gva`'s fill block lies in guest RAM.
fn assert_ptes_in_ram(mmu: &GuestMmu, tables: &[TableId], around: u32) {
    let start = around & !(crate::vcpu::mmu::FILL_SPAN - 1);
    for table in tables {
        for page in (0..crate::vcpu::mmu::FILL_SPAN).step_by(0x1000) {
            assert_pte_in_ram(mmu, *table, start.wrapping_add(page));
        }
    }
}

fn assert_pte_in_ram(mmu: &GuestMmu, table: TableId, gva: u32) {
    if let Some(mapping) = mmu.mapping(table, gva) {
        let host_phys = u64::from(mapping.pte.pfn()) << 12;
        assert!(
            (RAM_BASE..RAM_BASE + u64::from(RAM_BYTES)).contains(&host_phys),
            "{table:?} maps gva {gva:#010x} to host physical {host_phys:#x}, outside guest RAM"
        );
    }
}

/// Every mapping of every live table, page by page (slow: now and then).
fn assert_all_ptes_in_ram(mmu: &GuestMmu) {
    let tables: std::vec::Vec<TableId> = core::iter::once(TableId::Kernel)
        .chain(mmu.cached_guest_asids().map(|guest_asid| TableId::User { guest_asid }))
        .collect();
    for table in tables {
        for gva in (0..GVA_LIMIT).step_by(0x1000) {
            assert_pte_in_ram(mmu, table, gva);
        }
    }
}

/// One episode: a fresh vCPU, scrambled state, `EXITS_PER_EPISODE` random exits.
fn episode(seed: u64, number: u64, ram: NonNull<u8>, full_walk: bool) -> u64 {
    let mut exits = 0;
    let mut rng = Rng(seed ^ number.wrapping_mul(0xd6e8_feb8_6659_fd93));
    let endian = if rng.chance(2) { Endianness::Big } else { Endianness::Little };
    let isa = if rng.chance(4) { GuestIsa::Mips32r6 } else { GuestIsa::Mips32r2 };
    // SAFETY: the buffer is leaked and each episode's MMU is its only user.
    let guest_ram = unsafe { GuestRam::from_raw(RAM_BASE, ram, RAM_BYTES) }.unwrap();
    // MMIDs in every other episode: the emulation must not care which.
    let tags = if number % 2 == 1 { HostTags::mmids(0xffff).unwrap() } else { HostTags::ASIDS };
    let mmu = GuestMmu::new(guest_ram, 4, tags).unwrap();
    let mut host = FakeHost::new(HOST_HZ);
    for phys in [0x1f00_0000, 0x1800_03f8, 0xffff_fffc, 0xffff_fffd, 0xffff_ffff] {
        host.devices.insert(phys, rng.u32());
    }
    let mut vcpu = Vcpu::new(VcpuModel::kvm_24kc(endian), isa, mmu, GUEST_HZ, &mut host).unwrap();
    scramble_cp0(&mut rng, &mut vcpu, &[]);
    let mapped = scramble_tlb(&mut rng, &mut vcpu);
    for gpr in vcpu.regs.gpr.iter_mut().skip(1) {
        *gpr = if rng.chance(4) { rng.u32() } else { address(&mut rng, &mapped) };
    }
    vcpu.regs.pc = address(&mut rng, &mapped) & !3;
    for _ in 0..EXITS_PER_EPISODE {
        if rng.chance(64) {
            scramble_cp0(&mut rng, &mut vcpu, &mapped);
        }
        let word = instruction(&mut rng);
        let memory_op = matches!(word >> 26, 0x20..=0x2f | 0x30 | 0x33 | 0x38);
        let any_exc = ExcCode::from_code(rng.below(32) as u8);
        let exc = rng.pick(&[
            ExcCode::CpU,
            ExcCode::CpU,
            ExcCode::CpU,
            ExcCode::Ri,
            ExcCode::AdEL,
            ExcCode::AdES,
            ExcCode::TlbL,
            ExcCode::TlbL,
            ExcCode::TlbS,
            ExcCode::Mod,
            ExcCode::Sys,
            ExcCode::Bp,
            ExcCode::Int,
            ExcCode::Dbe,
            ExcCode::Ov,
            ExcCode::Tr,
            any_exc,
        ]);
        let memory_exc = rng.pick(&[
            ExcCode::TlbL,
            ExcCode::TlbL,
            ExcCode::TlbS,
            ExcCode::Mod,
            ExcCode::AdEL,
            ExcCode::AdES,
        ]);
        let exc = if memory_op && !rng.chance(4) { memory_exc } else { exc };
        let base = Gpr::from_field(word >> 21 & 0x1f);
        if memory_op && rng.chance(2) {
            // Aim the access: its effective address at an interesting place.
            let target = address(&mut rng, &mapped);
            vcpu.regs.set(base, target.wrapping_sub(word as i16 as i32 as u32));
        }
        let epc = if rng.chance(4) { address(&mut rng, &mapped) } else { vcpu.regs.pc };
        let cause_bd = rng.chance(8);
        let bad_vaddr = match rng.below(if memory_op { 6 } else { 3 }) {
            0 => epc,
            1 => address(&mut rng, &mapped),
            // What a load/store with this word would name (offset from base).
            _ => vcpu.regs.get(base).wrapping_add(word as i16 as i32 as u32),
        };
        let exit = HostExit {
            exc,
            cause_bd,
            coprocessor: if rng.chance(4) { rng.below(4) as u8 } else { 0 },
            epc,
            bad_vaddr,
            bad_instr: (!rng.chance(4)).then_some(word),
            bad_instr_p: (cause_bd && rng.chance(2)).then(|| instruction(&mut rng)),
        };
        if exit.bad_instr.is_none() {
            // Put the word where the guest's translation of the PC leads, when that is RAM.
            let pc = exit.faulting_pc();
            let (mode, asid) = (vcpu.guest_mode(), vcpu.cp0.asid());
            let access = crate::vcpu::AccessKind::Fetch;
            if let Ok(phys) = vcpu.mmu.translate(pc, access, mode, &vcpu.tlb, asid) {
                vcpu.mmu.write_phys(phys & !3, 4, word);
            }
        }
        let before = vcpu.regs.gpr;
        let outcome = vcpu.handle_exit(&exit, &mut host);
        assert_eq!(vcpu.regs.get(Gpr::Zero), 0);
        let changed = before.iter().zip(vcpu.regs.gpr.iter()).skip(1).filter(|(a, b)| a != b).count();
        assert!(changed <= 2, "{changed} GPRs changed by one exit {exit:x?} word {word:08x}");
        let tables = [TableId::Kernel, TableId::User { guest_asid: vcpu.mmu.guest_asid() }];
        assert_ptes_in_ram(&vcpu.mmu, &tables, bad_vaddr);
        assert_ptes_in_ram(&vcpu.mmu, &tables, epc);
        if let ExitOutcome::Halt(_) = outcome {
            // The firmware would stop here; carry on fuzzing the same state.
            vcpu.stopped = false;
        }
        exits += 1;
        vcpu.before_entry(&mut host);
        host.log.clear();
    }
    if full_walk {
        assert_all_ptes_in_ram(&vcpu.mmu);
    }
    exits
}

/// Runs `words` exits from `seed` (or one episode): the exits handled and
/// the episodes that panicked.
fn fuzz(seed: u64, words: u64, only_episode: Option<u64>) -> (u64, std::vec::Vec<u64>) {
    let mut exits = 0;
    let ram = NonNull::new(Box::leak(vec![0u8; RAM_BYTES as usize].into_boxed_slice()).as_mut_ptr()).unwrap();
    let episodes = only_episode.map_or(0..words.div_ceil(EXITS_PER_EPISODE), |e| e..e + 1);
    let mut crashed = std::vec::Vec::new();
    for number in episodes {
        let run = std::panic::catch_unwind(|| episode(seed, number, ram, number % 64 == 0));
        exits += run.as_ref().copied().unwrap_or(0);
        if run.is_err() {
            println!("fuzz: crash at seed {seed} episode {number}: replay with scripts/fuzz --seed {seed} --episode {number}");
            crashed.push(number);
        }
    }
    (exits, crashed)
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| v.parse().unwrap_or_else(|_| panic!("{name}={v}: not a number")))
}

#[test]
fn fuzz_bounded() {
    let (exits, crashed) = fuzz(1, 200_000, None);
    assert_eq!(crashed, [] as [u64; 0]);
    assert_eq!(exits, 200_000u64.div_ceil(EXITS_PER_EPISODE) * EXITS_PER_EPISODE);
}

#[test]
#[ignore = "long run: scripts/fuzz"]
fn fuzz_long() {
    let seed = env_number("MIPSVISOR_FUZZ_SEED").unwrap_or(1);
    let words = env_number("MIPSVISOR_FUZZ_WORDS").unwrap_or(10_000_000);
    let started = std::time::Instant::now();
    let (exits, crashed) = fuzz(seed, words, env_number("MIPSVISOR_FUZZ_EPISODE"));
    println!(
        "fuzz: seed {seed}: {exits} words in {:.1} s, {} crashing episodes",
        started.elapsed().as_secs_f64(),
        crashed.len()
    );
    assert!(crashed.is_empty(), "crashing episodes: {crashed:?}");
}
