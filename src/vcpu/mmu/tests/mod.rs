//! Tests of the guest MMU. Expected values come from the guest layout table
//! (trap-and-emulate.md), the MIPS32 PRA's TLB rules (MD00090, "TLB":
//! VPN2 match under PageMask, ASID unless G, the VA bit above the page
//! offset picks EntryLo0/1, V = 0 is TLB Invalid, D = 0 on a store is TLB
//! Modified) and its EntryLo layout.

mod address_classes;
mod asid_cache;
mod invalidation;
mod memory_access;
mod model_tests;
mod tlb_faults;

use super::guest_ram::tests::leaked_ram;
use super::*;
use crate::cp0::fields::{EntryHi, EntryLo as GuestEntryLo};
use crate::mmu::entrylo::EntryLo;
use crate::vcpu::guest_tlb::{PageSize, TlbEntry};

/// Guest physical 0 sits at host physical 32 MiB, 4 MiB of guest RAM.
pub const RAM_BASE: u64 = 0x0200_0000;
pub const RAM_BYTES: u32 = 0x0040_0000;

pub const V: GuestEntryLo = GuestEntryLo::V;
pub const D: GuestEntryLo = GuestEntryLo::D;
pub const G: GuestEntryLo = GuestEntryLo::G;
pub const NONE: GuestEntryLo = GuestEntryLo::empty();

/// An MMU tagging with ASIDs.
pub fn mmu(user_table_cache: usize) -> GuestMmu {
    GuestMmu::new(leaked_ram(RAM_BASE, RAM_BYTES), user_table_cache, HostTags::ASIDS).unwrap()
}

/// An MMU tagging with MMIDs of `bits` bits.
pub fn mmid_mmu(user_table_cache: usize, bits: u8) -> GuestMmu {
    let tags = HostTags { kind: TagKind::Mmid, bits };
    GuestMmu::new(leaked_ram(RAM_BASE, RAM_BYTES), user_table_cache, tags).unwrap()
}

pub fn guest_tlb() -> GuestTlb {
    GuestTlb::new(32).unwrap()
}

/// A guest EntryLo for guest physical `phys` (page aligned), cacheable.
pub fn lo(phys: u32, flags: GuestEntryLo) -> GuestEntryLo {
    flags.with_pfn(phys >> 12).with_cca(3)
}

/// The entry TLBWI stores from EntryHi = `vpn2 | asid` and the others.
pub fn entry(vpn2: u32, asid: u8, size: PageSize, lo0: GuestEntryLo, lo1: GuestEntryLo) -> TlbEntry {
    TlbEntry::from_registers(EntryHi(vpn2 | u32::from(asid)), size.page_mask(), lo0, lo1)
}

/// The guest writes `entry` at `index`; the MMU drops what it displaced.
pub fn tlbwi(mmu: &mut GuestMmu, tlb: &mut GuestTlb, index: u32, entry: TlbEntry) -> HostTlbFlush {
    let write = tlb.write(index, entry).unwrap();
    assert_eq!(write.conflict, None, "test entries never overlap");
    match write.displaced {
        Some(displaced) => mmu.invalidate(&displaced),
        None => HostTlbFlush::Nothing,
    }
}

/// The host PTE the architecture's translation gives: guest physical
/// `guest_phys` in the RAM window, CCA 3, D as given, V set, G clear.
pub fn host_pte(guest_phys: u32, access: Access) -> EntryLo {
    EntryLo::new(RAM_BASE + u64::from(guest_phys & !0xfff), 3, access).unwrap()
}

pub fn kernel_mapping(mmu: &GuestMmu, gva: u32) -> Option<Mapping> {
    mmu.mapping(TableId::Kernel, gva)
}

pub fn user_mapping(mmu: &GuestMmu, gva: u32) -> Option<Mapping> {
    mmu.mapping(TableId::User { guest_asid: mmu.guest_asid() }, gva)
}

pub fn rw(guest_phys: u32, scope: Scope) -> Option<Mapping> {
    Some(Mapping { pte: host_pte(guest_phys, Access::ReadWrite), scope })
}

pub fn ro(guest_phys: u32, scope: Scope) -> Option<Mapping> {
    Some(Mapping { pte: host_pte(guest_phys, Access::ReadOnly), scope })
}

pub fn set(ids: &[SpaceId]) -> SpaceIdSet {
    let mut set = SpaceIdSet::new();
    assert!(ids.iter().all(|id| set.insert(*id)));
    set
}
