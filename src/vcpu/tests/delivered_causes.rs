//! Exceptions that belong to the guest, delivered as the PRA (MD00090,
//! "Exceptions") defines: EPC = the faulting instruction (the branch, with
//! Cause.BD, for a delay slot), ExcCode, BadVAddr for address and TLB
//! exceptions, Context.BadVPN2 and EntryHi.VPN2 for TLB exceptions, EXL set,
//! and the vector: EBase + 0x000 for a TLB Refill with EXL clear, + 0x180
//! otherwise.

use super::*;
use crate::cp0::fields::EntryHi;
use crate::vcpu::exception::{Access, GuestException};
use crate::vcpu::exits::HaltReason;
use crate::vcpu::guest_tlb::VaRange;
use crate::vcpu::host::{AccessKind, FaultResolution};
use crate::vcpu::stats::ExitStats;

/// Which counter an exit kind bumps.
type Counter = fn(&ExitStats) -> u64;

/// A guest user-process instruction address.
const USER_PC: u32 = 0x0040_0100;

#[test]
fn syscall_break_trap_overflow_fpe_and_bus_errors_are_redelivered() {
    let cases: &[(ExcCode, Counter)] = &[
        (ExcCode::Sys, |s| s.syscall),
        (ExcCode::Bp, |s| s.break_inst),
        (ExcCode::Tr, |s| s.trap_inst),
        (ExcCode::Ov, |s| s.overflow),
        (ExcCode::Fpe, |s| s.fpe),
        (ExcCode::Ibe, |s| s.bus_error),
        (ExcCode::Dbe, |s| s.bus_error),
    ];
    for (exc, counter) in cases {
        let (mut v, mut h) = user();
        assert_eq!(v.handle_exit(&exit(*exc, USER_PC), &mut h), ExitOutcome::Resume);
        assert_eq!(delivered(&v), (*exc, USER_PC, false, GENERAL_VECTOR), "{exc:?}");
        assert!(status_of(&v).contains(Status::EXL), "{exc:?}");
        assert_eq!(v.guest_mode(), GuestMode::Kernel, "{exc:?}");
        assert_eq!(counter(&v.stats), 1, "{exc:?}");
    }
}

#[test]
fn a_redelivered_exception_keeps_the_hosts_epc_and_bd() {
    // A SYSCALL cannot sit in a delay slot usefully, but an overflowing ADD can.
    let (mut v, mut h) = user();
    v.handle_exit(&HostExit { cause_bd: true, ..exit(ExcCode::Ov, USER_PC) }, &mut h);
    assert_eq!(delivered(&v), (ExcCode::Ov, USER_PC, true, GENERAL_VECTOR));
}

#[test]
fn cpu_for_the_fpu_is_the_guests_unless_its_virtual_cu1_is_set() {
    // PRA CpU: Cause.CE = the coprocessor number.
    let (mut v, mut h) = user();
    v.handle_exit(&HostExit { coprocessor: 1, ..exit(ExcCode::CpU, USER_PC) }, &mut h);
    assert_eq!(delivered(&v), (ExcCode::CpU, USER_PC, false, GENERAL_VECTOR));
    assert_eq!(v.cp0.cause().ce(), 1);

    // A guest with an FPU that set CU1: the monitor hands it the FPU and retries.
    let model = VcpuModel::kvm_24kc(Endianness::Little).with_fpu(true);
    let (mut v, mut h) = machine(model);
    change_status(&mut v, |s| s | Status::CU1 | Status::UM);
    let outcome = v.handle_exit(&HostExit { coprocessor: 1, ..exit(ExcCode::CpU, USER_PC) }, &mut h);
    assert_eq!(outcome, ExitOutcome::GrantFpu);
    assert_eq!(v.regs.pc, USER_PC);
    assert!(!status_of(&v).contains(Status::EXL));
    assert_eq!(v.stats.fpu_granted, 1);

    // CP2/CP3 do not exist: the guest gets CpU with their number.
    let (mut v, mut h) = user();
    v.handle_exit(&HostExit { coprocessor: 2, ..exit(ExcCode::CpU, USER_PC) }, &mut h);
    assert_eq!((v.cp0.cause().exc_code(), v.cp0.cause().ce()), (ExcCode::CpU, 2));
}

#[test]
fn user_mode_address_errors_go_to_the_guest_with_badvaddr_only() {
    // PRA: address errors set BadVAddr; Context and EntryHi are left alone.
    for (exc, address) in
        [(ExcCode::AdEL, 0x8000_0000), (ExcCode::AdES, 0xa000_0004), (ExcCode::AdEL, 0xc000_0000)]
    {
        let (mut v, mut h) = user();
        v.cp0.write(cp0::ENTRY_HI, 0x0012_2007).unwrap();
        v.handle_exit(&HostExit { bad_vaddr: address, ..exit(exc, USER_PC) }, &mut h);
        assert_eq!(delivered(&v), (exc, USER_PC, false, GENERAL_VECTOR), "{address:08x}");
        assert_eq!(v.cp0.bad_vaddr(), address);
        assert_eq!((v.cp0.entry_hi(), v.cp0.context().bad_vpn2()), (EntryHi(0x0012_2007), 0));
    }
}

#[test]
fn a_kernel_misaligned_access_outside_real_kseg_is_the_guests() {
    // No instruction is read: none is in guest memory here.
    let (mut v, mut h) = kernel();
    v.handle_exit(&HostExit { bad_vaddr: 0x0040_0001, ..exit(ExcCode::AdES, PC) }, &mut h);
    assert_eq!(delivered(&v), (ExcCode::AdES, PC, false, GENERAL_VECTOR));
    assert_eq!(v.stats.addrerr_st, 1);
}

#[test]
fn executing_from_real_kseg0_is_an_address_error_for_the_guest() {
    // The fetch itself faulted (BadVAddr = EPC): nothing to emulate.
    let (mut v, mut h) = kernel();
    v.handle_exit(&HostExit { bad_vaddr: 0x8000_1000, ..exit(ExcCode::AdEL, 0x8000_1000) }, &mut h);
    assert_eq!(delivered(&v), (ExcCode::AdEL, 0x8000_1000, false, GENERAL_VECTOR));
}

#[test]
fn tlb_refill_from_the_mmu_goes_to_offset_0_with_context_and_entryhi() {
    // PRA TLB Refill: BadVAddr = VA; Context.BadVPN2 = VA[31:13]; EntryHi.VPN2 = VA[31:13], ASID kept.
    let (mut v, mut h) = user();
    v.cp0.write(cp0::ENTRY_HI, 0x0000_0042).unwrap();
    let va = 0x0040_5678;
    v.mmu.fault_answer =
        FaultResolution::Deliver(GuestException::TlbRefill { access: Access::Load, bad_vaddr: va });
    v.handle_exit(&HostExit { bad_vaddr: va, ..exit(ExcCode::TlbL, USER_PC) }, &mut h);
    assert_eq!(delivered(&v), (ExcCode::TlbL, USER_PC, false, REFILL_VECTOR));
    assert_eq!(v.cp0.bad_vaddr(), va);
    assert_eq!(v.cp0.context().bad_vpn2(), va >> 13);
    assert_eq!(v.cp0.entry_hi(), EntryHi(0x0040_4042));
    assert_eq!(
        v.mmu.calls,
        [MemCall::ResolveFault { gva: va, access: AccessKind::Load, mode: GuestMode::User, asid: 0x42 }]
    );
    assert_eq!(v.stats.tlbmiss_ld, 1);
}

#[test]
fn tlb_invalid_and_modified_from_the_mmu_use_the_general_vector() {
    let (mut v, mut h) = user();
    let va = 0x0040_8000;
    v.mmu.fault_answer =
        FaultResolution::Deliver(GuestException::TlbInvalid { access: Access::Store, bad_vaddr: va });
    v.handle_exit(&HostExit { bad_vaddr: va, ..exit(ExcCode::TlbS, USER_PC) }, &mut h);
    assert_eq!(delivered(&v), (ExcCode::TlbS, USER_PC, false, GENERAL_VECTOR));
    assert!(matches!(v.mmu.calls[0], MemCall::ResolveFault { access: AccessKind::Store, .. }));

    let (mut v, mut h) = user();
    v.mmu.fault_answer = FaultResolution::Deliver(GuestException::TlbModified { bad_vaddr: va });
    v.handle_exit(&HostExit { bad_vaddr: va, cause_bd: true, ..exit(ExcCode::Mod, USER_PC) }, &mut h);
    assert_eq!(delivered(&v), (ExcCode::Mod, USER_PC, true, GENERAL_VECTOR));
    assert_eq!(v.cp0.context().bad_vpn2(), va >> 13);
    assert_eq!((v.stats.tlbmod, v.stats.tlbmiss_st), (1, 0));
}

#[test]
fn a_mapped_fault_retries_the_instruction_after_dropping_the_host_pair() {
    let (mut v, mut h) = user();
    v.handle_exit(&HostExit { bad_vaddr: 0x0040_3abc, ..exit(ExcCode::TlbL, USER_PC) }, &mut h);
    assert_eq!(v.regs.pc, USER_PC);
    assert!(!status_of(&v).contains(Status::EXL));
    assert_eq!(h.flushed, [VaRange { start: 0x0040_2000, len: 0x2000 }]);
}

#[test]
fn a_fault_on_the_instruction_address_is_a_fetch() {
    // BadVAddr = EPC, or EPC + 4 for the delay slot of the branch at EPC.
    let (mut v, mut h) = user();
    v.handle_exit(&HostExit { bad_vaddr: USER_PC, ..exit(ExcCode::TlbL, USER_PC) }, &mut h);
    v.handle_exit(
        &HostExit { bad_vaddr: USER_PC + 4, cause_bd: true, ..exit(ExcCode::TlbL, USER_PC) },
        &mut h,
    );
    for call in &v.mmu.calls {
        assert!(matches!(call, MemCall::ResolveFault { access: AccessKind::Fetch, .. }), "{call:?}");
    }
    // Fetching from something that is not RAM: instruction bus error for the guest.
    let (mut v, mut h) = kernel();
    v.mmu.fault_answer = FaultResolution::Emulate { guest_phys: 0x1fc0_0000 };
    v.handle_exit(&HostExit { bad_vaddr: 0x5fc0_0000, ..exit(ExcCode::TlbL, 0x5fc0_0000) }, &mut h);
    assert_eq!(delivered(&v), (ExcCode::Ibe, 0x5fc0_0000, false, GENERAL_VECTOR));
    assert_eq!(logged(&h).len(), 1);
}

/// PRA "Exception Vector Base Addresses": with Status.BEV = 1 the general
/// vector is 0xBFC00380, which the KVM layout shows the guest at 0x5FC00380
/// (boot ROM, guest physical 0x1FC00380: never guest RAM).
const BEV_GENERAL_VECTOR: u32 = 0x5fc0_0380;

#[test]
fn a_data_bus_error_without_a_handler_halts_at_the_unbacked_vector() {
    // A guest still in BEV takes a DBE (EPC = the load, ExcCode DBE)...
    let (mut v, mut h) = kernel();
    change_status(&mut v, |s| s | Status::BEV);
    assert_eq!(v.handle_exit(&exit(ExcCode::Dbe, PC), &mut h), ExitOutcome::Resume);
    assert_eq!(delivered(&v), (ExcCode::Dbe, PC, false, BEV_GENERAL_VECTOR));
    // ...whose vector fetch hits no RAM: its IBE would go to that same vector.
    v.mmu.fault_answer = FaultResolution::BeyondRam { guest_phys: 0x1fc0_0380 };
    let fetch = HostExit { bad_vaddr: BEV_GENERAL_VECTOR, ..exit(ExcCode::TlbL, BEV_GENERAL_VECTOR) };
    assert_eq!(
        v.handle_exit(&fetch, &mut h),
        ExitOutcome::Halt(HaltReason::ExceptionVectorNotRam {
            vector: BEV_GENERAL_VECTOR,
            guest_phys: 0x1fc0_0380
        })
    );
    // Not delivered: Cause and EPC still name the DBE that led there.
    assert_eq!((v.cp0.cause().exc_code(), v.cp0.epc()), (ExcCode::Dbe, PC));
}

#[test]
fn the_halt_dump_names_the_exception_epc_and_registers() {
    let (mut v, mut h) = kernel();
    change_status(&mut v, |s| s | Status::BEV);
    v.regs.set(crate::isa::Gpr::T0, 0xaf00_0000);
    v.handle_exit(&exit(ExcCode::Dbe, PC), &mut h);
    let text = std::format!("{}", crate::vcpu::GuestDump(&v));
    assert!(
        text.starts_with("guest pc 5fc00380  Cause 0000001c (ExcCode DBE (bus error on data))"),
        "{text}"
    );
    assert!(text.contains("EPC 40100100"), "{text}");
    assert!(text.contains("  t0 af000000"), "{text}");
    assert!(text.contains("   ra 00000000"), "{text}");
}

#[test]
fn an_unbacked_vector_halts_whether_ram_ends_or_a_device_answers_there() {
    for answer in [
        FaultResolution::BeyondRam { guest_phys: 0x1fc0_0380 },
        FaultResolution::Emulate { guest_phys: 0x1fc0_0380 },
    ] {
        let (mut v, mut h) = kernel();
        change_status(&mut v, |s| s | Status::BEV | Status::EXL);
        v.mmu.fault_answer = answer;
        let fetch = HostExit { bad_vaddr: BEV_GENERAL_VECTOR, ..exit(ExcCode::TlbL, BEV_GENERAL_VECTOR) };
        assert!(
            matches!(
                v.handle_exit(&fetch, &mut h),
                ExitOutcome::Halt(HaltReason::ExceptionVectorNotRam { .. })
            ),
            "{answer:?}"
        );
    }
}

#[test]
fn a_failed_fetch_next_to_the_vector_is_still_the_guests_bus_error() {
    // One word past the vector: the IBE goes to the vector, which may be fine.
    let (mut v, mut h) = kernel();
    change_status(&mut v, |s| s | Status::BEV);
    v.mmu.fault_answer = FaultResolution::BeyondRam { guest_phys: 0x1fc0_0384 };
    let pc = BEV_GENERAL_VECTOR + 4;
    let outcome = v.handle_exit(&HostExit { bad_vaddr: pc, ..exit(ExcCode::TlbL, pc) }, &mut h);
    assert_eq!(outcome, ExitOutcome::Resume);
    assert_eq!(delivered(&v), (ExcCode::Ibe, pc, false, BEV_GENERAL_VECTOR));
}

#[test]
fn msa_and_dsp_disabled_are_reserved_instructions_for_a_24kc() {
    for exc in [ExcCode::MsaDis, ExcCode::DspDis] {
        let (mut v, mut h) = user();
        v.handle_exit(&exit(exc, USER_PC), &mut h);
        assert_eq!(delivered(&v), (ExcCode::Ri, USER_PC, false, GENERAL_VECTOR), "{exc:?}");
    }
}

#[test]
fn host_only_exceptions_halt() {
    for exc in [ExcCode::Mcheck, ExcCode::CacheErr, ExcCode::Watch, ExcCode::Reserved(16)] {
        let (mut v, mut h) = user();
        let outcome = v.handle_exit(&exit(exc, USER_PC), &mut h);
        assert_eq!(outcome, ExitOutcome::Halt(HaltReason::UnexpectedException { exc, epc: USER_PC }));
    }
}
