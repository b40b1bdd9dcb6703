//! L1 cache set-up and maintenance by index and by address.
//!
//! Start-up cannot trust a boot loader to have initialised the caches: on a
//! board that comes straight from reset the tags are garbage. The rule used
//! is the one the hardware state allows: if KSEG0 is still uncached
//! (Config.K0 = 2) nobody has used the caches, so their tags are written
//! invalid; otherwise a loader ran cached, so dirty lines (perhaps our own
//! image) are written back before anything is invalidated.

use mipsvisor::cp0::{
    self,
    fields::{cca, CacheGeometry, Config0, Config1},
};

/// CACHE instruction operations (cache field in bits 1:0, op in 4:2).
mod op {
    pub const INDEX_INVALIDATE_I: u8 = 0x00;
    pub const INDEX_WRITEBACK_INV_D: u8 = 0x01;
    pub const INDEX_STORE_TAG_I: u8 = 0x08;
    pub const INDEX_STORE_TAG_D: u8 = 0x09;
    pub const HIT_INVALIDATE_I: u8 = 0x10;
    pub const HIT_WRITEBACK_INV_D: u8 = 0x15;
}

macro_rules! cache_op {
    ($op:expr, $addr:expr) => {
        // SAFETY: callers pass KSEG0 addresses: index ops touch tags only,
        // hit ops act on lines that belong to that address.
        unsafe { core::arch::asm!(".set push", ".set noat", "cache {op}, 0({a})", ".set pop", op = const $op, a = in(reg) $addr) }
    };
}

const KSEG0_BASE: usize = super::kseg0(0);

fn each_index(geometry: Option<CacheGeometry>, mut f: impl FnMut(usize)) {
    if let Some(g) = geometry {
        let mut offset = 0;
        while offset < g.size_bytes() as usize {
            f(KSEG0_BASE + offset);
            offset += g.line_bytes as usize;
        }
    }
}

/// Called from `_start` before .bss is zeroed: uses no statics.
#[no_mangle]
pub extern "C" fn arch_cache_init() {
    let config0 = Config0::from_bits_retain(mfc0!(cp0::CONFIG0));
    let config1 = Config1::from_bits_retain(mfc0!(cp0::CONFIG1));
    if config0.k0() == cca::UNCACHED {
        mtc0!(cp0::TAG_LO, 0);
        mtc0!(cp0::DTAG_LO, 0);
        mtc0!(cp0::TAG_HI, 0);
        each_index(config1.icache(), |a| cache_op!(op::INDEX_STORE_TAG_I, a));
        each_index(config1.dcache(), |a| cache_op!(op::INDEX_STORE_TAG_D, a));
    } else {
        each_index(config1.dcache(), |a| cache_op!(op::INDEX_WRITEBACK_INV_D, a));
        each_index(config1.icache(), |a| cache_op!(op::INDEX_INVALIDATE_I, a));
    }
    mtc0!(cp0::CONFIG0, config0.with_k0(cca::CACHEABLE_NONCOHERENT_WB).bits());
}

/// Makes freshly written instructions in [start, start+len) visible to
/// instruction fetch: write back the data lines, invalidate the instruction lines.
pub fn sync_icache(start: usize, len: usize) {
    let config1 = Config1::from_bits_retain(mfc0!(cp0::CONFIG1));
    let line = |g: Option<CacheGeometry>| g.map_or(usize::MAX, |g| g.line_bytes as usize);
    let (dline, iline) = (line(config1.dcache()), line(config1.icache()));
    if dline != usize::MAX {
        let mut a = start & !(dline - 1);
        while a < start + len {
            cache_op!(op::HIT_WRITEBACK_INV_D, a);
            a += dline;
        }
    }
    // SAFETY: `sync` orders the write-backs before the invalidations.
    unsafe { core::arch::asm!("sync") };
    if iline != usize::MAX {
        let mut a = start & !(iline - 1);
        while a < start + len {
            cache_op!(op::HIT_INVALIDATE_I, a);
            a += iline;
        }
    }
    // SAFETY: `sync` completes the invalidations before the caller jumps to the code.
    unsafe { core::arch::asm!("sync", "ehb") };
}

/// Writes back and invalidates both L1 caches by index: coherence for
/// everything, when the guest sweeps its own caches by index.
pub fn flush_all() {
    let config1 = Config1::from_bits_retain(mfc0!(cp0::CONFIG1));
    each_index(config1.dcache(), |a| cache_op!(op::INDEX_WRITEBACK_INV_D, a));
    // SAFETY: `sync` orders the write-backs before the invalidations.
    unsafe { core::arch::asm!("sync") };
    each_index(config1.icache(), |a| cache_op!(op::INDEX_INVALIDATE_I, a));
    // SAFETY: as in sync_icache.
    unsafe { core::arch::asm!("sync", "ehb") };
}
