//! The vCPU's two outward interfaces: the guest-memory/MMU side
//! ([`GuestMemory`], implemented by the GVA-table manager) and the hardware
//! side ([`HostServices`], implemented by the firmware, faked in tests).
//!
//! Everything the emulation needs from outside the plain-data vCPU goes
//! through one of these, so `Vcpu` stays host-testable.

use core::fmt;

use super::exception::GuestException;
use super::guest_tlb::{Displaced, GuestTlb};
use super::mmu::{HostTlbFlush, SpaceId};
use crate::isa::{FpuConditions, Width};

/// Guest privilege as the monitor tracks it (from virtual Status: UM/EXL/ERL).
pub use super::cp0::GuestMode;

/// What a faulting guest access was doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessKind {
    Load,
    Store,
    /// Instruction fetch.
    Fetch,
}

/// What the MMU decides for a host TLB exception on a guest address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultResolution {
    /// A translation was installed in the GVA table of `mode`: retry the instruction.
    Mapped,
    /// Deliver this exception to the guest (refill / invalid / modified / address error).
    Deliver(GuestException),
    /// The address is guest KSEG0/KSEG1 outside RAM or real KSEG0/KSEG1
    /// (0x80000000-0xBFFFFFFF), or a guest TLB mapping of guest-physical
    /// space outside RAM: the caller emulates the access (MMIO, or RAM
    /// through its physical address). A `Fetch` cannot be emulated: the
    /// caller delivers a bus error.
    Emulate { guest_phys: u32 },
    /// A cached unmapped access (guest KSEG0, real KSEG0) beyond the guest's
    /// RAM: no RAM is there and devices are reached only uncached, so the
    /// guest gets a bus error (and the monitor says so in its log).
    BeyondRam { guest_phys: u32 },
}

/// The guest's memory as the GVA-table manager (`GuestMmu`) presents it.
///
/// Widths are in bytes (1, 2 or 4). Values are what a guest load of that
/// width at that address would see in its byte order, in the low bits.
pub trait GuestMemory {
    /// Resolves a host TLB Invalid/Modified exception on guest address `gva`.
    fn resolve_fault(
        &mut self,
        gva: u32,
        access: AccessKind,
        mode: GuestMode,
        tlb: &GuestTlb,
        asid: u8,
    ) -> FaultResolution;
    /// A guest TLB entry was overwritten: drop its range from every table.
    /// The result says which host TLB entries the caller must drop.
    fn invalidate(&mut self, displaced: &Displaced) -> HostTlbFlush;
    /// The guest changed EntryHi.ASID. The result says which host TLB
    /// entries the caller must drop.
    fn asid_changed(&mut self, old: u8, new: u8) -> HostTlbFlush;
    /// Reads guest memory by guest-virtual address as the guest would (for
    /// fetching the faulting instruction when BadInstr is absent).
    fn read_u32(
        &mut self,
        gva: u32,
        mode: GuestMode,
        tlb: &GuestTlb,
        asid: u8,
    ) -> Result<u32, FaultResolution>;
    /// The word at `gva` through the GVA table the guest runs on in `mode`
    /// (what the hardware fetched from), without consulting the guest TLB;
    /// `None` when that table has no valid RAM mapping there (the caller
    /// then uses `read_u32`).
    fn read_mapped_u32(&self, gva: u32, mode: GuestMode) -> Option<u32> {
        let _ = (gva, mode);
        None
    }
    /// Reads guest RAM; `None` when `guest_phys` is not RAM.
    fn read_phys(&self, guest_phys: u32, width: u8) -> Option<u32>;
    /// Writes guest RAM; `false` when `guest_phys` is not RAM.
    fn write_phys(&mut self, guest_phys: u32, width: u8, value: u32) -> bool;
    /// The GVA table root the refill handler walks for `mode`.
    fn root(&self, mode: GuestMode) -> usize;
    /// The host id to enter the guest with in `mode` (EntryHi.ASID or MemoryMapID).
    fn space_id(&self, mode: GuestMode) -> SpaceId;
}

/// Side effects that need the real hardware, provided by the firmware.
pub trait HostServices {
    /// The host's CP0 Count now.
    fn host_count(&self) -> u32;
    /// How fast host Count runs (the board's timer frequency).
    fn host_count_hz(&self) -> u64;
    /// Programs the host timer (host Compare) to fire when host Count reaches
    /// `host_count`; this also acknowledges a pending host timer interrupt.
    fn arm_host_timer(&mut self, host_count: u32);
    /// Drops the stale host TLB entries `flush` names (with ASIDs a `Pages`
    /// flush may drop the range under every ASID).
    fn flush_host_tlb(&mut self, flush: HostTlbFlush);
    /// Makes the instruction cache coherent with memory for guest physical
    /// `[start, start + len)`: write back the data cache, invalidate the
    /// instruction cache.
    fn sync_icache_guest_phys(&mut self, start: u32, len: u32);
    /// The same for everything the guest can reach (answers a guest sweep of
    /// its instruction cache by index).
    fn sync_icache_all(&mut self);
    /// Reads a guest-owned device register at guest physical `phys`;
    /// `None` when no device answers there (the guest gets a bus error).
    fn device_read(&mut self, phys: u32, width: Width) -> Option<u32>;
    /// Writes a guest-owned device register; `false` when no device answers.
    fn device_write(&mut self, phys: u32, width: Width, value: u32) -> bool;
    /// Hardware interrupt lines the guest's devices assert now, as Cause.IP
    /// bits (bit n = IPn, n in 2..=6; IP7 is the guest timer's).
    fn guest_interrupt_lines(&mut self) -> u8;
    /// The guest's FPU branch conditions (FCSR, FPR bit 0), for resolving an
    /// FPU branch whose delay slot trapped. Only asked while the guest owns
    /// the FPU, since an FPU branch without it raises CpU itself.
    /// `fr64` is the guest's Status.FR: which view of the FPRs it has.
    fn fpu_conditions(&mut self, fr64: bool) -> FpuConditions;
    /// Idles the CPU until the host timer fires or a device line in
    /// `guest_im` (the guest's Status.IM, Cause.IP layout) rises: the guest
    /// executed WAIT with nothing pending, and only an interrupt its IM
    /// unmasks may end it.
    fn idle_until_interrupt(&mut self, guest_im: u8);
    /// A line on the monitor's log UART.
    fn log(&mut self, message: fmt::Arguments<'_>);
    /// A guest CP0 write the host may mirror in hardware (HWREna, UserLocal,
    /// Status.CU1/FR for FPU ownership, Config0.K0, EBase). The vCPU has
    /// already acted on what it owns (ASID, Count, Compare).
    fn guest_cp0_changed(&mut self, effect: super::cp0::WriteEffect) {
        let _ = effect;
    }
}
