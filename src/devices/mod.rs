//! Which device registers a guest may reach, per platform.
//!
//! The guest owns its console UART and the Malta south-bridge devices it
//! drives (passed straight through to the hardware); the monitor keeps its
//! log UART and the board-reset register, and watches the power-off register
//! so it can report before the board goes away; anything else is unclaimed
//! and becomes a bus error for the guest plus a line in the monitor's log.

use core::fmt;
use core::ops::Range;

use crate::board::Platform;

pub mod chipset;

pub use chipset::{Chipset, GtHardware};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceAccess {
    /// Perform the same access on the real device.
    PassThrough,
    /// Reads pass through; writes are dropped (identification registers).
    ReadOnly,
    /// A write that would reset the whole board, monitor included: the
    /// monitor stops the guest instead.
    BoardReset,
    /// The PIIX4 reset control register (I/O 0xCF9): bit 2 resets the
    /// board, so such a write stops the guest; others are ignored.
    ResetControl,
    /// A device the monitor keeps for itself: the guest sees an empty bus
    /// there (reads all ones, writes ignored), as if nothing were fitted.
    Hidden,
    /// A device the guest may not use (it could reach memory or the board
    /// behind the monitor's back): reads all ones, writes ignored, logged.
    Refused,
    /// The PIIX4's power-management control register: passes through, but
    /// a soft-off write (see [`is_soft_off`]) first ends the guest's run in
    /// the monitor, which reports it before the board powers off.
    PowerControl,
    /// The GT-64120's register block: served by the virtual [`Chipset`].
    Chipset,
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

/// Physical base of the GT-64120 register block (ISD, fixed at boot).
pub const GT_BASE: u32 = 0x1be0_0000;
/// Physical base of PCI I/O space (the GT's fixed PCI0 I/O window).
pub const PCI_IO_BASE: u32 = 0x1800_0000;

const fn isa(start: u32, end: u32, access: DeviceAccess, what: &'static str) -> Window {
    window(PCI_IO_BASE + start, PCI_IO_BASE + end, access, what)
}

/// Malta (physical addresses; QEMU hw/mips/malta.c and the Malta user manual).
/// Earlier entries win, so the monitor's carve-outs come first. ISA ports are
/// listed one device at a time: what is not listed is refused.
const MALTA: &[Window] = &[
    window(MALTA_SOFTRES, MALTA_SOFTRES + 4, DeviceAccess::BoardReset, "FPGA software reset"),
    window(0x1f00_0900, 0x1f00_0940, DeviceAccess::Hidden, "CBUS UART (the monitor's log)"),
    window(GT_BASE, GT_BASE + chipset::GT_BLOCK_BYTES, DeviceAccess::Chipset, "GT-64120 system controller"),
    // PMCNTRL and the reserved half after it, so a word access there still
    // reaches the device as before.
    window(PIIX4_PMCNTRL, PIIX4_PMCNTRL + 4, DeviceAccess::PowerControl, "PIIX4 PM control"),
    // The i8237 DMA controllers and page registers reach any of the low
    // 16 MiB of RAM, where the monitor lives.
    isa(0x00, 0x20, DeviceAccess::Refused, "i8237 ISA DMA controller"),
    isa(0x80, 0x90, DeviceAccess::Refused, "i8237 ISA DMA page registers"),
    isa(0xc0, 0xe0, DeviceAccess::Refused, "i8237 ISA DMA controller"),
    isa(0x20, 0x22, DeviceAccess::PassThrough, "i8259 master"),
    isa(0xa0, 0xa2, DeviceAccess::PassThrough, "i8259 slave"),
    isa(0x4d0, 0x4d2, DeviceAccess::PassThrough, "i8259 edge/level control"),
    isa(0x40, 0x44, DeviceAccess::PassThrough, "i8254 timer"),
    isa(0x61, 0x62, DeviceAccess::PassThrough, "NMI status and speaker"),
    isa(0x60, 0x61, DeviceAccess::PassThrough, "i8042 keyboard"),
    isa(0x64, 0x65, DeviceAccess::PassThrough, "i8042 keyboard"),
    // The NMI mask (bit 7 of 0x70) reaches no CPU input on Malta.
    isa(0x70, 0x72, DeviceAccess::PassThrough, "MC146818 RTC"),
    isa(0x1f0, 0x1f8, DeviceAccess::PassThrough, "IDE primary"),
    isa(0x3f6, 0x3f7, DeviceAccess::PassThrough, "IDE primary control"),
    isa(0x170, 0x178, DeviceAccess::PassThrough, "IDE secondary"),
    isa(0x376, 0x377, DeviceAccess::PassThrough, "IDE secondary control"),
    isa(0x2f8, 0x300, DeviceAccess::PassThrough, "16550 UART (tty1)"),
    isa(0x3f8, 0x400, DeviceAccess::PassThrough, "16550 UART (tty0)"),
    isa(0xcf9, 0xcfa, DeviceAccess::ResetControl, "PIIX4 reset control"),
    isa(0x0, chipset::ISA_IO_END, DeviceAccess::Refused, "ISA port not in the allow-list"),
    // Above the ISA range: the I/O BARs, which the virtual chipset keeps
    // inside this window.
    window(
        PCI_IO_BASE + chipset::ISA_IO_END,
        PCI_IO_BASE + chipset::PCI_IO_BYTES,
        DeviceAccess::PassThrough,
        "PCI I/O space",
    ),
    window(chipset::PCI_MEM_START, chipset::PCI_MEM_END, DeviceAccess::PassThrough, "PCI memory space"),
    // FPGA registers one by one (QEMU hw/mips/malta.c): switches, status,
    // jumpers, the LED bar and the ASCII display; I2C, GPIO and the rest refused.
    window(0x1f00_0200, 0x1f00_0204, DeviceAccess::ReadOnly, "FPGA switches"),
    window(0x1f00_0208, 0x1f00_020c, DeviceAccess::ReadOnly, "FPGA status"),
    window(0x1f00_0210, 0x1f00_0214, DeviceAccess::ReadOnly, "FPGA jumpers"),
    window(0x1f00_0400, 0x1f00_0404, DeviceAccess::PassThrough, "FPGA LED bar"),
    window(0x1f00_0408, 0x1f00_040c, DeviceAccess::PassThrough, "FPGA ASCII word"),
    window(0x1f00_0410, 0x1f00_0458, DeviceAccess::PassThrough, "FPGA ASCII display"),
    window(0x1f00_0000, 0x1f00_1000, DeviceAccess::Refused, "FPGA register not in the allow-list"),
    window(0x1fc0_0010, 0x1fc0_0014, DeviceAccess::ReadOnly, "board revision"),
];

/// PIIX4 reset control (RCR) bit 2: reset the system.
const RCR_RESET: u32 = 1 << 2;

/// Whether a write of `value` to the PIIX4 reset control register resets the board.
pub fn is_board_reset(value: u32) -> bool {
    value & RCR_RESET != 0
}

/// What a refused access reads: all ones, as an absent device on the bus.
pub fn absent_device_value(width: u32) -> u32 {
    u32::MAX >> (32 - 8 * width.clamp(1, 4))
}

/// Refusals logged before the log says it stops counting them.
const REFUSALS_LOGGED: u32 = 32;

/// One log line per refused access, up to a bound, then one line saying so:
/// a guest hammering a refused port must not drown the log or the monitor.
#[derive(Debug, Default)]
pub struct RefusalLog {
    pub count: u32,
}

impl RefusalLog {
    pub fn refuse(
        &mut self,
        hw: &mut dyn GtHardware,
        what: &str,
        width: u32,
        physical: u32,
        why: fmt::Arguments<'_>,
    ) {
        self.refuse_with(&mut |args| hw.log(args), what, width, physical, why);
    }

    pub fn refuse_with(
        &mut self,
        log: &mut dyn FnMut(fmt::Arguments<'_>),
        what: &str,
        width: u32,
        physical: u32,
        why: fmt::Arguments<'_>,
    ) {
        self.count = self.count.saturating_add(1);
        if self.count <= REFUSALS_LOGGED {
            log(format_args!("devices: refused {what} {width} at physical {physical:#010x}: {why}"));
        }
        if self.count == REFUSALS_LOGGED {
            log(format_args!("devices: further refused accesses are not logged"));
        }
    }
}

/// Boston (physical addresses; QEMU hw/mips/boston.c, whose boot code puts
/// the CM's GCRs, the GIC and the CPC where they are listed here). The guest
/// gets the console UART, the LCD and the read-only platform registers; the
/// coherence manager, interrupt controller, CDMM and power controller are the
/// monitor's (the CPC stops and restarts CPUs, the GCRs move every block), and
/// the PCIe root ports and flash are not the guest's either (bus masters reach
/// any RAM; the monitor does not check DMA addresses).
const BOSTON: &[Window] = &[
    window(BOSTON_SOFTRST_CTL, BOSTON_SOFTRST_CTL + 4, DeviceAccess::BoardReset, "platform SOFTRST_CTL"),
    window(0x17ff_d000, 0x17ff_d04c, DeviceAccess::ReadOnly, "platform registers"),
    window(0x17ff_e000, 0x17ff_e020, DeviceAccess::PassThrough, "16550 UART"),
    window(0x17ff_f000, 0x17ff_f008, DeviceAccess::PassThrough, "LCD display"),
    window(0x1610_0000, 0x1612_0000, DeviceAccess::Refused, "CM global control registers (the monitor's)"),
    window(0x1612_0000, 0x1614_0000, DeviceAccess::Refused, "GIC (the monitor's)"),
    window(0x1614_0000, 0x1614_8000, DeviceAccess::Refused, "CDMM (the monitor's)"),
    window(0x1620_0000, 0x1620_8000, DeviceAccess::Refused, "CPC (the monitor's)"),
    window(0x1000_0000, 0x1610_0000, DeviceAccess::Refused, "PCIe (not the guest's)"),
    window(0x1800_0000, 0x2000_0000, DeviceAccess::Refused, "boot flash (not the guest's)"),
];

/// Boston's SOFTRST_CTL platform register, and its SYSRESET bit.
pub const BOSTON_SOFTRST_CTL: u32 = 0x17ff_d010;
pub const BOSTON_SYSRESET: u32 = 1 << 4;
/// Malta's FPGA SOFTRES register, and GORESET, the one value that resets.
pub const MALTA_SOFTRES: u32 = 0x1f00_0500;
pub const MALTA_GORESET: u32 = 0x42;

/// Whether a guest write of `value` to the board-reset register (the
/// `BoardReset` window) resets the board; other writes do nothing there.
pub fn write_resets_board(platform: Platform, value: u32) -> bool {
    match platform {
        Platform::Malta => value == MALTA_GORESET,
        Platform::Boston => value & BOSTON_SYSRESET != 0,
    }
}

fn windows(platform: Platform) -> &'static [Window] {
    match platform {
        Platform::Malta => MALTA,
        Platform::Boston => BOSTON,
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
        assert_eq!(classify(Platform::Malta, 0x1be0_0cfc, 4).0, DeviceAccess::Chipset);
        assert_eq!(classify(Platform::Malta, 0x1be0_0cf8, 1).0, DeviceAccess::Chipset);
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
    fn isa_dma_ports_are_refused_at_every_width_and_lane() {
        for port in (0x00..0x20).chain(0x80..0x90).chain(0xc0..0xe0) {
            for width in [1, 2, 4] {
                let phys = PCI_IO_BASE + (port & !(width - 1));
                assert_eq!(classify(Platform::Malta, phys, width).0, DeviceAccess::Refused, "port {port:#x}");
            }
        }
        // An unlisted ISA port is refused too; a word straddling an allowed
        // and a refused port is not the allowed device's.
        assert_eq!(classify(Platform::Malta, PCI_IO_BASE + 0x378, 1).0, DeviceAccess::Refused);
        assert_eq!(classify(Platform::Malta, PCI_IO_BASE + 0x3f6, 2).0, DeviceAccess::Unclaimed);
        assert_eq!(absent_device_value(1), 0xff);
        assert_eq!(absent_device_value(2), 0xffff);
        assert_eq!(absent_device_value(4), 0xffff_ffff);
    }

    #[test]
    fn the_ports_guests_need_pass_through() {
        for (port, width) in [(0x3f8, 1), (0x2f8, 1), (0x70, 1), (0x71, 1), (0x20, 1), (0xa1, 1), (0x4d0, 1)]
            .into_iter()
            .chain([
                (0x40, 1),
                (0x43, 1),
                (0x1f0, 2),
                (0x1f0, 4),
                (0x1f7, 1),
                (0x3f6, 1),
                (0x170, 2),
                (0x376, 1),
            ])
        {
            assert_eq!(
                classify(Platform::Malta, PCI_IO_BASE + port, width).0,
                DeviceAccess::PassThrough,
                "{port:#x}"
            );
        }
    }

    #[test]
    fn the_reset_control_register_resets_only_with_bit_2() {
        assert_eq!(classify(Platform::Malta, PCI_IO_BASE + 0xcf9, 1).0, DeviceAccess::ResetControl);
        assert!(is_board_reset(0x04));
        assert!(is_board_reset(0x06));
        assert!(!is_board_reset(0x02));
    }

    #[test]
    fn fpga_registers_are_allowed_one_by_one() {
        assert_eq!(classify(Platform::Malta, 0x1f00_0400, 4).0, DeviceAccess::PassThrough);
        assert_eq!(classify(Platform::Malta, 0x1f00_0418, 4).0, DeviceAccess::PassThrough);
        assert_eq!(classify(Platform::Malta, 0x1f00_0450, 4).0, DeviceAccess::PassThrough);
        assert_eq!(classify(Platform::Malta, 0x1f00_0200, 4).0, DeviceAccess::ReadOnly);
        // I2C and GPIO, and the break/reset register.
        for phys in [0x1f00_0b00, 0x1f00_0b10, 0x1f00_0800, 0x1f00_0508, 0x1f00_0000] {
            assert_eq!(classify(Platform::Malta, phys, 4).0, DeviceAccess::Refused, "{phys:#x}");
        }
    }

    #[test]
    fn boston_gives_the_guest_its_uart_lcd_and_platform_registers() {
        // The 16550's eight registers at a 4-byte stride, and nothing past them.
        assert_eq!(classify(Platform::Boston, 0x17ff_e000, 1).0, DeviceAccess::PassThrough);
        assert_eq!(classify(Platform::Boston, 0x17ff_e01c, 1).0, DeviceAccess::PassThrough);
        assert_eq!(classify(Platform::Boston, 0x17ff_e020, 1).0, DeviceAccess::Unclaimed);
        assert_eq!(classify(Platform::Boston, 0x17ff_f004, 4).0, DeviceAccess::PassThrough);
        assert_eq!(classify(Platform::Boston, 0x17ff_d000, 4).0, DeviceAccess::ReadOnly);
        assert_eq!(classify(Platform::Boston, 0x17ff_d048, 4).0, DeviceAccess::ReadOnly);
        assert_eq!(classify(Platform::Boston, BOSTON_SOFTRST_CTL, 4).0, DeviceAccess::BoardReset);
    }

    #[test]
    fn only_the_reset_value_resets_the_board() {
        // QEMU: Malta's SOFTRES resets on 0x42 alone; Boston's SOFTRST_CTL on bit 4.
        assert!(write_resets_board(Platform::Malta, 0x42));
        assert!(!write_resets_board(Platform::Malta, 0x43));
        assert!(!write_resets_board(Platform::Malta, 0));
        assert!(write_resets_board(Platform::Boston, 0x10));
        assert!(write_resets_board(Platform::Boston, 0xff));
        assert!(!write_resets_board(Platform::Boston, 0xef));
    }

    #[test]
    fn boston_cm_gic_cdmm_cpc_pcie_and_flash_are_refused() {
        for (phys, what) in [
            (0x1610_0008, "CM"),   // GCR_BASE: moves the GCR block
            (0x1610_0088, "CM"),   // GCR_CPC_BASE
            (0x1612_0000, "GIC"),  // GIC_SH_CONFIG
            (0x1613_fffc, "GIC"),  // the block's last word
            (0x1614_0000, "CDMM"), // the first device's header
            (0x1620_2020, "CPC"),  // core-local VP_STOP: stops the CPU
            (0x1620_4028, "CPC"),  // core-other VP_RUN: restarts one at its reset vector
            (0x1000_0000, "PCIe"), // PCIe0's configuration space
            (0x1600_0000, "PCIe"), // PCIe2's memory window
            (0x1800_0000, "flash"),
        ] {
            let (access, name) = classify(Platform::Boston, phys, 4);
            assert_eq!(access, DeviceAccess::Refused, "{phys:#x}");
            assert!(name.contains(what), "{phys:#x}: {name}");
        }
        // Between the blocks nothing answers: a bus error for the guest.
        assert_eq!(classify(Platform::Boston, 0x1614_8000, 4).0, DeviceAccess::Unclaimed);
        assert_eq!(classify(Platform::Boston, 0x17ff_0000, 4).0, DeviceAccess::Unclaimed);
    }

    #[test]
    fn refusals_are_logged_up_to_a_bound() {
        let mut log = RefusalLog::default();
        let mut lines = alloc::vec::Vec::new();
        for _ in 0..1000 {
            log.refuse_with(
                &mut |args| lines.push(alloc::format!("{args}")),
                "write",
                1,
                0x1800_0000,
                format_args!("i8237"),
            );
        }
        assert_eq!(lines.len(), REFUSALS_LOGGED as usize + 1);
        assert_eq!(lines[0], "devices: refused write 1 at physical 0x18000000: i8237");
        assert_eq!(log.count, 1000);
    }

    #[test]
    fn unmapped_and_straddling_accesses_are_unclaimed() {
        assert_eq!(classify(Platform::Malta, 0x0f00_0000, 4), (DeviceAccess::Unclaimed, "no device"));
        assert_eq!(classify(Platform::Malta, 0x181f_fffe, 4).0, DeviceAccess::Unclaimed);
        // Malta's console address is Boston's flash, which is not the guest's.
        assert_eq!(classify(Platform::Boston, 0x1800_03f8, 1).0, DeviceAccess::Refused);
        assert_eq!(classify(Platform::Malta, 0x1fc0_0010, 4).0, DeviceAccess::ReadOnly);
    }
}
