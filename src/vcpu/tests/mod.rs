//! Tests of exit handling and emulation: a `Vcpu` over a fake guest memory
//! and fake host services that record every call. Instruction words come
//! from GNU as; expected values from the MIPS32 ISA (MD00086) and PRA
//! (MD00090), cited per test.

mod asm;
mod fakes;

mod cache_ops;
mod cop0_moves;
mod debug_exit;
mod delay_slots;
mod delivered_causes;
mod dyntrans;
mod eret_wait;
mod exception_loop;
mod fast_exit;
mod fuzz;
mod interrupts;
mod load_store;
mod rdhwr;
mod tlb_ops;

use std::vec::Vec;

use super::cp0::GuestMode;
use super::exits::{ExitOutcome, HostExit};
use super::model::{Endianness, VcpuModel};
use super::state::Vcpu;
use crate::cp0::fields::{Cause, ExcCode, Status};
use crate::cp0::{self, Cp0Reg};
use crate::isa::{Gpr, GuestIsa};
pub(super) use asm::{asm, asm_one};
pub(super) use fakes::{DeviceAccess, FakeHost, FakeMemory, MemCall};

/// Where the guest kernel's code sits in these tests (guest KSEG0, KVM layout).
pub(super) const PC: u32 = 0x4010_0100;
/// The guest's exception base once it has left BEV (EBase written 0x80b60000).
pub(super) const EBASE: u32 = 0x40b6_0000;
pub(super) const GENERAL_VECTOR: u32 = EBASE + 0x180;
pub(super) const REFILL_VECTOR: u32 = EBASE;

/// Host Count frequency of the fake host: 25 MHz, so guest ticks (100 MHz) are 4 per host tick.
pub(super) const HOST_HZ: u64 = 25_000_000;
pub(super) const GUEST_HZ: u64 = 100_000_000;

pub(super) type TestVcpu = Vcpu<FakeMemory>;

/// A little-endian guest kernel that has set up its vectors: kernel mode,
/// BEV clear, interrupts disabled (IE = 0, all IM bits set).
pub(super) fn kernel() -> (TestVcpu, FakeHost) {
    machine(VcpuModel::kvm_24kc(Endianness::Little))
}

pub(super) fn machine(model: VcpuModel) -> (TestVcpu, FakeHost) {
    let mut host = FakeHost::new(HOST_HZ);
    let memory = FakeMemory::new(model.endianness());
    let mut vcpu = Vcpu::new(model, GuestIsa::Mips32r2, memory, GUEST_HZ, &mut host).unwrap();
    vcpu.cp0.write(cp0::EBASE, 0x80b6_0000).unwrap();
    vcpu.cp0.write(cp0::STATUS, Status::from_bits_retain(0).with_im(0xff).bits()).unwrap();
    vcpu.regs.pc = PC;
    (vcpu, host)
}

/// The same guest, now running a user process (Status.UM set).
pub(super) fn user() -> (TestVcpu, FakeHost) {
    let (mut vcpu, host) = kernel();
    change_status(&mut vcpu, |s| s | Status::UM);
    assert_eq!(vcpu.guest_mode(), GuestMode::User);
    (vcpu, host)
}

pub(super) fn status_of(vcpu: &TestVcpu) -> Status {
    vcpu.cp0.status()
}

/// Rewrites the guest's Status through its write mask.
pub(super) fn change_status(vcpu: &mut TestVcpu, change: impl FnOnce(Status) -> Status) {
    let status = change(vcpu.cp0.status());
    vcpu.cp0.write(cp0::STATUS, status.bits()).unwrap();
}

pub(super) fn read_cp0(vcpu: &TestVcpu, reg: Cp0Reg) -> u32 {
    vcpu.cp0.read(reg, || 0).unwrap()
}

pub(super) fn set(vcpu: &mut TestVcpu, reg: Gpr, value: u32) {
    vcpu.regs.set(reg, value);
}

pub(super) fn get(vcpu: &TestVcpu, reg: Gpr) -> u32 {
    vcpu.regs.get(reg)
}

/// An exit at `epc` with nothing but the cause (no BadInstr).
pub(super) fn exit(exc: ExcCode, epc: u32) -> HostExit {
    HostExit { exc, cause_bd: false, coprocessor: 0, epc, bad_vaddr: 0, bad_instr: None, bad_instr_p: None }
}

/// Puts `word` at guest address `pc` and takes `exc` on it (not in a delay slot).
pub(super) fn trap_at(
    vcpu: &mut TestVcpu,
    host: &mut FakeHost,
    exc: ExcCode,
    pc: u32,
    word: u32,
) -> ExitOutcome {
    vcpu.mmu.code.insert(pc, word);
    vcpu.handle_exit(&exit(exc, pc), host)
}

/// Coprocessor Unusable (CE = 0) on `source` at [`PC`]: the COP0/CACHE path.
pub(super) fn cop0_trap(vcpu: &mut TestVcpu, host: &mut FakeHost, source: &str) -> ExitOutcome {
    trap_at(vcpu, host, ExcCode::CpU, PC, asm_one(source))
}

/// The branch at [`PC`] and the trapping instruction in its delay slot.
pub(super) fn delay_slot_trap(
    vcpu: &mut TestVcpu,
    host: &mut FakeHost,
    exc: ExcCode,
    branch: &str,
    slot: &str,
) -> ExitOutcome {
    let [branch, slot] = asm([branch, slot]);
    vcpu.mmu.code.insert(PC, branch);
    vcpu.mmu.code.insert(PC + 4, slot);
    let exit = HostExit { cause_bd: true, ..exit(exc, PC) };
    vcpu.handle_exit(&exit, host)
}

/// ExcCode, EPC, Cause.BD and the PC the guest resumes at.
pub(super) fn delivered(vcpu: &TestVcpu) -> (ExcCode, u32, bool, u32) {
    let cause = vcpu.cp0.cause();
    (cause.exc_code(), vcpu.cp0.epc(), cause.contains(Cause::BD), vcpu.regs.pc)
}

/// Log lines written so far.
pub(super) fn logged(host: &FakeHost) -> Vec<&str> {
    host.log.iter().map(|line| line.as_str()).collect()
}
