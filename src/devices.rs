//! Which device registers a guest may reach, per platform.
//!
//! The guest owns its console UART and the Malta south-bridge devices it
//! drives (passed straight through to the hardware); the monitor keeps its
//! log UART and the board-reset register; anything else is unclaimed and
//! becomes a bus error for the guest plus a line in the monitor's log.

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
    window(0x1f00_0900, 0x1f00_0940, DeviceAccess::Unclaimed, "CBUS UART (the monitor's log)"),
    // PIIX4 ISA I/O ports through the GT-64120's PCI I/O window: i8259s,
    // PIT, RTC, keyboard, DMA and both 16550s.
    window(0x1800_0000, 0x1800_1000, DeviceAccess::PassThrough, "ISA I/O ports"),
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
        assert_eq!(classify(Platform::Malta, 0x1f00_0900, 1).0, DeviceAccess::Unclaimed);
        assert_eq!(classify(Platform::Malta, 0x1f00_0928, 1).0, DeviceAccess::Unclaimed);
        // 0x42 written here resets the Malta board.
        assert_eq!(classify(Platform::Malta, 0x1f00_0500, 4).0, DeviceAccess::BoardReset);
    }

    #[test]
    fn unmapped_and_straddling_accesses_are_unclaimed() {
        assert_eq!(classify(Platform::Malta, 0x1000_0000, 4), (DeviceAccess::Unclaimed, "no device"));
        assert_eq!(classify(Platform::Malta, 0x1800_0ffe, 4).0, DeviceAccess::Unclaimed);
        assert_eq!(classify(Platform::Boston, 0x1800_03f8, 1).0, DeviceAccess::Unclaimed);
        assert_eq!(classify(Platform::Malta, 0x1fc0_0010, 4).0, DeviceAccess::ReadOnly);
    }
}
