//! Emulation of the privileged instructions a guest kernel traps on: COP0
//! (MFC0/MTC0, TLB instructions, ERET, WAIT, DI/EI, RDPGPR/WRPGPR), CACHE and
//! RDHWR, per the MIPS32 ISA (MD00086) and PRA (MD00090).
//!
//! Each function performs one instruction on the vCPU state and says how the
//! guest continues ([`Step`]); `exits` fetches the instruction, resolves the
//! branch when it sat in a delay slot, and applies the step.

use super::cp0::{Unimplemented, WriteEffect};
use super::dyntrans::is_droppable_cache_op;
use super::exception::{Access, GuestException};
use super::exit_cost::ExitKind;
use super::guest_tlb::{IndexOutOfRange, TlbWrite};
use super::host::{GuestMemory, HostServices};
use super::state::Vcpu;
use super::translate::translate;
use crate::cp0::fields::{Cause, ExcCode, HwrEna, Status};
use crate::cp0::{self, Cp0Reg};
use crate::isa::{hwr, CacheOp, CacheOperation, CacheTarget, Cop0Insn, Gpr, Insn, Mips64Insn};

/// The Count resolution RDHWR $3 reports: a 24K's Count advances every other
/// pipeline cycle (QEMU's 24Kc reports 2 too).
pub const CC_RES: u32 = 2;

/// The instruction being emulated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Trapped {
    /// Its address (EPC, or EPC + 4 in a delay slot).
    pub pc: u32,
    pub word: u32,
    pub insn: Insn,
    pub in_delay_slot: bool,
}

/// How the guest continues after an emulated instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// Done: continue after it (or where its branch goes).
    Next,
    /// It transferred control itself (ERET).
    Jump(u32),
    /// It raised this exception in the guest.
    Deliver(GuestException),
    /// Execute it again (the monitor changed something it depends on).
    Retry,
}

/// The guest's Reserved Instruction exception.
pub(super) const RESERVED_INSTRUCTION: GuestException = GuestException::Other(ExcCode::Ri);

impl<M: GuestMemory> Vcpu<M> {
    /// A Coprocessor Unusable exit with Cause.CE = 0: COP0 or CACHE.
    pub(super) fn emulate_privileged(&mut self, t: &Trapped, host: &mut impl HostServices) -> Step {
        // A MIPS32 CPU has no DMFC0/DMTC0: reserved, whatever the privilege.
        if let Insn::Mips64(Mips64Insn::Dmfc0 { .. } | Mips64Insn::Dmtc0 { .. }) = t.insn {
            return Step::Deliver(RESERVED_INSTRUCTION);
        }
        if !self.cp0_usable() {
            return Step::Deliver(GuestException::CoprocessorUnusable { unit: 0 });
        }
        match t.insn {
            Insn::Cop0(op) => self.emulate_cop0(op, t, host),
            Insn::Cache { op, base, offset } => {
                self.exit_kind = ExitKind::Cache;
                let va = self.regs.get(base).wrapping_add(offset as i32 as u32);
                let step = self.emulate_cache(op, va, host);
                if step == Step::Next && is_droppable_cache_op(op) {
                    self.rewrite_as_nop(t, host);
                }
                step
            }
            _ => self.cannot_emulate(t, host),
        }
    }

    /// A Reserved Instruction exit: RDHWR is emulated, anything else is the guest's.
    pub(super) fn emulate_reserved(&mut self, t: &Trapped, host: &mut impl HostServices) -> Step {
        match t.insn {
            Insn::Rdhwr { rt, hwr, sel } => {
                self.exit_kind = ExitKind::Rdhwr;
                self.emulate_rdhwr(rt, hwr, sel, host)
            }
            _ => Step::Deliver(RESERVED_INSTRUCTION),
        }
    }

    /// Delivers RI for an instruction the monitor has no emulation of, and logs it once.
    pub(super) fn cannot_emulate(&mut self, t: &Trapped, host: &mut impl HostServices) -> Step {
        self.stats.unemulated += 1;
        self.report(
            host,
            t.pc,
            t.word,
            format_args!("`{}` not emulated; guest gets RI", t.insn.display_at(t.pc)),
        );
        Step::Deliver(RESERVED_INSTRUCTION)
    }

    fn emulate_cop0(&mut self, op: Cop0Insn, t: &Trapped, host: &mut impl HostServices) -> Step {
        self.exit_kind = match op {
            Cop0Insn::Mfc0 { .. } => ExitKind::Mfc0,
            Cop0Insn::Mtc0 { .. } => ExitKind::Mtc0,
            Cop0Insn::Di { .. } | Cop0Insn::Ei { .. } => ExitKind::DiEi,
            Cop0Insn::Tlbp | Cop0Insn::Tlbr | Cop0Insn::Tlbwi | Cop0Insn::Tlbwr => ExitKind::TlbOp,
            Cop0Insn::Eret => ExitKind::Eret,
            Cop0Insn::Wait { .. } => ExitKind::Wait,
            _ => ExitKind::OtherCp0,
        };
        match op {
            Cop0Insn::Mfc0 { rt, reg } => self.mfc0(rt, reg, t, host),
            Cop0Insn::Mtc0 { rt, reg } => {
                let value = self.regs.get(rt);
                match self.cp0.write(reg, value) {
                    Ok(effect) => self.apply_cp0_effect(effect, host),
                    // PRA: writes to unimplemented registers are ignored (Release 6 says so; R2 leaves it UNDEFINED).
                    Err(_) => {
                        self.report(host, t.pc, t.word, format_args!("mtc0 to absent CP0 {reg:?} ignored"))
                    }
                }
                Step::Next
            }
            Cop0Insn::Di { rt } => self.set_interrupt_enable(rt, false, host),
            Cop0Insn::Ei { rt } => self.set_interrupt_enable(rt, true, host),
            Cop0Insn::Tlbp => {
                self.cp0.tlbp(&self.tlb);
                Step::Next
            }
            Cop0Insn::Tlbr => {
                match self.cp0.tlbr(&self.tlb) {
                    Ok(effect) => self.apply_cp0_effect(effect, host),
                    Err(e) => self.report_bad_index(e, t, host),
                }
                Step::Next
            }
            Cop0Insn::Tlbwi => {
                let written = self.cp0.tlbwi(&mut self.tlb);
                self.after_tlb_write(written, t, host)
            }
            Cop0Insn::Tlbwr => {
                let written = self.cp0.tlbwr(&mut self.tlb);
                self.after_tlb_write(written, t, host)
            }
            // ERET must not sit in a delay slot (undefined in the ISA): the guest gets RI.
            Cop0Insn::Eret if t.in_delay_slot => self.cannot_emulate(t, host),
            Cop0Insn::Eret => {
                self.ll_bit = false;
                Step::Jump(self.cp0.eret())
            }
            Cop0Insn::Wait { .. } => {
                self.wait(host);
                Step::Next
            }
            // Without shadow register sets (SRSCtl.HSS = 0) the previous set is the current one.
            Cop0Insn::Rdpgpr { rd, rt } | Cop0Insn::Wrpgpr { rd, rt } => {
                self.regs.set(rd, self.regs.get(rt));
                Step::Next
            }
            // Not in the virtual 24Kc: XPA, TLBINV, ERETNC, EJTAG, Release 6 DVP/EVP.
            Cop0Insn::Mfhc0 { .. }
            | Cop0Insn::Mthc0 { .. }
            | Cop0Insn::Tlbinv
            | Cop0Insn::Tlbinvf
            | Cop0Insn::Eretnc
            | Cop0Insn::Deret
            | Cop0Insn::Dvp { .. }
            | Cop0Insn::Evp { .. } => self.cannot_emulate(t, host),
        }
    }

    fn mfc0(&mut self, rt: Gpr, reg: Cp0Reg, t: &Trapped, host: &mut impl HostServices) -> Step {
        let value = match self.mfc0_value(reg, host) {
            Ok(value) => value,
            // Release 6 PRA: reads of unimplemented registers return 0; Release 2
            // leaves them UNDEFINED and QEMU's CPUs read all ones.
            Err(_) => {
                let value = self.cp0.model().absent_register_reads();
                self.report(
                    host,
                    t.pc,
                    t.word,
                    format_args!("mfc0 from absent CP0 {reg:?} reads {value:#x}"),
                );
                value
            }
        };
        self.regs.set(rt, value);
        Step::Next
    }

    /// What the guest's MFC0 of `reg` reads now.
    pub(super) fn mfc0_value(
        &mut self,
        reg: Cp0Reg,
        host: &mut impl HostServices,
    ) -> Result<u32, Unimplemented> {
        if reg == cp0::CAUSE || reg == cp0::COUNT {
            // Cause.TI must be current when the guest looks, and observing
            // Count must not skip past a Compare match unnoticed.
            if self.update_timer(host) {
                self.arm_timer(host);
            }
        }
        // Only a Count read pays for the scaling (a 64-bit division on MIPS32).
        let timer = &self.timer;
        self.cp0.read(reg, || timer.last_count())
    }

    /// DI/EI (MD00086): rt = Status before, then Status.IE = `enable`.
    fn set_interrupt_enable(&mut self, rt: Gpr, enable: bool, host: &mut impl HostServices) -> Step {
        let old = self.cp0.status();
        let mut new = old;
        new.set(Status::IE, enable);
        if let Ok(effect) = self.cp0.write(cp0::STATUS, new.bits()) {
            self.apply_cp0_effect(effect, host);
        }
        self.regs.set(rt, old.bits());
        Step::Next
    }

    /// Acts on what an MTC0 (or TLBR) changed: the vCPU owns ASID, Count and
    /// Compare; the rest is the host's to mirror.
    pub(super) fn apply_cp0_effect(&mut self, effect: WriteEffect, host: &mut impl HostServices) {
        match effect {
            WriteEffect::None => {}
            WriteEffect::EntryHiAsidChanged { old, new } => {
                let flush = self.mmu.asid_changed(old, new);
                host.flush_host_tlb(flush);
            }
            WriteEffect::CountWritten { count } => {
                // A match before the write still counts.
                self.update_timer(host);
                self.timer.write_count(count, host.host_count());
                self.arm_timer(host);
            }
            WriteEffect::CauseChanged { old, new } if old.contains(Cause::DC) != new.contains(Cause::DC) => {
                // Release 2: Cause.DC = 1 stops Count (and so the timer).
                self.update_timer(host);
                self.timer.set_stopped(new.contains(Cause::DC), host.host_count());
                self.arm_timer(host);
                host.guest_cp0_changed(effect);
            }
            WriteEffect::CompareWritten { compare } => {
                // The match window restarts at the write: a match before it was acknowledged by it.
                let _ = self.timer.reached(compare, host.host_count());
                self.arm_timer(host);
            }
            other => host.guest_cp0_changed(other),
        }
    }

    /// After TLBWI/TLBWR: the overwritten entry leaves the GVA tables and the host TLB.
    fn after_tlb_write(
        &mut self,
        written: Result<TlbWrite, IndexOutOfRange>,
        t: &Trapped,
        host: &mut impl HostServices,
    ) -> Step {
        match written {
            Ok(write) => {
                if let Some(displaced) = write.displaced {
                    let flush = self.mmu.invalidate(&displaced);
                    host.flush_host_tlb(flush);
                }
                if let Some(other) = write.conflict {
                    // The PRA's machine-check condition; like QEMU the monitor carries on.
                    self.report(
                        host,
                        t.pc,
                        t.word,
                        format_args!("guest TLB entries {} and {other} overlap", write.index),
                    );
                }
            }
            Err(e) => self.report_bad_index(e, t, host),
        }
        Step::Next
    }

    /// Index beyond a TLB that is not a power of two in size: UNDEFINED; no-op.
    fn report_bad_index(&mut self, e: IndexOutOfRange, t: &Trapped, host: &mut impl HostServices) {
        self.report(
            host,
            t.pc,
            t.word,
            format_args!("TLB index {} of {} entries ignored", e.index, e.entries),
        );
    }

    /// WAIT: idle until an interrupt is pending. With Config7.WII (set in the
    /// model) an interrupt ends WAIT whether or not Status.IE lets it in. One
    /// host idle per WAIT: the guest's idle loop waits again if woken early.
    ///
    /// With Status.IM = 0 no interrupt can ever end the WAIT (WII ignores
    /// IE, not IM): the guest has stopped, which the exit reports.
    fn wait(&mut self, host: &mut impl HostServices) {
        self.stats.wait += 1;
        if self.cp0.status().im() == 0 {
            self.stopped = true;
            return;
        }
        self.service_host_interrupt(host);
        if self.cp0.status().im() & self.cp0.cause().ip() == 0 {
            host.idle_until_interrupt(self.cp0.status().im());
            self.service_host_interrupt(host);
        }
    }

    /// CACHE at guest virtual `va`. The host keeps guest data coherent, so
    /// data-cache operations need nothing; instruction-cache operations make
    /// the host's instruction cache coherent for what the guest named. Hit
    /// operations translate their address and take the guest's TLB and
    /// address-error exceptions as the hardware would. Data-cache
    /// maintenance that completes is then rewritten to a NOP (see `dyntrans`).
    fn emulate_cache(&mut self, op: CacheOp, va: u32, host: &mut impl HostServices) -> Step {
        self.stats.cache += 1;
        let operation = op.operation();
        if matches!(
            operation,
            CacheOperation::IndexWritebackInvalidate
                | CacheOperation::HitWritebackInvalidate
                | CacheOperation::HitWriteback
        ) {
            self.stats.flush_dcache += 1;
        }
        let icache = op.target() == CacheTarget::PrimaryInstruction;
        if op.is_index_op() {
            // A sweep by index visits every (index, way) and starts at index 0, way 0
            // (the address's offset within the cache's total size is 0): one host
            // sync per sweep instead of one per line.
            let first_line = va.is_multiple_of(self.cp0.model().icache().size_bytes());
            if icache && operation == CacheOperation::IndexInvalidate && first_line {
                host.sync_icache_all();
            }
            return Step::Next;
        }
        let model = *self.cp0.model();
        let phys = match translate(
            model.layout(),
            &self.tlb,
            self.cp0.asid(),
            va,
            self.guest_mode(),
            Access::Load,
        ) {
            Ok(phys) => phys,
            Err(exception) => return Step::Deliver(exception),
        };
        if icache && matches!(operation, CacheOperation::HitInvalidate | CacheOperation::Fill) {
            let line = model.icache().line_bytes;
            host.sync_icache_guest_phys(phys & !(line - 1), line);
        }
        Step::Next
    }

    /// The SYNCI step: the smaller of the two L1 line sizes (MD00086 RDHWR, SYNCI_Step).
    pub(super) fn synci_step(&self) -> u32 {
        let model = self.cp0.model();
        model.icache().line_bytes.min(model.dcache().line_bytes)
    }

    /// RDHWR (MD00086, Release 2): allowed in kernel mode, with CU0, or when
    /// the register's HWREna bit is set; otherwise, or for a register the
    /// model lacks, Reserved Instruction.
    fn emulate_rdhwr(&mut self, rt: Gpr, number: u8, sel: u8, host: &mut impl HostServices) -> Step {
        let value = match self.rdhwr_outcome(number, sel) {
            RdhwrOutcome::Reserved => return Step::Deliver(RESERVED_INSTRUCTION),
            RdhwrOutcome::Value(value) => value,
            RdhwrOutcome::GuestCount => self.guest_count(host),
        };
        self.regs.set(rt, value);
        Step::Next
    }

    /// What RDHWR of hardware register `number`, select `sel`, does now.
    pub(super) fn rdhwr_outcome(&self, number: u8, sel: u8) -> RdhwrOutcome {
        let enable = match number {
            hwr::CPU_NUM => HwrEna::CPU_NUM,
            hwr::SYNCI_STEP => HwrEna::SYNCI_STEP,
            hwr::CC => HwrEna::CC,
            hwr::CC_RES => HwrEna::CC_RES,
            // Without Config3.ULRI, HWREna.ULR cannot be set: user mode gets RI, kernel
            // mode reads UserLocal, which MTC0 cannot change (QEMU does the same).
            hwr::ULR => HwrEna::ULR,
            _ => return RdhwrOutcome::Reserved,
        };
        let permitted = self.cp0_usable() || self.cp0.hwrena().contains(enable);
        if sel != 0 || !permitted {
            return RdhwrOutcome::Reserved;
        }
        RdhwrOutcome::Value(match number {
            hwr::CPU_NUM => self.cp0.ebase().cpu_num(),
            hwr::SYNCI_STEP => self.synci_step(),
            hwr::CC => return RdhwrOutcome::GuestCount,
            hwr::CC_RES => CC_RES,
            _ => self.cp0.user_local(),
        })
    }
}

/// What a guest RDHWR reads, decided from the vCPU's state alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RdhwrOutcome {
    /// Not readable now: Reserved Instruction.
    Reserved,
    /// This value.
    Value(u32),
    /// Guest Count, which needs the timer brought up to date.
    GuestCount,
}
