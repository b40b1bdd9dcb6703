//! Guest loads and stores the monitor performs itself: accesses a guest
//! kernel makes to real KSEG0/KSEG1 (address errors in host user mode) and to
//! guest-physical addresses outside RAM (device registers), plus SYNCI there.
//!
//! The access goes to guest RAM when `GuestMemory::read_phys`/`write_phys`
//! take it, else to a guest-owned device through `HostServices`; nobody
//! answering is a bus error for the guest (DBE, logged once). Values follow
//! MD00086: sign or zero extension by opcode, LWL/LWR/SWL/SWR lane merges in
//! the guest's byte order, LL/SC against an emulated LLbit.

use super::emulate::{Step, Trapped};
use super::exception::{Access, GuestException};
use super::guest_layout::real_kseg01_phys;
use super::host::{GuestMemory, HostServices};
use super::state::Vcpu;
use super::translate::translate;
use crate::cp0::fields::ExcCode;
use crate::isa::mem::{self, PartialWord};
use crate::isa::{AccessKind as MemKind, Insn, MemAccess, MemOp, Unaligned, Width};

/// How the effective address of the trapped access becomes guest physical.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PhysTarget {
    /// Real KSEG0/KSEG1: guest physical = address & 0x1FFFFFFF; any other
    /// address is an address error.
    RealKseg01,
    /// The MMU resolved the faulting address `gva` to `guest_phys`; other
    /// bytes of the same access are at the same offset.
    Resolved { gva: u32, guest_phys: u32 },
}

/// The 4 KiB page every mapping the guest can make is a multiple of.
const SMALLEST_PAGE: u32 = 0x1000;

const BUS_ERROR: GuestException = GuestException::Other(ExcCode::Dbe);

impl<M: GuestMemory> Vcpu<M> {
    /// Emulates the trapped instruction's access through `target`; an
    /// instruction that makes no data access gets `otherwise`.
    pub(super) fn emulate_served_access(
        &mut self,
        t: &Trapped,
        target: PhysTarget,
        otherwise: GuestException,
        host: &mut impl HostServices,
    ) -> Step {
        match t.insn {
            Insn::Mem(access) => self.emulate_load_store(&access, target, t, host),
            Insn::Synci { base, offset } => {
                let ea = self.regs.get(base).wrapping_add(offset as i32 as u32);
                let phys = match self.guest_phys_of(target, ea, Access::Load) {
                    Ok(phys) => phys,
                    Err(exception) => return Step::Deliver(exception),
                };
                self.stats.synci += 1;
                let step = self.synci_step();
                host.sync_icache_guest_phys(phys & !(step - 1), step);
                Step::Next
            }
            _ => Step::Deliver(otherwise),
        }
    }

    fn emulate_load_store(
        &mut self,
        access: &MemAccess,
        target: PhysTarget,
        t: &Trapped,
        host: &mut impl HostServices,
    ) -> Step {
        let ea = access.effective_address(&self.regs);
        let direction = match access.kind() {
            MemKind::Store => Access::Store,
            MemKind::Load { .. } => Access::Load,
        };
        let address_error = Step::Deliver(GuestException::AddressError { access: direction, bad_vaddr: ea });
        if !access.is_aligned(ea) {
            return address_error;
        }
        let phys = match self.guest_phys_of(target, ea, direction) {
            Ok(phys) => phys,
            Err(exception) => return Step::Deliver(exception),
        };
        let endian = self.endian();
        let rt = self.regs.get(access.rt);
        let done = match (access.op, access.unaligned()) {
            (MemOp::Sc, _) if !self.ll_bit => {
                self.regs.set(access.rt, 0);
                true
            }
            (MemOp::Sc, _) => {
                self.ll_bit = false;
                let stored = self.store(phys, Width::Word, rt, host);
                if stored {
                    self.regs.set(access.rt, 1);
                }
                stored
            }
            (_, Some(side)) if direction == Access::Store => {
                let part = match side {
                    Unaligned::Left => mem::swl(rt, ea, endian),
                    Unaligned::Right => mem::swr(rt, ea, endian),
                };
                self.store_partial(phys & !3, part, host)
            }
            (_, Some(side)) => match self.load_partial(side, phys, host) {
                Some(word) => {
                    let merged = match side {
                        Unaligned::Left => mem::merge_lwl(rt, word, ea, endian),
                        Unaligned::Right => mem::merge_lwr(rt, word, ea, endian),
                    };
                    self.regs.set(access.rt, merged);
                    true
                }
                None => false,
            },
            (op, None) => match op.kind() {
                MemKind::Store => self.store(phys, op.width(), mem::store_data(op.width(), rt), host),
                MemKind::Load { signed } => match self.load(phys, op.width(), host) {
                    Some(raw) => {
                        self.ll_bit |= op == MemOp::Ll;
                        self.regs.set(access.rt, mem::load_result(op.width(), signed, raw));
                        true
                    }
                    None => false,
                },
            },
        };
        if done {
            return Step::Next;
        }
        self.stats.bus_error += 1;
        self.report(
            host,
            t.pc,
            t.word,
            format_args!(
                "`{}` at guest physical {phys:08x}: no RAM or device; guest gets DBE",
                t.insn.display_at(t.pc)
            ),
        );
        Step::Deliver(BUS_ERROR)
    }

    /// The guest physical address of the access at `ea` through `target`.
    /// A resolved translation is reused only inside the 4 KiB page of the
    /// address it was made for; any other `ea` (the word read back from
    /// memory is not the one that trapped, e.g. the guest rewrote it) goes
    /// through the guest's own translation of `ea`, so no access reaches a
    /// page the guest did not map there.
    fn guest_phys_of(&self, target: PhysTarget, ea: u32, access: Access) -> Result<u32, GuestException> {
        let address_error = GuestException::AddressError { access, bad_vaddr: ea };
        match target {
            PhysTarget::RealKseg01 => real_kseg01_phys(ea).ok_or(address_error),
            PhysTarget::Resolved { gva, guest_phys } if (ea ^ gva) < SMALLEST_PAGE => {
                Ok((guest_phys & !(SMALLEST_PAGE - 1)) | (ea & (SMALLEST_PAGE - 1)))
            }
            PhysTarget::Resolved { .. } => {
                let layout = self.cp0.model().layout();
                translate(layout, &self.tlb, self.cp0.asid(), ea, self.guest_mode(), access)
            }
        }
    }

    /// A naturally aligned read from guest RAM or a device.
    fn load(&mut self, phys: u32, width: Width, host: &mut impl HostServices) -> Option<u32> {
        if let Some(value) = self.mmu.read_phys(phys, width.bytes() as u8) {
            self.stats.phys_access += 1;
            return Some(value);
        }
        let value = host.device_read(phys, width)?;
        self.stats.mmio += 1;
        Some(value)
    }

    /// A naturally aligned write to guest RAM or a device; whether anyone took it.
    fn store(&mut self, phys: u32, width: Width, value: u32, host: &mut impl HostServices) -> bool {
        if self.mmu.write_phys(phys, width.bytes() as u8, value) {
            self.stats.phys_access += 1;
            return true;
        }
        let taken = host.device_write(phys, width, value);
        self.stats.mmio += taken as u64;
        taken
    }

    /// The aligned word around `phys` as LWL/LWR see it. A device is asked
    /// only for the bytes the instruction uses (others read as 0), so no
    /// register outside the span is touched.
    fn load_partial(&mut self, side: Unaligned, phys: u32, host: &mut impl HostServices) -> Option<u32> {
        let word_addr = phys & !3;
        if let Some(word) = self.mmu.read_phys(word_addr, 4) {
            self.stats.phys_access += 1;
            return Some(word);
        }
        let endian = self.endian();
        let (start, len) = mem::unaligned_span(side, phys, endian);
        if len == 4 {
            return self.load(word_addr, Width::Word, host);
        }
        let mut bytes = [0u8; 4];
        // Offsets within the word: `start + len` is 2^32 for the top word of the space.
        let first = start - word_addr;
        for offset in first..first + len {
            bytes[offset as usize] = host.device_read(word_addr + offset, Width::Byte)? as u8;
        }
        self.stats.mmio += 1;
        Some(endian.word_from_bytes(bytes))
    }

    /// SWL/SWR into the aligned word at `word_addr`: read-merge-write in RAM,
    /// the written bytes alone for a device.
    fn store_partial(&mut self, word_addr: u32, part: PartialWord, host: &mut impl HostServices) -> bool {
        if let Some(old) = self.mmu.read_phys(word_addr, 4) {
            self.stats.phys_access += 1;
            return self.mmu.write_phys(word_addr, 4, part.merge_into(old));
        }
        if part.mask == u32::MAX {
            return self.store(word_addr, Width::Word, part.value, host);
        }
        let endian = self.endian();
        let (values, lanes) = (endian.word_to_bytes(part.value), endian.word_to_bytes(part.mask));
        for offset in 0..4 {
            if lanes[offset] != 0
                && !host.device_write(word_addr + offset as u32, Width::Byte, values[offset] as u32)
            {
                return false;
            }
        }
        self.stats.mmio += 1;
        true
    }
}
