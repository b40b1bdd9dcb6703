//! Dynamic translation, as Linux's KVM trap-and-emulate did it: after the
//! monitor has emulated a trapping instruction whose emulation is a no-op,
//! it rewrites that instruction in guest memory into a NOP, so later
//! executions run natively instead of trapping.
//!
//! Only data-cache maintenance (CACHE on the primary data, secondary or
//! tertiary cache) is rewritten. The monitor keeps guest data coherent
//! (physically tagged host caches, no guest DMA: the monitor clears PCI Bus
//! Master Enable), so those operations have no effect the guest can observe.
//! Instruction-cache operations do (they make code the guest wrote visible to
//! fetch) and keep trapping.

use super::emulate::Trapped;
use super::exception::Access;
use super::host::{GuestMemory, HostServices};
use super::state::Vcpu;
use super::translate::translate;
use crate::isa::{CacheOp, CacheOperation, CacheTarget};

/// The MIPS NOP (`sll $zero, $zero, 0`), the same word in every release.
pub const NOP: u32 = 0;

/// Whether CACHE `op` is data-cache maintenance the monitor drops: an
/// invalidate or write-back (by index or by address) or a tag store, on a
/// cache holding data. Tag loads (which fill TagLo), fetch-and-lock and the
/// implementation-dependent code are not clearly maintenance and keep trapping.
pub fn is_droppable_cache_op(op: CacheOp) -> bool {
    op.target() != CacheTarget::PrimaryInstruction
        && matches!(
            op.operation(),
            CacheOperation::IndexWritebackInvalidate
                | CacheOperation::IndexStoreTag
                | CacheOperation::HitInvalidate
                | CacheOperation::HitWritebackInvalidate
                | CacheOperation::HitWriteback
        )
}

impl<M: GuestMemory> Vcpu<M> {
    /// Replaces the emulated instruction `t` in guest RAM with a NOP and
    /// makes the host instruction cache coherent for it. Does nothing when
    /// dynamic translation is off, when the guest could not fetch from `t.pc`
    /// now, when that is not guest RAM, or when RAM no longer holds the
    /// trapped word. Returns whether it rewrote.
    pub(super) fn rewrite_as_nop(&mut self, t: &Trapped, host: &mut impl HostServices) -> bool {
        if !self.dyntrans {
            return false;
        }
        // The guest's own translation of its fetch address (a fetch checks as a load does).
        let Ok(phys) = translate(
            self.cp0.model().layout(),
            &self.tlb,
            self.cp0.asid(),
            t.pc,
            self.guest_mode(),
            Access::Load,
        ) else {
            return false;
        };
        if self.mmu.read_phys(phys, 4) != Some(t.word) || !self.mmu.write_phys(phys, 4, NOP) {
            return false;
        }
        host.sync_icache_guest_phys(phys, 4);
        self.stats.dyntrans += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_data_side_maintenance_is_droppable() {
        // MD00086 CACHE op table: op[1:0] 0 = I, 1 = D, 2 = T, 3 = S; op[4:2] the operation.
        let droppable = |field| is_droppable_cache_op(CacheOp::from_field(field));
        // D: 0x01 Index WB Inv, 0x09 Index Store Tag, 0x11 Hit Inv, 0x15 Hit WB Inv, 0x19 Hit WB.
        for field in [0x01, 0x09, 0x11, 0x15, 0x19] {
            assert!(droppable(field), "{field:#x}");
        }
        // S and T: 0x03 Index WB Inv S, 0x17 Hit WB Inv S, 0x1a Hit WB T.
        for field in [0x03, 0x17, 0x1a] {
            assert!(droppable(field), "{field:#x}");
        }
        // I: 0x00 Index Inv, 0x08 Index Store Tag, 0x10 Hit Inv, 0x14 Fill, 0x1c Fetch and Lock.
        for field in [0x00, 0x08, 0x10, 0x14, 0x1c] {
            assert!(!droppable(field), "{field:#x}");
        }
        // D: 0x05 Index Load Tag, 0x0d implementation dependent, 0x1d Fetch and Lock.
        for field in [0x05, 0x0d, 0x1d] {
            assert!(!droppable(field), "{field:#x}");
        }
    }
}
