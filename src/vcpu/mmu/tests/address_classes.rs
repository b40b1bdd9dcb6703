//! Every row of the guest layout table (trap-and-emulate.md, "Guest address
//! layout"), in both guest modes, through `resolve_fault`.

use super::*;
use crate::vcpu::exception::Access as Exc;

fn resolve(
    mmu: &mut GuestMmu,
    tlb: &GuestTlb,
    gva: u32,
    access: AccessKind,
    mode: GuestMode,
) -> FaultResolution {
    mmu.resolve_fault(gva, access, mode, tlb, 0)
}

fn address_error(access: Exc, bad_vaddr: u32) -> FaultResolution {
    FaultResolution::Deliver(GuestException::AddressError { access, bad_vaddr })
}

#[test]
fn kernel_guest_kseg0_in_ram_maps_gva_minus_0x40000000_writable_and_global() {
    let (mut mmu, tlb) = (mmu(4), guest_tlb());
    let r = resolve(&mut mmu, &tlb, 0x4012_3456, AccessKind::Store, GuestMode::Kernel);
    assert_eq!(r, FaultResolution::Mapped);
    assert_eq!(kernel_mapping(&mmu, 0x4012_3000), rw(0x0012_3000, Scope::Global));
    // The fill covers the FILL_SPAN-aligned block around the fault.
    for page in (0x4012_0000..0x4012_8000).step_by(0x1000) {
        assert_eq!(kernel_mapping(&mmu, page), rw(page - 0x4000_0000, Scope::Global), "{page:#x}");
    }
    assert_eq!(mmu.stats().mapped_pages, 8);
    // Guest KSEG0 is the kernel's: the user table stays empty.
    assert_eq!(user_mapping(&mmu, 0x4012_3000), None);
}

#[test]
fn kernel_guest_kseg0_beyond_ram_is_a_bus_error_not_a_device() {
    // Guest KSEG0 is cached: devices are reached only through (real) KSEG1,
    // so a cached access past the guest's RAM finds nothing there.
    let (mut mmu, tlb) = (mmu(4), guest_tlb());
    let first_outside = 0x4000_0000 + RAM_BYTES;
    assert_eq!(
        resolve(&mut mmu, &tlb, first_outside, AccessKind::Load, GuestMode::Kernel),
        FaultResolution::BeyondRam { guest_phys: RAM_BYTES }
    );
    // The boot ROM (physical 0x1FC00000) seen through cached guest KSEG0.
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x5fc0_0000, AccessKind::Fetch, GuestMode::Kernel),
        FaultResolution::BeyondRam { guest_phys: 0x1fc0_0000 }
    );
    assert_eq!(mmu.stats().mapped_pages, 0);
}

#[test]
fn kernel_real_kseg0_and_kseg1_are_emulated_at_address_and_0x1fffffff() {
    let (mut mmu, tlb) = (mmu(4), guest_tlb());
    // Even RAM is emulated there: host user mode cannot touch those addresses.
    for (gva, guest_phys) in
        [(0x8000_1000, 0x1000), (0xa000_1000, 0x1000), (0xb800_03f8, 0x1800_03f8), (0xbfff_ffff, 0x1fff_ffff)]
    {
        for access in [AccessKind::Load, AccessKind::Store] {
            assert_eq!(
                resolve(&mut mmu, &tlb, gva, access, GuestMode::Kernel),
                FaultResolution::Emulate { guest_phys },
                "{gva:#x}"
            );
        }
    }
    // Real KSEG0 is cached too: past RAM it is a bus error, not a device.
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x9fff_fffc, AccessKind::Load, GuestMode::Kernel),
        FaultResolution::BeyondRam { guest_phys: 0x1fff_fffc }
    );
    assert_eq!(mmu.stats().mapped_pages, 0);
}

#[test]
fn kernel_real_kseg2_and_kseg3_are_address_errors_for_the_guest() {
    let (mut mmu, tlb) = (mmu(4), guest_tlb());
    for gva in [0xc000_0000, 0xe000_1234, 0xffff_fffc] {
        assert_eq!(
            resolve(&mut mmu, &tlb, gva, AccessKind::Load, GuestMode::Kernel),
            address_error(Exc::Load, gva)
        );
        assert_eq!(
            resolve(&mut mmu, &tlb, gva, AccessKind::Store, GuestMode::Kernel),
            address_error(Exc::Store, gva)
        );
        // An instruction fetch is a load for the exception code (AdEL).
        assert_eq!(
            resolve(&mut mmu, &tlb, gva, AccessKind::Fetch, GuestMode::Kernel),
            address_error(Exc::Load, gva)
        );
    }
}

#[test]
fn kernel_useg_and_guest_kseg2_go_through_the_guest_tlb_into_the_kernel_table() {
    let (mut mmu, mut tlb) = (mmu(4), guest_tlb());
    for gva in [0x0000_0000, 0x3fff_f000, 0x6000_0000, 0x7fff_f000] {
        assert_eq!(
            resolve(&mut mmu, &tlb, gva, AccessKind::Load, GuestMode::Kernel),
            FaultResolution::Deliver(GuestException::TlbRefill { access: Exc::Load, bad_vaddr: gva }),
            "{gva:#x}: no entry matches"
        );
    }
    let _ = tlbwi(
        &mut mmu,
        &mut tlb,
        0,
        entry(0x3fff_e000, 0, PageSize::K4, lo(0x5000, V | D), lo(0x6000, V | D)),
    );
    let _ = tlbwi(
        &mut mmu,
        &mut tlb,
        1,
        entry(0x7fff_e000, 0, PageSize::K4, lo(0x7000, V | D), lo(0x8000, V | D)),
    );
    for (gva, guest_phys) in [(0x3fff_f004, 0x6000), (0x7fff_e008, 0x7000)] {
        assert_eq!(
            resolve(&mut mmu, &tlb, gva, AccessKind::Load, GuestMode::Kernel),
            FaultResolution::Mapped
        );
        assert_eq!(kernel_mapping(&mmu, gva), rw(guest_phys, Scope::AsidSpecific));
        assert_eq!(user_mapping(&mmu, gva), None);
    }
}

#[test]
fn user_mode_reaches_useg_only_and_gets_address_errors_above() {
    let (mut mmu, mut tlb) = (mmu(4), guest_tlb());
    let _ = tlbwi(&mut mmu, &mut tlb, 0, entry(0x3fff_e000, 0, PageSize::K4, lo(0x5000, V), lo(0x6000, V)));
    assert_eq!(
        resolve(&mut mmu, &tlb, 0x3fff_fffc, AccessKind::Fetch, GuestMode::User),
        FaultResolution::Mapped
    );
    assert_eq!(user_mapping(&mmu, 0x3fff_f000), ro(0x6000, Scope::AsidSpecific));
    assert_eq!(kernel_mapping(&mmu, 0x3fff_f000), None);
    // Guest KSEG0, KSEG2/3, real KSEG0/1 and KSEG2/3: all address errors,
    // even where kernel mode would map or emulate.
    for gva in [
        0x4000_0000,
        0x4010_0000,
        0x5fff_fffc,
        0x6000_0000,
        0x7fff_fffc,
        0x8000_0000,
        0xa000_0000,
        0xc000_0000,
    ] {
        assert_eq!(
            resolve(&mut mmu, &tlb, gva, AccessKind::Load, GuestMode::User),
            address_error(Exc::Load, gva)
        );
        assert_eq!(
            resolve(&mut mmu, &tlb, gva, AccessKind::Store, GuestMode::User),
            address_error(Exc::Store, gva)
        );
    }
    assert_eq!(mmu.stats().mapped_pages, 2, "only the useg pair was mapped");
}
