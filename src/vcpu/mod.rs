//! The guest's virtual CPU: what the monitor emulates when a guest kernel
//! running in host user mode touches CP0.
//!
//! - [`model`]: the virtual 24Kc the guest sees (identification, Config, masks).
//! - [`cp0`]: the virtual CP0 register file, MFC0/MTC0 and their side effects.
//! - [`guest_layout`]: the guest's address layout: segments and unmapped views.
//! - [`guest_tlb`]: the guest's software TLB and the guest-MMU lookup.
//! - [`tlb_instructions`]: TLBP/TLBR/TLBWI/TLBWR between the two.
//! - [`exception`]: guest exception delivery, ERET and interrupt evaluation.
//! - [`state`]: the [`Vcpu`] tying registers, CP0, TLB, guest memory, timer and stats.
//! - [`exits`]: [`Vcpu::handle_exit`], the dispatch on the host exception cause.
//! - `emulate` and `load_store`: the instructions the monitor performs for the guest.
//! - [`dyntrans`]: emulated no-op instructions rewritten to NOPs in guest memory.
//! - [`host`]: the [`GuestMemory`] and [`HostServices`] interfaces the vCPU drives.
//! - [`mmu`]: the guest MMU: GVA tables filled from the guest TLB and guest RAM.
//!
//! All of it is plain data and pure functions; the timer, the GVA page tables
//! and the instruction decoder act on the effects these return.

pub mod cp0;
pub mod exception;
pub mod guest_layout;
pub mod guest_tlb;
pub mod mmu;
pub mod model;
pub mod tlb_instructions;

// Trap-and-emulate: state, exit dispatch, emulation.
pub mod debug_exit;
pub mod dump;
pub mod dyntrans;
mod emulate;
pub mod exit_cost;
pub mod exits;
pub mod fast_exit;
pub mod host;
mod load_store;
mod log_once;
pub mod state;
pub mod stats;
#[cfg(test)]
mod tests;
pub mod timer;
pub mod translate;

pub use cp0::{GuestMode, Unimplemented, VirtualCp0, WriteEffect};
pub use dump::GuestDump;
pub use exception::{Access, GuestException};
pub use exit_cost::{ExitCosts, ExitKind};
pub use exits::{ExitOutcome, HaltReason, HostExit};
pub use fast_exit::FastResume;
pub use guest_layout::GuestLayout;
pub use guest_tlb::{Displaced, GuestTlb, Lookup, PageSize, TlbEntry, TlbHit, TlbWrite};
pub use host::{AccessKind, FaultResolution, GuestMemory, HostServices};
pub use model::{CpuName, Endianness, HostCapabilities, Unbackable, VcpuModel};
pub use state::{GuestRegs, Vcpu, VcpuError, EXCEPTION_LOOP_LIMIT, LINUX_KVM_GUEST_TIMER_HZ};
pub use stats::ExitStats;
pub use timer::{GuestTimer, TimerRates};
