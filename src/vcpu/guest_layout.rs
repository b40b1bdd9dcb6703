//! The guest's virtual address layout: where its segments lie and how each
//! guest virtual address reaches guest physical memory, for both layouts and
//! both guest modes. The one place the MMU, the emulation and the loader
//! take these boundaries from.
//!
//! KVM-guest layout (trap-and-emulate.md, "Guest address layout"):
//!
//! | guest virtual           | guest kernel mode                  | supervisor      | guest user mode |
//! | ----------------------- | ---------------------------------- | --------------- | --------------- |
//! | 0x00000000-0x3FFFFFFF   | useg, guest TLB                    | suseg, guest TLB | useg, guest TLB |
//! | 0x40000000-0x5FFFFFFF   | guest KSEG0, gpa = gva - 0x40000000 | address error  | address error   |
//! | 0x60000000-0x7FFFFFFF   | guest KSEG2/3, guest TLB           | sseg, guest TLB | address error   |
//! | 0x80000000-0xBFFFFFFF   | real KSEG0/1, emulated, gpa = gva & 0x1FFFFFFF | address error | address error |
//! | 0xC0000000-0xFFFFFFFF   | address error                      | address error   | address error   |
//!
//! Every boundary is a multiple of 512 MiB, the largest span one guest TLB
//! entry (two 256 MiB pages) can cover, so no entry straddles two rows.
//!
//! Native layout (PRA "Virtual Memory"): kuseg 0x00000000-0x7FFFFFFF mapped,
//! KSEG0/KSEG1 0x80000000-0xBFFFFFFF unmapped (gpa = gva & 0x1FFFFFFF),
//! KSEG2/3 0xC0000000-0xFFFFFFFF mapped, kernel mode only above kuseg.

use super::cp0::GuestMode;
use core::ops::Range;

/// End of guest useg in the KVM layout; the guest's TASK_SIZE lies below it.
pub const GUEST_USEG_END: u32 = 0x4000_0000;
/// Guest KSEG0 (KVM layout): unmapped and cached, guest physical = address - this.
pub const GUEST_KSEG0_BASE: u32 = 0x4000_0000;
/// Guest KSEG2/3 (KVM layout): mapped by the guest TLB, kernel mode only.
pub const GUEST_KSEG2_BASE: u32 = 0x6000_0000;
/// Guest KSEG0 of the KVM layout, where a guest kernel is linked.
pub const GUEST_KSEG0: Range<u32> = GUEST_KSEG0_BASE..GUEST_KSEG2_BASE;
/// The architecture's KSEG0 (cached); host user mode cannot reach it.
pub const REAL_KSEG0_BASE: u32 = 0x8000_0000;
/// The architecture's KSEG1 (uncached): the only unmapped view in which a
/// KVM-layout guest reaches devices.
pub const REAL_KSEG1_BASE: u32 = 0xa000_0000;
/// The architecture's KSEG2/3: mapped natively, no meaning in the KVM layout.
pub const REAL_KSEG2_BASE: u32 = 0xc000_0000;
/// The architecture's KSEG3 (kernel only; KSEG2 below it is supervisor mode's sseg).
pub const REAL_KSEG3_BASE: u32 = 0xe000_0000;
/// KSEG0 and KSEG1 both show the low 512 MiB of physical space.
pub const UNMAPPED_PHYS_MASK: u32 = 0x1fff_ffff;
/// Where the boot ROM's bootstrap exception vector sits physically
/// (PRA: 0xBFC00200 with Status.BEV set).
const BOOTSTRAP_VECTOR_PHYS: u32 = 0x1fc0_0200;

/// Where the guest kernel's unmapped segments sit in its virtual address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GuestLayout {
    /// Linux's KVM-guest layout: guest KSEG0 at 0x40000000, KSEG2/3 at
    /// 0x60000000, the boot ROM (physical 0x1FC00000) seen at 0x5FC00000.
    KvmUserSegments,
    /// The architecture's own layout (KSEG0 0x80000000, KSEG1 0xA0000000), for
    /// guests whose segments the host remaps (Segmentation Control).
    Native,
}

impl GuestLayout {
    /// End of useg: everything below is mapped in both guest modes.
    pub const fn useg_end(self) -> u32 {
        match self {
            GuestLayout::KvmUserSegments => GUEST_USEG_END,
            GuestLayout::Native => REAL_KSEG0_BASE,
        }
    }

    /// Exception base while Status.BEV is set: physical 0x1FC00200 as the
    /// guest sees its boot ROM (cached guest KSEG0 in the KVM layout, which
    /// has no uncached segment of its own; KSEG1, 0xBFC00200, natively).
    pub const fn bootstrap_exception_base(self) -> u32 {
        match self {
            GuestLayout::KvmUserSegments => GUEST_KSEG0_BASE + BOOTSTRAP_VECTOR_PHYS,
            GuestLayout::Native => REAL_KSEG1_BASE + BOOTSTRAP_VECTOR_PHYS,
        }
    }

    /// EBase at reset: the base of the guest's KSEG0 (CPUNum 0). Its bits 31:30
    /// stay fixed; the guest writes bits 29:12.
    pub const fn reset_ebase(self) -> u32 {
        match self {
            GuestLayout::KvmUserSegments => GUEST_KSEG0_BASE,
            GuestLayout::Native => REAL_KSEG0_BASE,
        }
    }
}

/// Which unmapped view of physical memory an address is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnmappedView {
    /// The KVM layout's guest KSEG0: cached, reachable from host user mode,
    /// so the monitor maps it in the kernel GVA table.
    GuestKseg0,
    /// The architecture's KSEG0 (0x80000000-0x9FFFFFFF): cached. In the KVM
    /// layout every access traps and the monitor performs it.
    RealKseg0,
    /// The architecture's KSEG1 (0xA0000000-0xBFFFFFFF): uncached, so the
    /// one view that reaches devices. Trapped like RealKseg0 in the KVM layout.
    RealKseg1,
}

impl UnmappedView {
    /// The architecture's KSEG0/KSEG1, which host user mode cannot reach.
    pub const fn is_real_kseg01(self) -> bool {
        !matches!(self, UnmappedView::GuestKseg0)
    }

    /// Cached views reach RAM only: past its end lies no device.
    pub const fn is_cached(self) -> bool {
        !matches!(self, UnmappedView::RealKseg1)
    }
}

/// How the guest translates an address in one mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Through the guest TLB.
    Mapped,
    /// An unmapped segment: this guest physical address, seen through `view`.
    Unmapped { guest_phys: u32, view: UnmappedView },
    /// Not accessible in this mode (or at all): the guest takes an address error.
    AddressError,
}

impl Segment {
    /// The segment of `gva` for a guest in `mode` with this layout.
    pub const fn of(layout: GuestLayout, gva: u32, mode: GuestMode) -> Segment {
        if gva < layout.useg_end() {
            return Segment::Mapped;
        }
        match mode {
            GuestMode::User => return Segment::AddressError,
            // sseg: the architecture's KSEG2 (0xC0000000-0xDFFFFFFF), which
            // the KVM layout shows at 0x60000000-0x7FFFFFFF (QEMU's T&E mode
            // adds 0x60000000 there, reaching KSEG2 only).
            GuestMode::Supervisor => {
                let sseg = match layout {
                    GuestLayout::KvmUserSegments => GUEST_KSEG2_BASE..REAL_KSEG0_BASE,
                    GuestLayout::Native => REAL_KSEG2_BASE..REAL_KSEG3_BASE,
                };
                return if sseg.start <= gva && gva < sseg.end {
                    Segment::Mapped
                } else {
                    Segment::AddressError
                };
            }
            GuestMode::Kernel => {}
        }
        if let Some((guest_phys, view)) = real_kseg01(gva) {
            return Segment::Unmapped { guest_phys, view };
        }
        match (layout, gva) {
            (GuestLayout::KvmUserSegments, GUEST_KSEG0_BASE..GUEST_KSEG2_BASE) => {
                Segment::Unmapped { guest_phys: gva - GUEST_KSEG0_BASE, view: UnmappedView::GuestKseg0 }
            }
            (GuestLayout::KvmUserSegments, GUEST_KSEG2_BASE..REAL_KSEG0_BASE) => Segment::Mapped,
            (GuestLayout::KvmUserSegments, _) => Segment::AddressError,
            (GuestLayout::Native, _) => Segment::Mapped,
        }
    }
}

/// The guest physical address of a real-KSEG0/KSEG1 address (the view the
/// monitor serves in the KVM layout), or `None` for any other address.
pub const fn real_kseg01_phys(gva: u32) -> Option<u32> {
    match real_kseg01(gva) {
        Some((guest_phys, _)) => Some(guest_phys),
        None => None,
    }
}

const fn real_kseg01(gva: u32) -> Option<(u32, UnmappedView)> {
    let view = match gva {
        REAL_KSEG0_BASE..REAL_KSEG1_BASE => UnmappedView::RealKseg0,
        REAL_KSEG1_BASE..REAL_KSEG2_BASE => UnmappedView::RealKseg1,
        _ => return None,
    };
    Some((gva & UNMAPPED_PHYS_MASK, view))
}

#[cfg(test)]
mod tests {
    use super::*;
    use GuestMode::{Kernel, User};
    use UnmappedView::{GuestKseg0, RealKseg0, RealKseg1};

    const KVM: GuestLayout = GuestLayout::KvmUserSegments;

    fn unmapped(guest_phys: u32, view: UnmappedView) -> Segment {
        Segment::Unmapped { guest_phys, view }
    }

    // Expected rows: the layout table of trap-and-emulate.md, first and last
    // byte of every segment in both modes.
    #[test]
    fn kernel_mode_follows_the_kvm_layout_table() {
        let k = |gva| Segment::of(KVM, gva, Kernel);
        assert_eq!(k(0x0000_0000), Segment::Mapped);
        assert_eq!(k(0x3fff_ffff), Segment::Mapped);
        assert_eq!(k(0x4000_0000), unmapped(0, GuestKseg0));
        assert_eq!(k(0x4010_0000), unmapped(0x0010_0000, GuestKseg0));
        // The boot ROM, physical 0x1FC00000, where a KVM guest resets.
        assert_eq!(k(0x5fc0_0000), unmapped(0x1fc0_0000, GuestKseg0));
        assert_eq!(k(0x5fff_ffff), unmapped(0x1fff_ffff, GuestKseg0));
        assert_eq!(k(0x6000_0000), Segment::Mapped);
        assert_eq!(k(0x7fff_ffff), Segment::Mapped);
        assert_eq!(k(0x8000_0000), unmapped(0, RealKseg0));
        assert_eq!(k(0x9fff_fffc), unmapped(0x1fff_fffc, RealKseg0));
        // KSEG1 aliases the same physical space: Malta's UART at 0x180003F8.
        assert_eq!(k(0xa000_0100), unmapped(0x100, RealKseg1));
        assert_eq!(k(0xb800_03f8), unmapped(0x1800_03f8, RealKseg1));
        assert_eq!(k(0xbfff_ffff), unmapped(0x1fff_ffff, RealKseg1));
        assert_eq!(k(0xc000_0000), Segment::AddressError);
        assert_eq!(k(0xffff_ffff), Segment::AddressError);
    }

    #[test]
    fn user_mode_reaches_useg_only() {
        let u = |gva| Segment::of(KVM, gva, User);
        assert_eq!(u(0x0000_0000), Segment::Mapped);
        assert_eq!(u(0x3fff_ffff), Segment::Mapped);
        for gva in [
            0x4000_0000,
            0x5fff_ffff,
            0x6000_0000,
            0x7fff_ffff,
            0x8000_0000,
            0x8000_0100,
            0xbfff_ffff,
            0xc000_0000,
        ] {
            assert_eq!(u(gva), Segment::AddressError, "{gva:#x}");
        }
    }

    #[test]
    fn supervisor_mode_reaches_suseg_and_sseg_only() {
        // PRA: suseg (useg) and sseg (KSEG2) mapped, everything else an address error.
        let s = |gva| Segment::of(KVM, gva, GuestMode::Supervisor);
        for gva in [0x0000_0000, 0x3fff_ffff, 0x6000_0000, 0x7fff_ffff] {
            assert_eq!(s(gva), Segment::Mapped, "{gva:#x}");
        }
        for gva in [0x4000_0000, 0x5fff_ffff, 0x8000_0000, 0xa000_0000, 0xbfff_ffff, 0xc000_0000] {
            assert_eq!(s(gva), Segment::AddressError, "{gva:#x}");
        }
        let n = |gva| Segment::of(GuestLayout::Native, gva, GuestMode::Supervisor);
        assert_eq!(n(0xc000_0000), Segment::Mapped);
        assert_eq!(n(0xdfff_ffff), Segment::Mapped);
        assert_eq!(n(0xe000_0000), Segment::AddressError);
        assert_eq!(n(0x8000_0000), Segment::AddressError);
    }

    #[test]
    fn native_layout_is_the_pra_one() {
        // PRA: kuseg 0-2 GiB mapped, kseg0/kseg1 unmapped (phys = addr & 0x1FFFFFFF), kseg2/3 mapped.
        let n = GuestLayout::Native;
        assert_eq!(Segment::of(n, 0x7fff_ffff, User), Segment::Mapped);
        assert_eq!(Segment::of(n, 0x8000_1000, Kernel), unmapped(0x1000, RealKseg0));
        assert_eq!(Segment::of(n, 0xbfc0_0000, Kernel), unmapped(0x1fc0_0000, RealKseg1));
        assert_eq!(Segment::of(n, 0xc000_0000, Kernel), Segment::Mapped);
        assert_eq!(Segment::of(n, 0xc000_0000, User), Segment::AddressError);
    }

    #[test]
    fn only_real_kseg1_is_uncached() {
        // PRA: KSEG0 is cached (Config.K0), KSEG1 uncached; guest KSEG0 is KVM's cached KSEG0.
        assert!(GuestKseg0.is_cached());
        assert!(RealKseg0.is_cached());
        assert!(!RealKseg1.is_cached());
        assert!(!GuestKseg0.is_real_kseg01() && RealKseg0.is_real_kseg01() && RealKseg1.is_real_kseg01());
    }

    #[test]
    fn real_kseg01_phys_covers_0x80000000_to_0xbfffffff() {
        assert_eq!(real_kseg01_phys(0x7fff_ffff), None);
        assert_eq!(real_kseg01_phys(0x8000_0000), Some(0));
        assert_eq!(real_kseg01_phys(0xbfff_ffff), Some(0x1fff_ffff));
        assert_eq!(real_kseg01_phys(0xc000_0000), None);
    }
}
