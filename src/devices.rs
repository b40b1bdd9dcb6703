//! Which device registers a guest may reach, per platform.
//!
//! The guest owns its console UART and the Malta south-bridge devices it
//! drives (passed straight through to the hardware); the monitor keeps its
//! log UART and the board-reset register, and watches the power-off register
//! so it can report before the board goes away; anything else is unclaimed
//! and becomes a bus error for the guest plus a line in the monitor's log.

use core::ops::Range;

use crate::board::Platform;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceAccess {
    /// Perform the same access on the real device.
    PassThrough,
    /// Reads pass through; writes are dropped (identification registers).
    ReadOnly,
    /// A write that would reset the whole board, monitor included: the
    /// monitor stops the guest instead.
    BoardReset,
    /// A device the monitor keeps for itself: the guest sees an empty bus
    /// there (reads all ones, writes ignored), as if nothing were fitted.
    Hidden,
    /// The PIIX4's power-management control register: passes through, but
    /// a soft-off write (see [`is_soft_off`]) first ends the guest's run in
    /// the monitor, which reports it before the board powers off.
    PowerControl,
    /// The GT-64120's PCI configuration data register: passes through, but
    /// a write may not turn on bus mastering (see [`PciConfig`]).
    PciConfigData,
    /// Nothing the guest may touch answers here.
    Unclaimed,
}

struct Window {
    range: Range<u32>,
    access: DeviceAccess,
    what: &'static str,
}

const fn window(start: u32, end: u32, access: DeviceAccess, what: &'static str) -> Window {
    Window { range: start..end, access, what }
}

/// Malta (physical addresses; QEMU hw/mips/malta.c and the Malta user manual).
/// Earlier entries win, so the monitor's carve-outs come first.
const MALTA: &[Window] = &[
    window(0x1f00_0500, 0x1f00_0504, DeviceAccess::BoardReset, "FPGA software reset"),
    window(0x1f00_0900, 0x1f00_0940, DeviceAccess::Hidden, "CBUS UART (the monitor's log)"),
    window(0x1be0_0cfc, 0x1be0_0d00, DeviceAccess::PciConfigData, "GT-64120 PCI configuration data"),
    // PMCNTRL and the reserved half after it, so a word access there still
    // reaches the device as before.
    window(PIIX4_PMCNTRL, PIIX4_PMCNTRL + 4, DeviceAccess::PowerControl, "PIIX4 PM control"),
    // The GT-64120's PCI I/O window: PIIX4 ISA ports (i8259s, PIT, RTC,
    // keyboard, both 16550s) and the I/O BARs Linux assigns above 0x1000.
    window(0x1800_0000, 0x1820_0000, DeviceAccess::PassThrough, "PCI I/O space"),
    window(0x1000_0000, 0x1800_0000, DeviceAccess::PassThrough, "PCI memory space"),
    window(0x1be0_0000, 0x1be0_1000, DeviceAccess::PassThrough, "GT-64120 system controller"),
    window(0x1f00_0000, 0x1f00_1000, DeviceAccess::PassThrough, "FPGA registers (LEDs, switches)"),
    window(0x1fc0_0010, 0x1fc0_0014, DeviceAccess::ReadOnly, "board revision"),
];

const BOSTON: &[Window] = &[window(0x17ff_e000, 0x17ff_f000, DeviceAccess::PassThrough, "16550 UART")];

fn windows(platform: Platform) -> &'static [Window] {
    match platform {
        Platform::Malta => MALTA,
        Platform::Boston => BOSTON,
    }
}

/// PCI configuration writes made through the GT-64120 (CF8/CFC mechanism).
///
/// A guest's devices must never master the bus: they would take guest-physical
/// addresses for host-physical ones and DMA into the monitor. So writes of
/// the Command register keep Bus Master Enable clear; drivers then fall back
/// to programmed I/O or fail to probe, both harmless.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PciConfig {
    /// The last value written to the configuration address register.
    address: u32,
}

/// GT-64120 PCI_0 Configuration Address register (physical).
pub const GT_PCI0_CONFIG_ADDRESS: u32 = 0x1be0_0cf8;
const COMMAND_REGISTER: u32 = 0x04;
const BUS_MASTER_ENABLE: u32 = 1 << 2;

impl PciConfig {
    /// Notes a guest write of the configuration address register.
    pub fn address_written(&mut self, value: u32) {
        self.address = value;
    }

    /// The value to really write for a guest write of `value` at byte `lane`
    /// (0-3) of the configuration data register, `width` bytes wide.
    pub fn filter_data_write(&self, lane: u32, width: u32, value: u32) -> u32 {
        let register = self.address & 0xfc;
        // Bits 1:0 of the address register are 0 for type-0 accesses; the
        // Command register is the low 16 bits of dword 0x04.
        if register != COMMAND_REGISTER || lane >= 2 {
            return value;
        }
        let bit_in_access = BUS_MASTER_ENABLE >> (8 * lane);
        if bit_in_access == 0 || width == 0 {
            return value;
        }
        value & !bit_in_access
    }
}

/// The PIIX4's PMCNTRL (offset 4 of function 3's PM I/O block) where Linux's
/// Malta PCI fixup puts that block: PCI I/O 0x1000, physical 0x1800_1000.
/// A guest that moves the block still powers off, unreported.
pub const PIIX4_PMCNTRL: u32 = 0x1800_1004;
/// PMCNTRL bit 13: enter the sleep state SUS_TYP names.
const SUS_EN: u32 = 1 << 13;
/// PMCNTRL bits 12:10; type 0 is soft off.
const SUS_TYP: u32 = 0b111 << 10;

/// Whether a guest write of `value`, `width` bytes at `phys`, turns the
/// board off: a 16-bit PMCNTRL write with SUS_EN set and SUS_TYP 0.
pub fn is_soft_off(phys: u32, width: u32, value: u32) -> bool {
    phys == PIIX4_PMCNTRL && width == 2 && value & (SUS_EN | SUS_TYP) == SUS_EN
}

/// How a guest access of `width` bytes at guest physical `phys` is served.
pub fn classify(platform: Platform, phys: u32, width: u32) -> (DeviceAccess, &'static str) {
    let end = phys.saturating_add(width);
    windows(platform)
        .iter()
        .find(|w| w.range.start < end && phys < w.range.end)
        .map(|w| {
            // An access straddling a window's edge is not the device's.
            if phys >= w.range.start && end <= w.range.end {
                (w.access, w.what)
            } else {
                (DeviceAccess::Unclaimed, w.what)
            }
        })
        .unwrap_or((DeviceAccess::Unclaimed, "no device"))
}

/// Whether a guest mapping (host TLB entry, GVA-table PTE) may point at the
/// device page at host-physical `phys`: never, since every guest device
/// access traps and goes through [`classify`]; the isolation check asks here.
pub fn guest_may_map_page(_phys: u64) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guest_console_uart_passes_through() {
        // Malta ttyS0: ISA port 0x3F8 = physical 0x180003F8 (platforms.md).
        assert_eq!(classify(Platform::Malta, 0x1800_03f8, 1).0, DeviceAccess::PassThrough);
        assert_eq!(classify(Platform::Malta, 0x1800_03fd, 1).0, DeviceAccess::PassThrough);
        assert_eq!(classify(Platform::Boston, 0x17ff_e014, 4).0, DeviceAccess::PassThrough);
    }

    #[test]
    fn the_monitors_log_uart_and_board_reset_are_not_the_guests() {
        assert_eq!(classify(Platform::Malta, 0x1f00_0900, 1).0, DeviceAccess::Hidden);
        assert_eq!(classify(Platform::Malta, 0x1f00_0928, 4).0, DeviceAccess::Hidden);
        // 0x42 written here resets the Malta board.
        assert_eq!(classify(Platform::Malta, 0x1f00_0500, 4).0, DeviceAccess::BoardReset);
    }

    #[test]
    fn pci_bars_linux_assigns_pass_through() {
        // Linux on Malta: "root bus resource [io 0x1000-0x1fffff]" and
        // "[mem 0x10000000-0x17ffffff]"; a UHCI BAR at I/O 0x1040.
        assert_eq!(classify(Platform::Malta, 0x1800_1040, 2).0, DeviceAccess::PassThrough);
        assert_eq!(classify(Platform::Malta, 0x1000_0010, 4).0, DeviceAccess::PassThrough);
        assert_eq!(classify(Platform::Malta, 0x1be0_0cfc, 4).0, DeviceAccess::PciConfigData);
        assert_eq!(classify(Platform::Malta, 0x1be0_0cf8, 4).0, DeviceAccess::PassThrough);
    }

    #[test]
    fn no_guest_write_turns_on_bus_mastering() {
        // PCI Local Bus spec: Command register (offset 4) bit 2 is Bus Master.
        let mut pci = PciConfig::default();
        pci.address_written(0x8000_5004); // bus 0, device 10, function 0, register 4
        assert_eq!(pci.filter_data_write(0, 4, 0x0000_0107), 0x0000_0103);
        assert_eq!(pci.filter_data_write(0, 2, 0x0007), 0x0003);
        assert_eq!(pci.filter_data_write(0, 1, 0x07), 0x03);
        // Byte 1 of the Command register and the Status half are not the bit.
        assert_eq!(pci.filter_data_write(1, 1, 0x07), 0x07);
        assert_eq!(pci.filter_data_write(2, 2, 0xffff), 0xffff);
        // Other registers are untouched.
        pci.address_written(0x8000_5010);
        assert_eq!(pci.filter_data_write(0, 4, 0xffff_ffff), 0xffff_ffff);
    }

    #[test]
    fn piix4_soft_off_is_sus_en_with_type_zero() {
        // PIIX4 datasheet, PMCNTRL (PM I/O offset 04h): SUS_EN is bit 13,
        // SUS_TYP bits 12:10, and type 0 is soft off; Linux's
        // piix4-poweroff writes 0x2000 as a 16-bit value.
        assert_eq!(classify(Platform::Malta, 0x1800_1004, 2).0, DeviceAccess::PowerControl);
        assert_eq!(classify(Platform::Malta, 0x1800_1004, 4).0, DeviceAccess::PowerControl);
        assert!(is_soft_off(0x1800_1004, 2, 0x2000));
        assert!(is_soft_off(0x1800_1004, 2, 0x2001)); // SCI_EN (bit 0) does not matter
        assert!(!is_soft_off(0x1800_1004, 2, 0x2400)); // SUS_TYP 1: suspend, not off
        assert!(!is_soft_off(0x1800_1004, 2, 0x0000)); // no SUS_EN: nothing happens
        assert!(!is_soft_off(0x1800_1004, 1, 0x2000)); // not PMCNTRL's width
        assert!(!is_soft_off(0x1800_1000, 2, 0x2000)); // PMSTS, not PMCNTRL
                                                       // Its neighbours in the PM block stay plain pass-through.
        assert_eq!(classify(Platform::Malta, 0x1800_1000, 2).0, DeviceAccess::PassThrough);
        assert_eq!(classify(Platform::Malta, 0x1800_1008, 4).0, DeviceAccess::PassThrough);
    }

    #[test]
    fn unmapped_and_straddling_accesses_are_unclaimed() {
        assert_eq!(classify(Platform::Malta, 0x0f00_0000, 4), (DeviceAccess::Unclaimed, "no device"));
        assert_eq!(classify(Platform::Malta, 0x181f_fffe, 4).0, DeviceAccess::Unclaimed);
        assert_eq!(classify(Platform::Boston, 0x1800_03f8, 1).0, DeviceAccess::Unclaimed);
        assert_eq!(classify(Platform::Malta, 0x1fc0_0010, 4).0, DeviceAccess::ReadOnly);
    }
}
