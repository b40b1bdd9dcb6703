//! Placing the generated TLB refill handler in the vector page, and the
//! per-CPU root pointer it walks from.

use core::cell::Cell;

use mipsvisor::cpu::CpuInfo;
use mipsvisor::mmu::gva::NativeGvaTable;
use mipsvisor::refill::{self, RefillReport, RefillTarget, RootSource};
use mipsvisor::word::WordSize;

use super::trap::{percpu, vector_base};

/// Where the handler finds the root: chosen once at install.
struct RootLocation(Cell<RootSource>);

// SAFETY: single CPU; written once at boot before any reader runs.
unsafe impl Sync for RootLocation {}

static ROOT_LOCATION: RootLocation = RootLocation(Cell::new(RootSource::Absolute(0)));

/// The vector offsets the handler is written to: the 32-bit refill slot,
/// and on MIPS64 the XTLB slot too.
const REFILL_SLOT: usize = 0x000;
const XTLB_REFILL_SLOT: usize = 0x080;
const SLOT_BYTES: usize = 0x80;

/// Generates the refill handler for this CPU, writes it over the refill
/// slot(s) and makes the instruction cache see it. Every root then points
/// at `empty`, so any refill before a guest runs takes the slow path.
pub fn install(cpu: &CpuInfo, empty: &NativeGvaTable) -> Result<RefillReport, refill::RefillError> {
    let root_slot = core::ptr::addr_of!(percpu().gva_root) as usize as isize as i64 as u64;
    let target = RefillTarget::for_cpu(cpu, root_slot);
    let handler = refill::generate(&target)?;
    let base = vector_base();
    let mut slots = alloc::vec![REFILL_SLOT];
    if cpu.isa.word == WordSize::W64 {
        slots.push(XTLB_REFILL_SLOT);
    }
    for slot in slots {
        assert!(handler.words.len() * 4 <= SLOT_BYTES, "refill handler overflows its slot");
        for (i, word) in handler.words.iter().enumerate() {
            // SAFETY: inside the monitor's own vector page (KSEG0, written
            // before any refill can be taken); words are in the CPU's order.
            unsafe { core::ptr::write_volatile((base + slot + 4 * i) as *mut u32, *word) };
        }
        super::cache::sync_icache(base + slot, SLOT_BYTES);
    }
    ROOT_LOCATION.0.set(target.root);
    set_root(empty.root_address());
    Ok(handler.report)
}

/// Points the refill handler at a GVA table root (the current guest mode's).
pub fn set_root(root: usize) {
    match ROOT_LOCATION.0.get() {
        RootSource::Absolute(_) => percpu().gva_root = root,
        RootSource::KScratch(sel) => write_kscratch(sel, root),
    }
}

fn write_kscratch(sel: u8, value: usize) {
    use mipsvisor::cp0;
    match sel {
        2 => mtc0_word!(cp0::KSCRATCH1, value),
        3 => mtc0_word!(cp0::KSCRATCH2, value),
        4 => mtc0_word!(cp0::KSCRATCH3, value),
        5 => mtc0_word!(cp0::KSCRATCH4, value),
        6 => mtc0_word!(cp0::KSCRATCH5, value),
        _ => mtc0_word!(cp0::KSCRATCH6, value),
    }
}
