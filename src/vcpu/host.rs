//! The interface between the exit handler and the guest MMU (the lead's
//! vCPU design note). The exit handler consumes [`GuestMemory`]; the MMU
//! implements it; tests fake either side.

use super::exception::GuestException;
use super::guest_tlb::{Displaced, GuestTlb};
use super::mmu::{HostAsid, HostTlbFlush};

/// Guest privilege as the monitor tracks it (from virtual Status: KSU/EXL/ERL).
/// The one type of [`super::cp0`], so the two can never disagree.
pub use super::cp0::GuestMode;

/// What the faulting access did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessKind {
    Load,
    Store,
    Fetch,
}

/// What the MMU decides for a host TLB exception on a guest address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultResolution {
    /// A translation was installed in the GVA table of `mode`: retry the
    /// instruction. The host TLB still holds the stale pair that faulted
    /// (under `host_asid(mode)`): the caller probes it out first, so the
    /// retry refills from the table.
    Mapped,
    /// Deliver this exception to the guest (refill / invalid / modified / address error).
    Deliver(GuestException),
    /// The address is guest KSEG0/KSEG1 outside RAM or real KSEG0/KSEG1
    /// (0x80000000-0xBFFFFFFF), or a guest TLB mapping of guest-physical
    /// space outside RAM: the caller emulates the access (MMIO or RAM via
    /// physical address). A `Fetch` cannot be emulated: the caller delivers
    /// a bus error.
    Emulate { guest_phys: u32 },
}

/// The guest's memory as the exit handler sees it (implemented by `GuestMmu`).
pub trait GuestMemory {
    fn resolve_fault(
        &mut self,
        gva: u32,
        access: AccessKind,
        mode: GuestMode,
        tlb: &GuestTlb,
        asid: u8,
    ) -> FaultResolution;
    /// Guest TLB entry overwritten: drop its range from every table. The
    /// result says which host TLB entries the caller must drop.
    fn invalidate(&mut self, displaced: &Displaced) -> HostTlbFlush;
    /// The guest's EntryHi.ASID changed. The result says which host TLB
    /// entries the caller must drop.
    fn asid_changed(&mut self, old: u8, new: u8) -> HostTlbFlush;
    /// Read guest memory by guest-virtual address as the guest would (for
    /// fetching the faulting instruction when BadInstr is absent, and for
    /// emulating loads the guest makes to real KSEG0).
    fn read_u32(
        &mut self,
        gva: u32,
        mode: GuestMode,
        tlb: &GuestTlb,
        asid: u8,
    ) -> Result<u32, FaultResolution>;
    fn read_phys(&self, guest_phys: u32, width: u8) -> Option<u32>;
    fn write_phys(&mut self, guest_phys: u32, width: u8, value: u32) -> bool;
    /// The root of the GVA table of `mode`, for the refill handler.
    fn root(&self, mode: GuestMode) -> usize;
    /// The host ASID to enter the guest with in `mode` (EntryHi.ASID).
    fn host_asid(&self, mode: GuestMode) -> HostAsid;
}
