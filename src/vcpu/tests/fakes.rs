//! A fake guest memory and fake host services that record what the vCPU
//! asked of them.

use crate::vcpu::mmu::{HostTlbFlush, SpaceId, SpaceIdSet};
use core::fmt;
use std::collections::BTreeMap;
use std::string::{String, ToString};
use std::vec::Vec;

use crate::isa::{FpuConditions, Width};
use crate::vcpu::cp0::{GuestMode, WriteEffect};
use crate::vcpu::exception::{Access, GuestException};
use crate::vcpu::guest_tlb::{Displaced, GuestTlb, VaRange};
use crate::vcpu::host::{AccessKind, FaultResolution, GuestMemory, HostServices};
use crate::vcpu::model::Endianness;

/// Guest RAM in the fake: guest physical 0 up to this.
pub const RAM_BYTES: usize = 0x1_0000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemCall {
    ResolveFault { gva: u32, access: AccessKind, mode: GuestMode, asid: u8 },
    Invalidate(Displaced),
    AsidChanged { old: u8, new: u8 },
}

pub struct FakeMemory {
    endian: Endianness,
    pub ram: Vec<u8>,
    /// Instruction words by guest virtual address, for `read_u32`.
    pub code: BTreeMap<u32, u32>,
    /// `read_u32` of an address not in `code`; `None`: a guest TLB refill.
    pub fetch_fault: Option<FaultResolution>,
    /// What `resolve_fault` answers.
    pub fault_answer: FaultResolution,
    pub calls: Vec<MemCall>,
}

impl FakeMemory {
    pub fn new(endian: Endianness) -> Self {
        FakeMemory {
            endian,
            ram: std::vec![0; RAM_BYTES],
            code: BTreeMap::new(),
            fetch_fault: None,
            fault_answer: FaultResolution::Mapped,
            calls: Vec::new(),
        }
    }

    fn span(&self, phys: u32, width: u8) -> Option<core::ops::Range<usize>> {
        let start = phys as usize;
        (start + width as usize <= self.ram.len()).then_some(start..start + width as usize)
    }
}

const FAKE_SPACE_ID: SpaceId = SpaceId(1);

impl GuestMemory for FakeMemory {
    fn resolve_fault(
        &mut self,
        gva: u32,
        access: AccessKind,
        mode: GuestMode,
        _tlb: &GuestTlb,
        asid: u8,
    ) -> FaultResolution {
        self.calls.push(MemCall::ResolveFault { gva, access, mode, asid });
        self.fault_answer
    }

    /// Asks for the displaced range to leave the host TLB, as the real MMU
    /// does when a table held pages there.
    fn invalidate(&mut self, displaced: &Displaced) -> HostTlbFlush {
        self.calls.push(MemCall::Invalidate(*displaced));
        HostTlbFlush::Pages { range: displaced.range, ids: SpaceIdSet::of(FAKE_SPACE_ID) }
    }

    fn asid_changed(&mut self, old: u8, new: u8) -> HostTlbFlush {
        self.calls.push(MemCall::AsidChanged { old, new });
        HostTlbFlush::Nothing
    }

    fn space_id(&self, _mode: GuestMode) -> SpaceId {
        FAKE_SPACE_ID
    }

    fn read_u32(
        &mut self,
        gva: u32,
        _mode: GuestMode,
        _tlb: &GuestTlb,
        _asid: u8,
    ) -> Result<u32, FaultResolution> {
        self.code.get(&gva).copied().ok_or(self.fetch_fault.unwrap_or(FaultResolution::Deliver(
            GuestException::TlbRefill { access: Access::Load, bad_vaddr: gva },
        )))
    }

    /// Bytes in address order, combined in the guest's byte order.
    fn read_phys(&self, guest_phys: u32, width: u8) -> Option<u32> {
        let bytes = &self.ram[self.span(guest_phys, width)?];
        let value = match self.endian {
            Endianness::Big => bytes.iter().fold(0u32, |acc, b| (acc << 8) | *b as u32),
            Endianness::Little => bytes.iter().rev().fold(0u32, |acc, b| (acc << 8) | *b as u32),
        };
        Some(value)
    }

    fn write_phys(&mut self, guest_phys: u32, width: u8, value: u32) -> bool {
        let Some(span) = self.span(guest_phys, width) else {
            return false;
        };
        let n = width as usize;
        for (i, byte) in self.ram[span].iter_mut().enumerate() {
            let shift = match self.endian {
                Endianness::Big => 8 * (n - 1 - i),
                Endianness::Little => 8 * i,
            };
            *byte = (value >> shift) as u8;
        }
        true
    }

    fn root(&self, _mode: GuestMode) -> usize {
        0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceAccess {
    pub phys: u32,
    pub width: Width,
    /// `Some(value)` for a write.
    pub written: Option<u32>,
}

pub struct FakeHost {
    pub count: u32,
    pub hz: u64,
    /// Host Count after an idle (time passes while the CPU waits).
    pub count_after_idle: Option<u32>,
    pub idles: u32,
    pub armed: Vec<u32>,
    pub flushed: Vec<VaRange>,
    pub flushed_all: usize,
    /// The guest IM each idle was asked to wake on.
    pub idle_masks: Vec<u8>,
    pub synced: Vec<(u32, u32)>,
    pub synced_all: u32,
    /// Device registers by guest physical address; reads answer the value
    /// cut to the access width.
    pub devices: BTreeMap<u32, u32>,
    pub device_accesses: Vec<DeviceAccess>,
    pub lines: u8,
    pub fpu: FpuConditions,
    pub log: Vec<String>,
    pub effects: Vec<WriteEffect>,
}

impl FakeHost {
    pub fn new(hz: u64) -> Self {
        FakeHost {
            count: 0x1000,
            hz,
            count_after_idle: None,
            idles: 0,
            armed: Vec::new(),
            flushed: Vec::new(),
            flushed_all: 0,
            idle_masks: Vec::new(),
            synced: Vec::new(),
            synced_all: 0,
            devices: BTreeMap::new(),
            device_accesses: Vec::new(),
            lines: 0,
            fpu: FpuConditions::default(),
            log: Vec::new(),
            effects: Vec::new(),
        }
    }
}

fn width_mask(width: Width) -> u32 {
    match width {
        Width::Byte => 0xff,
        Width::Half => 0xffff,
        Width::Word => u32::MAX,
    }
}

impl HostServices for FakeHost {
    fn host_count(&self) -> u32 {
        self.count
    }

    fn host_count_hz(&self) -> u64 {
        self.hz
    }

    fn arm_host_timer(&mut self, host_count: u32) {
        self.armed.push(host_count);
    }

    fn flush_host_tlb(&mut self, flush: HostTlbFlush) {
        match flush {
            HostTlbFlush::Nothing => {}
            HostTlbFlush::Pages { range, .. } => self.flushed.push(range),
            HostTlbFlush::Spaces { .. } | HostTlbFlush::All => self.flushed_all += 1,
        }
    }

    fn sync_icache_guest_phys(&mut self, start: u32, len: u32) {
        self.synced.push((start, len));
    }

    fn sync_icache_all(&mut self) {
        self.synced_all += 1;
    }

    fn device_read(&mut self, phys: u32, width: Width) -> Option<u32> {
        let value = *self.devices.get(&phys)?;
        self.device_accesses.push(DeviceAccess { phys, width, written: None });
        Some(value & width_mask(width))
    }

    fn device_write(&mut self, phys: u32, width: Width, value: u32) -> bool {
        let Some(register) = self.devices.get_mut(&phys) else {
            return false;
        };
        *register = value;
        self.device_accesses.push(DeviceAccess { phys, width, written: Some(value) });
        true
    }

    fn guest_interrupt_lines(&mut self) -> u8 {
        self.lines
    }

    fn fpu_conditions(&mut self, _fr64: bool) -> FpuConditions {
        self.fpu
    }

    fn idle_until_interrupt(&mut self, guest_im: u8) {
        self.idles += 1;
        self.idle_masks.push(guest_im);
        if let Some(count) = self.count_after_idle {
            self.count = count;
        }
    }

    fn log(&mut self, message: fmt::Arguments<'_>) {
        self.log.push(message.to_string());
    }

    fn guest_cp0_changed(&mut self, effect: WriteEffect) {
        self.effects.push(effect);
    }
}
