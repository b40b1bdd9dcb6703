//! Guest exceptions, ERET and interrupt evaluation over the virtual CP0, as
//! the MIPS32 PRA (MD00090, "Exceptions") and ERET (MD00086) define them.
//!
//! Vectors are returned in the guest's own address layout: while Status.BEV is
//! set the base is the boot ROM's physical 0x1FC00200 as the guest sees it
//! uncached (0x5FC00200 in the KVM layout, 0xBFC00200 natively), otherwise the
//! EBase base. Offsets: 0x000 for a TLB Refill taken with EXL clear, 0x200 for
//! an interrupt when Cause.IV is set (with BEV too: PRA tables "Exception
//! Vector Base Addresses" and "Exception Vector Offsets", and QEMU agree),
//! 0x180 for everything else.

use super::cp0::VirtualCp0;
use crate::cp0::fields::{Cause, ExcCode, Status};

pub const REFILL_OFFSET: u32 = 0x000;
pub const GENERAL_OFFSET: u32 = 0x180;
pub const INTERRUPT_OFFSET: u32 = 0x200;

/// Whether a faulting access read (or fetched) or wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Load or instruction fetch.
    Load,
    Store,
}

/// An exception to deliver to the guest, with the state it records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuestException {
    Interrupt,
    /// Store to a clean (D = 0) page.
    TlbModified {
        bad_vaddr: u32,
    },
    /// No guest TLB entry matched.
    TlbRefill {
        access: Access,
        bad_vaddr: u32,
    },
    /// An entry matched with V = 0.
    TlbInvalid {
        access: Access,
        bad_vaddr: u32,
    },
    AddressError {
        access: Access,
        bad_vaddr: u32,
    },
    /// Cause.CE records `unit` (0..=3).
    CoprocessorUnusable {
        unit: u8,
    },
    /// Sets Status.TS (the TLB-duplicate kind the guest TLB reports).
    MachineCheck,
    /// A cause that records no address: Sys, Bp, RI, Ov, Tr, IBE, DBE, FPE, ...
    Other(ExcCode),
}

impl GuestException {
    pub fn exc_code(self) -> ExcCode {
        match self {
            GuestException::Interrupt => ExcCode::Int,
            GuestException::TlbModified { .. } => ExcCode::Mod,
            GuestException::TlbRefill { access: Access::Load, .. }
            | GuestException::TlbInvalid { access: Access::Load, .. } => ExcCode::TlbL,
            GuestException::TlbRefill { access: Access::Store, .. }
            | GuestException::TlbInvalid { access: Access::Store, .. } => ExcCode::TlbS,
            GuestException::AddressError { access: Access::Load, .. } => ExcCode::AdEL,
            GuestException::AddressError { access: Access::Store, .. } => ExcCode::AdES,
            GuestException::CoprocessorUnusable { .. } => ExcCode::CpU,
            GuestException::MachineCheck => ExcCode::Mcheck,
            GuestException::Other(code) => code,
        }
    }

    /// The address BadVAddr records, for TLB and address-error exceptions.
    pub fn bad_vaddr(self) -> Option<u32> {
        match self {
            GuestException::TlbModified { bad_vaddr }
            | GuestException::TlbRefill { bad_vaddr, .. }
            | GuestException::TlbInvalid { bad_vaddr, .. }
            | GuestException::AddressError { bad_vaddr, .. } => Some(bad_vaddr),
            _ => None,
        }
    }

    /// TLB exceptions also load Context.BadVPN2 and EntryHi.VPN2; address
    /// errors leave them (the PRA calls them UNPREDICTABLE there; QEMU and
    /// hardware leave them alone).
    fn loads_tlb_context(self) -> bool {
        matches!(
            self,
            GuestException::TlbModified { .. }
                | GuestException::TlbRefill { .. }
                | GuestException::TlbInvalid { .. }
        )
    }
}

impl VirtualCp0 {
    /// The base the current Status.BEV selects, in the guest's layout.
    pub fn exception_base(&self) -> u32 {
        if self.status.contains(Status::BEV) {
            self.model.layout().bootstrap_exception_base()
        } else {
            self.ebase().base()
        }
    }

    /// Takes `exception` in the guest and returns the guest PC to resume at.
    ///
    /// `epc` is what hardware would put in EPC: the faulting instruction, or
    /// the branch when the faulting instruction sits in its delay slot
    /// (`in_delay_slot`), i.e. the host's EPC for a re-delivered fault.
    /// EPC and Cause.BD are only written when Status.EXL was clear.
    pub fn deliver(&mut self, exception: GuestException, epc: u32, in_delay_slot: bool) -> u32 {
        let vector = self.vector_for(exception);
        let exl_was_set = self.status.contains(Status::EXL);
        if !exl_was_set {
            self.epc = epc;
            self.cause.set(Cause::BD, in_delay_slot);
        }
        self.cause = self.cause.with_exc_code(exception.exc_code());
        if let GuestException::CoprocessorUnusable { unit } = exception {
            let ce_mask = 0b11 << 28;
            self.cause =
                Cause::from_bits_retain((self.cause.bits() & !ce_mask) | ((unit as u32 & 0b11) << 28));
        }
        if exception == GuestException::MachineCheck {
            self.status.insert(Status::TS);
        }
        if let Some(address) = exception.bad_vaddr() {
            self.bad_vaddr = address;
            if exception.loads_tlb_context() {
                self.context = self.context.with_bad_vpn2_of(address);
                self.entry_hi = self.entry_hi.with_vpn2_of(address);
            }
        }
        self.status.insert(Status::EXL);
        vector
    }

    /// Where [`deliver`](Self::deliver) would send the guest for `exception`
    /// now, without taking it.
    pub fn vector_for(&self, exception: GuestException) -> u32 {
        let offset = match exception {
            GuestException::TlbRefill { .. } if !self.status.contains(Status::EXL) => REFILL_OFFSET,
            GuestException::Interrupt if self.cause.contains(Cause::IV) => self.interrupt_offset(),
            _ => GENERAL_OFFSET,
        };
        self.exception_base() + offset
    }

    /// The offset of an interrupt taken with Cause.IV set: 0x200, or with
    /// IntCtl.VS (vector spacing, in 32-byte units) non-zero and BEV clear,
    /// one vector per interrupt line: 0x200 + n * spacing for the
    /// highest-numbered pending, unmasked IPn (PRA "Vectored Interrupt Mode";
    /// QEMU applies it whatever Config3.VInt says, and so does the monitor:
    /// VS is writable exactly where QEMU's model has it writable).
    fn interrupt_offset(&self) -> u32 {
        let spacing = self.int_ctl().vector_spacing() as u32;
        if spacing == 0 || self.status.contains(Status::BEV) {
            return INTERRUPT_OFFSET;
        }
        let pending = self.cause.ip() & self.status.im();
        let vector = if pending == 0 { 0 } else { 7 - pending.leading_zeros() };
        INTERRUPT_OFFSET + vector * (spacing << 5)
    }

    /// Guest ERET: returns the PC to resume at. ERL takes precedence: return
    /// to ErrorEPC and clear ERL; otherwise to EPC and clear EXL. (The LLbit is
    /// the hardware's, cleared by the monitor's own ERET into the guest.)
    pub fn eret(&mut self) -> u32 {
        if self.status.contains(Status::ERL) {
            self.status.remove(Status::ERL);
            self.error_epc
        } else {
            self.status.remove(Status::EXL);
            self.epc
        }
    }

    /// Whether an interrupt must be delivered now: Status.IE set, EXL and ERL
    /// clear, and some Cause.IP bit unmasked by Status.IM.
    pub fn pending_interrupt(&self) -> bool {
        self.pending_interrupt_with(self.status)
    }

    /// Whether an interrupt would be pending with `status` as Status.
    pub fn pending_interrupt_with(&self, status: Status) -> bool {
        let enabled = status.contains(Status::IE) && !status.intersects(Status::EXL | Status::ERL);
        enabled && status.im() & self.cause.ip() != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cp0::{self, fields::EntryHi};
    use crate::vcpu::cp0::GuestMode;
    use crate::vcpu::guest_layout::GuestLayout;
    use crate::vcpu::model::{Endianness, VcpuModel};

    /// A guest that has left BEV and set its vectors at 0x40b60000.
    fn running() -> VirtualCp0 {
        let mut c = VirtualCp0::new(VcpuModel::kvm_24kc(Endianness::Little));
        c.write(cp0::EBASE, 0x80b6_0000).unwrap();
        c.write(cp0::STATUS, 0x0000_ff11).unwrap(); // IM all, UM, IE: guest user mode
        c
    }

    #[test]
    fn refill_with_exl_clear_uses_offset_0_and_saves_epc() {
        let mut c = running();
        c.write(cp0::ENTRY_HI, 0x0000_0042).unwrap();
        let pc = c.deliver(
            GuestException::TlbRefill { access: Access::Store, bad_vaddr: 0x0040_5678 },
            0x1000,
            false,
        );
        assert_eq!(pc, 0x40b6_0000);
        assert_eq!(c.epc(), 0x1000);
        assert_eq!(c.cause().exc_code(), ExcCode::TlbS);
        assert!(!c.cause().contains(Cause::BD));
        assert!(c.status().contains(Status::EXL));
        assert_eq!(c.guest_mode(), GuestMode::Kernel);
        // BadVAddr, Context.BadVPN2 = VA 31:13, EntryHi.VPN2 = VA 31:13 with ASID kept.
        assert_eq!(c.bad_vaddr(), 0x0040_5678);
        assert_eq!(c.context().bad_vpn2(), 0x0040_5678 >> 13);
        assert_eq!(c.entry_hi(), EntryHi(0x0040_4042));
    }

    #[test]
    fn with_exl_set_epc_and_bd_stay_and_a_refill_goes_to_0x180() {
        // PRA: EPC and BD are loaded only when EXL was 0; a TLB refill taken
        // with EXL = 1 uses the general vector.
        let mut c = running();
        c.deliver(GuestException::Other(ExcCode::Sys), 0x2000, true);
        assert!(c.cause().contains(Cause::BD));
        let pc = c.deliver(
            GuestException::TlbRefill { access: Access::Load, bad_vaddr: 0x7fff_0000 },
            0x4000_0100,
            false,
        );
        assert_eq!(pc, 0x40b6_0180);
        assert_eq!(c.epc(), 0x2000);
        assert!(c.cause().contains(Cause::BD));
        assert_eq!(c.cause().exc_code(), ExcCode::TlbL);
    }

    #[test]
    fn delay_slot_fault_sets_bd_and_epc_is_the_branch() {
        let mut c = running();
        let pc = c.deliver(GuestException::Other(ExcCode::Ov), 0x0040_0010, true);
        assert_eq!(pc, 0x40b6_0180);
        assert_eq!(c.epc(), 0x0040_0010);
        assert!(c.cause().contains(Cause::BD));
        // Returning re-executes the branch.
        assert_eq!(c.eret(), 0x0040_0010);
    }

    #[test]
    fn address_error_sets_badvaddr_but_not_entryhi_or_context() {
        let mut c = running();
        c.write(cp0::ENTRY_HI, 0x0012_2007).unwrap();
        c.deliver(
            GuestException::AddressError { access: Access::Load, bad_vaddr: 0xa000_0001 },
            0x500,
            false,
        );
        assert_eq!(c.bad_vaddr(), 0xa000_0001);
        assert_eq!(c.entry_hi(), EntryHi(0x0012_2007));
        assert_eq!(c.context().bad_vpn2(), 0);
        assert_eq!(c.cause().exc_code(), ExcCode::AdEL);
    }

    #[test]
    fn tlb_invalid_and_modified_use_the_general_vector() {
        let mut c = running();
        let pc = c.deliver(
            GuestException::TlbInvalid { access: Access::Load, bad_vaddr: 0x6000_2000 },
            0x10,
            false,
        );
        assert_eq!((pc, c.cause().exc_code()), (0x40b6_0180, ExcCode::TlbL));
        let mut c = running();
        let pc = c.deliver(GuestException::TlbModified { bad_vaddr: 0x6000_3000 }, 0x10, false);
        assert_eq!((pc, c.cause().exc_code()), (0x40b6_0180, ExcCode::Mod));
        assert_eq!(c.context().bad_vpn2(), 0x6000_3000 >> 13);
    }

    #[test]
    fn bev_vectors_sit_in_the_boot_rom_as_the_guest_layout_sees_it() {
        // PRA: BEV = 1 base 0xBFC00200; refill +0, general +0x180, IV interrupt +0x200.
        let fresh = || VirtualCp0::new(VcpuModel::kvm_24kc(Endianness::Big));
        let mut c = fresh();
        assert_eq!(
            c.deliver(GuestException::TlbRefill { access: Access::Load, bad_vaddr: 0 }, 0, false),
            0x5fc0_0200
        );
        let mut c = fresh();
        assert_eq!(c.deliver(GuestException::Other(ExcCode::Bp), 0, false), 0x5fc0_0380);
        let mut c = fresh();
        c.write(cp0::CAUSE, Cause::IV.bits()).unwrap();
        assert_eq!(c.deliver(GuestException::Interrupt, 0, false), 0x5fc0_0400);
        let mut n = VirtualCp0::new(VcpuModel::kvm_24kc(Endianness::Big).with_layout(GuestLayout::Native));
        assert_eq!(n.deliver(GuestException::Other(ExcCode::Bp), 0, false), 0xbfc0_0380);
        assert_eq!(n.ebase().base(), 0x8000_0000);
    }

    #[test]
    fn vectored_interrupts_space_vectors_by_intctl_vs_on_named_models() {
        use crate::vcpu::model::CpuName;
        // QEMU: IV and VS != 0 and BEV clear: 0x200 + n * VS * 32 for the
        // highest pending unmasked IPn; VS is writable on its named models.
        let vectored = |name, vs: u32, ip: u32, im: u32| {
            let mut c = VirtualCp0::new(VcpuModel::named(name, Endianness::Little));
            c.write(cp0::EBASE, 0x80b6_0000).unwrap();
            c.write(cp0::STATUS, (im << 8) | 0x11).unwrap();
            c.write(cp0::INT_CTL, vs << 5).unwrap();
            c.write(cp0::CAUSE, Cause::IV.bits() | (ip << 8)).unwrap();
            c.deliver(GuestException::Interrupt, 0x10, false) - 0x40b6_0000
        };
        assert_eq!(vectored(CpuName::Mips74Kf, 1, 0b10, 0xff), 0x200 + 32);
        assert_eq!(vectored(CpuName::Mips74Kf, 4, 0b11, 0xff), 0x200 + 128);
        // IP1 masked: SW0 is the highest unmasked.
        assert_eq!(vectored(CpuName::Mips24Kf, 2, 0b11, 0x01), 0x200);
        assert_eq!(vectored(CpuName::Mips24Kf, 0, 0b10, 0xff), 0x200);
        // The KVM 24Kc has no writable VS: always 0x200.
        assert_eq!(vectored(CpuName::Kvm24Kc, 4, 0b10, 0xff), 0x200);
    }

    #[test]
    fn interrupts_use_0x200_only_with_cause_iv() {
        let mut c = running();
        assert_eq!(c.deliver(GuestException::Interrupt, 0x10, false), 0x40b6_0180);
        let mut c = running();
        c.write(cp0::CAUSE, Cause::IV.bits()).unwrap();
        assert_eq!(c.deliver(GuestException::Interrupt, 0x10, false), 0x40b6_0200);
        assert_eq!(c.cause().exc_code(), ExcCode::Int);
    }

    #[test]
    fn coprocessor_unusable_records_the_unit_and_machine_check_sets_ts() {
        let mut c = running();
        c.deliver(GuestException::CoprocessorUnusable { unit: 1 }, 0, false);
        assert_eq!((c.cause().exc_code(), c.cause().ce()), (ExcCode::CpU, 1));
        let mut c = running();
        assert_eq!(c.deliver(GuestException::MachineCheck, 0, false), 0x40b6_0180);
        assert!(c.status().contains(Status::TS));
        assert_eq!(c.cause().exc_code(), ExcCode::Mcheck);
    }

    #[test]
    fn eret_prefers_erl_and_errorepc() {
        // MD00086 ERET: if ERL, PC = ErrorEPC and ERL = 0; else PC = EPC and EXL = 0.
        let mut c = running();
        c.write(cp0::EPC, 0x1111).unwrap();
        c.write(cp0::ERROR_EPC, 0x2222).unwrap();
        c.write(cp0::STATUS, (Status::ERL | Status::EXL | Status::UM).bits()).unwrap();
        assert_eq!(c.eret(), 0x2222);
        assert!(!c.status().contains(Status::ERL));
        assert!(c.status().contains(Status::EXL));
        assert_eq!(c.eret(), 0x1111);
        assert!(!c.status().contains(Status::EXL));
        assert_eq!(c.guest_mode(), GuestMode::User);
    }

    #[test]
    fn interrupt_pending_truth_table() {
        // Taken iff IE = 1, EXL = 0, ERL = 0 and (IM & IP) != 0.
        for bits in 0u32..32 {
            let (ie, exl, erl, masked_in, raised) =
                (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0, bits & 8 != 0, bits & 16 != 0);
            let mut c = VirtualCp0::new(VcpuModel::kvm_24kc(Endianness::Little));
            let mut status = Status::empty();
            status.set(Status::IE, ie);
            status.set(Status::EXL, exl);
            status.set(Status::ERL, erl);
            let status = if masked_in { status.with_im(0x80) } else { status.with_im(0x7f) };
            c.write(cp0::STATUS, status.bits()).unwrap();
            if raised {
                c.raise_timer_interrupt();
            }
            let expected = ie && !exl && !erl && masked_in && raised;
            assert_eq!(
                c.pending_interrupt(),
                expected,
                "IE {ie} EXL {exl} ERL {erl} IM7 {masked_in} IP7 {raised}"
            );
        }
    }

    #[test]
    fn software_interrupts_are_pending_too() {
        let mut c = running();
        c.write(cp0::CAUSE, 1 << 9).unwrap();
        assert!(c.pending_interrupt());
    }
}
