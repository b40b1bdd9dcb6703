//! Which part of the guest's address space an address is in, for the KVM
//! guest layout (trap-and-emulate.md, "Guest address layout"):
//!
//! | guest virtual           | guest kernel mode                  | guest user mode |
//! | ----------------------- | ---------------------------------- | --------------- |
//! | 0x00000000-0x3FFFFFFF   | useg, guest TLB                    | useg, guest TLB |
//! | 0x40000000-0x5FFFFFFF   | guest KSEG0, gpa = gva - 0x40000000 | address error  |
//! | 0x60000000-0x7FFFFFFF   | guest KSEG2/3, guest TLB           | address error   |
//! | 0x80000000-0xBFFFFFFF   | real KSEG0/1, emulated, gpa = gva & 0x1FFFFFFF | address error |
//! | 0xC0000000-0xFFFFFFFF   | address error                      | address error   |
//!
//! Every boundary is a multiple of 512 MiB, the largest span one guest TLB
//! entry (two 256 MiB pages) can cover, so no entry straddles two rows.

use crate::vcpu::cp0::GuestMode;

/// End of guest useg; the guest's TASK_SIZE lies below it.
pub const USEG_END: u32 = 0x4000_0000;
/// Guest KSEG0: unmapped and cached, guest physical = address - this.
pub const GUEST_KSEG0_BASE: u32 = 0x4000_0000;
/// Guest KSEG2/3: mapped by the guest TLB, kernel mode only.
pub const GUEST_KSEG2_BASE: u32 = 0x6000_0000;
/// The real KSEG0/KSEG1, which host user mode cannot reach.
pub const HOST_KSEG0_BASE: u32 = 0x8000_0000;
/// Real KSEG1: the only unmapped view in which a guest reaches devices.
pub const HOST_KSEG1_BASE: u32 = 0xa000_0000;
/// The real KSEG2/3: no guest meaning.
pub const HOST_KSEG2_BASE: u32 = 0xc000_0000;
/// KSEG0 and KSEG1 both show the low 512 MiB of physical space.
pub const UNMAPPED_PHYS_MASK: u32 = 0x1fff_ffff;

/// How the guest translates an address in one mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Through the guest TLB (useg, or guest KSEG2/3 in kernel mode).
    Mapped,
    /// Guest KSEG0: unmapped, backed by the kernel table.
    GuestKseg0 { guest_phys: u32 },
    /// Real KSEG0/KSEG1: every access traps and is emulated.
    HostUnmapped { guest_phys: u32 },
    /// The guest takes an address error.
    AddressError,
}

impl Segment {
    pub fn of(gva: u32, mode: GuestMode) -> Segment {
        match (mode, gva) {
            (_, ..USEG_END) => Segment::Mapped,
            (GuestMode::User, _) => Segment::AddressError,
            (GuestMode::Kernel, GUEST_KSEG0_BASE..GUEST_KSEG2_BASE) => {
                Segment::GuestKseg0 { guest_phys: gva - GUEST_KSEG0_BASE }
            }
            (GuestMode::Kernel, GUEST_KSEG2_BASE..HOST_KSEG0_BASE) => Segment::Mapped,
            (GuestMode::Kernel, HOST_KSEG0_BASE..HOST_KSEG2_BASE) => {
                Segment::HostUnmapped { guest_phys: gva & UNMAPPED_PHYS_MASK }
            }
            (GuestMode::Kernel, HOST_KSEG2_BASE..) => Segment::AddressError,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected rows: the layout table of trap-and-emulate.md, first and last
    // byte of every segment in both modes.
    #[test]
    fn kernel_mode_follows_the_kvm_layout_table() {
        let k = |gva| Segment::of(gva, GuestMode::Kernel);
        assert_eq!(k(0x0000_0000), Segment::Mapped);
        assert_eq!(k(0x3fff_ffff), Segment::Mapped);
        assert_eq!(k(0x4000_0000), Segment::GuestKseg0 { guest_phys: 0 });
        assert_eq!(k(0x4010_0000), Segment::GuestKseg0 { guest_phys: 0x0010_0000 });
        // The boot ROM, physical 0x1FC00000, where a KVM guest resets.
        assert_eq!(k(0x5fc0_0000), Segment::GuestKseg0 { guest_phys: 0x1fc0_0000 });
        assert_eq!(k(0x5fff_ffff), Segment::GuestKseg0 { guest_phys: 0x1fff_ffff });
        assert_eq!(k(0x6000_0000), Segment::Mapped);
        assert_eq!(k(0x7fff_ffff), Segment::Mapped);
        assert_eq!(k(0x8000_0000), Segment::HostUnmapped { guest_phys: 0 });
        assert_eq!(k(0x9fff_fffc), Segment::HostUnmapped { guest_phys: 0x1fff_fffc });
        // KSEG1 aliases the same physical space: Malta's UART at 0x180003F8.
        assert_eq!(k(0xb800_03f8), Segment::HostUnmapped { guest_phys: 0x1800_03f8 });
        assert_eq!(k(0xbfff_ffff), Segment::HostUnmapped { guest_phys: 0x1fff_ffff });
        assert_eq!(k(0xc000_0000), Segment::AddressError);
        assert_eq!(k(0xffff_ffff), Segment::AddressError);
    }

    #[test]
    fn user_mode_reaches_useg_only() {
        let u = |gva| Segment::of(gva, GuestMode::User);
        assert_eq!(u(0x0000_0000), Segment::Mapped);
        assert_eq!(u(0x3fff_ffff), Segment::Mapped);
        for gva in [0x4000_0000, 0x5fff_ffff, 0x6000_0000, 0x7fff_ffff, 0x8000_0000, 0xbfff_ffff, 0xc000_0000]
        {
            assert_eq!(u(gva), Segment::AddressError, "{gva:#x}");
        }
    }
}
