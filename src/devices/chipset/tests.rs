//! The virtual chipset against a model of the GT-64120 as QEMU 7.2 presents
//! it (registers little-endian on the bus, device 0's configuration data
//! too, other devices' in the CPU's order, master abort in INTRCAUSE).

use alloc::string::String;
use alloc::vec::Vec;
use alloc::{format, vec};

use super::*;

struct FakeFunction {
    at: Function,
    config: [u32; 64],
    /// Writable bits of each dword (BARs: the size mask).
    writable: [u32; 64],
}

struct FakeGt {
    endian: Endian,
    regs: Vec<u32>,
    functions: Vec<FakeFunction>,
    log: Vec<String>,
    iack_reads: u32,
}

fn function(
    device: u8,
    func: u8,
    id: u32,
    class: u32,
    header: u32,
    bars: &[(usize, u32, u32)],
) -> FakeFunction {
    let mut config = [0; 64];
    let mut writable = [0; 64];
    config[0] = id;
    config[2] = class;
    config[3] = header;
    writable[1] = 0xffff;
    writable[3] = 0xffff;
    writable[15] = 0xff;
    for dword in 16..64 {
        writable[dword] = u32::MAX;
    }
    for &(bar, size, flags) in bars {
        config[4 + bar] = flags;
        writable[4 + bar] = !(size - 1);
    }
    FakeFunction { at: Function { device, function: func }, config, writable }
}

impl FakeGt {
    fn malta(endian: Endian) -> FakeGt {
        let mut regs = vec![0u32; 1024];
        // As QEMU's -kernel loader leaves them: I/O at 0x18000000, memory at 0x10000000, ISD 0x1be00000.
        regs[(GT_PCI0IOLD / 4) as usize] = 0xc0;
        regs[(GT_PCI0IOHD / 4) as usize] = 0x40;
        regs[(GT_PCI0M0LD / 4) as usize] = 0x80;
        regs[(GT_PCI0M0HD / 4) as usize] = 0x3f;
        regs[(GT_ISD / 4) as usize] = 0xdf;
        regs[(GT_PCI0IOREMAP / 4) as usize] = 0xc0;
        regs[(GT_PCI0_CMD / 4) as usize] = 1; // MByteSwap
        let functions = vec![
            function(0, 0, 0x4620_11ab, 0x0600_0010, 0, &[(0, 0x1000, 8)]),
            function(10, 0, 0x7110_8086, 0x0601_0000, 0x0080_0000, &[]),
            function(10, 1, 0x7111_8086, 0x0101_8a01, 0, &[(4, 16, 1)]),
            function(10, 2, 0x7112_8086, 0x0c03_0001, 0, &[(4, 32, 1)]),
            function(10, 3, 0x7113_8086, 0x0680_0003, 0, &[]),
            function(11, 0, 0x2000_1022, 0x0200_0010, 0, &[(0, 32, 1), (1, 32, 0)]),
        ];
        let mut gt = FakeGt { endian, regs, functions, log: Vec::new(), iack_reads: 0 };
        // Devices as a guest might have left them: bus mastering on.
        gt.functions[5].config[1] = 0x7;
        gt
    }

    fn value(&self, raw: u32) -> u32 {
        if self.endian == Endian::Big {
            raw.swap_bytes()
        } else {
            raw
        }
    }

    fn find(&mut self) -> Option<(&mut FakeFunction, usize)> {
        let address = self.regs[(GT_PCI0_CFGADDR / 4) as usize];
        let at = Function { device: (address >> 11 & 0x1f) as u8, function: (address >> 8 & 7) as u8 };
        let dword = (address & 0xfc) as usize / 4;
        if address >> 16 & 0xff != 0 {
            return None;
        }
        self.functions.iter_mut().find(|f| f.at == at).map(|f| (f, dword))
    }

    fn config(&self, device: u8, func: u8, register: usize) -> u32 {
        let f = self.functions.iter().find(|f| f.at == Function { device, function: func }).unwrap();
        f.config[register / 4]
    }
}

impl GtHardware for FakeGt {
    fn gt_read_raw(&mut self, offset: u32) -> u32 {
        let endian = self.endian;
        let raw = match offset {
            GT_PCI0_CFGDATA => match self.find() {
                Some((f, dword)) => {
                    let value = f.config[dword];
                    if f.at.device == 0 && endian == Endian::Big {
                        value.swap_bytes()
                    } else {
                        value
                    }
                }
                None => {
                    self.regs[(GT_INTRCAUSE / 4) as usize] |= INTRCAUSE_MASTER_ABORT0;
                    return u32::MAX;
                }
            },
            GT_PCI0_IACK => {
                self.iack_reads += 1;
                return 0x0000_0023;
            }
            _ => self.regs[(offset / 4) as usize],
        };
        if offset == GT_PCI0_CFGDATA {
            raw
        } else {
            self.value(raw)
        }
    }

    fn gt_write_raw(&mut self, offset: u32, raw: u32) {
        let endian = self.endian;
        if offset == GT_PCI0_CFGDATA {
            match self.find() {
                Some((f, dword)) => {
                    let value =
                        if f.at.device == 0 && endian == Endian::Big { raw.swap_bytes() } else { raw };
                    f.config[dword] = (f.config[dword] & !f.writable[dword]) | (value & f.writable[dword]);
                }
                None => self.regs[(GT_INTRCAUSE / 4) as usize] |= INTRCAUSE_MASTER_ABORT0,
            }
            return;
        }
        let value = self.value(raw);
        if offset == GT_INTRCAUSE {
            self.regs[(offset / 4) as usize] &= value;
        } else {
            self.regs[(offset / 4) as usize] = value;
        }
    }

    fn log(&mut self, message: fmt::Arguments<'_>) {
        self.log.push(format!("{message}"));
    }
}

/// A guest on `endian` using the virtual chipset like Linux's ops-gt64xxx_pci0.
struct Guest {
    gt: FakeGt,
    chipset: Chipset,
    endian: Endian,
}

impl Guest {
    fn boot(endian: Endian) -> Guest {
        let mut gt = FakeGt::malta(endian);
        let chipset = Chipset::boot(&mut gt, endian);
        Guest { gt, chipset, endian }
    }

    fn select(&mut self, device: u8, func: u8, register: u8) {
        let address = Function { device, function: func }.cfgaddr(register);
        let raw = raw_word(self.endian, address);
        self.chipset.write(&mut self.gt, GT_PCI0_CFGADDR, 4, raw);
    }

    fn config_read(&mut self, device: u8, func: u8, register: u8) -> Option<u32> {
        self.chipset.write(&mut self.gt, GT_INTRCAUSE, 4, raw_word(self.endian, !INTRCAUSE_MASTER_ABORT0));
        self.select(device, func, register);
        let raw = self.chipset.read(&mut self.gt, GT_PCI0_CFGDATA, 4);
        let cause = raw_word(self.endian, self.chipset.read(&mut self.gt, GT_INTRCAUSE, 4));
        if cause & INTRCAUSE_MASTER_ABORT0 != 0 {
            return None;
        }
        Some(if device == 0 { raw_word(self.endian, raw) } else { raw })
    }

    fn config_write(&mut self, device: u8, func: u8, register: u8, value: u32) {
        self.select(device, func, register);
        let raw = if device == 0 { raw_word(self.endian, value) } else { value };
        self.chipset.write(&mut self.gt, GT_PCI0_CFGDATA, 4, raw);
    }
}

/// The raw word holding GT register value `value` (little-endian on the bus).
fn raw_word(endian: Endian, value: u32) -> u32 {
    if endian == Endian::Big {
        value.swap_bytes()
    } else {
        value
    }
}

fn both_endians(test: impl Fn(Endian)) {
    test(Endian::Little);
    test(Endian::Big);
}

#[test]
fn the_guest_sees_the_real_identity_and_absent_devices_master_abort() {
    both_endians(|endian| {
        let mut guest = Guest::boot(endian);
        assert_eq!(guest.config_read(0, 0, 0), Some(0x4620_11ab));
        assert_eq!(guest.config_read(10, 1, 0), Some(0x7111_8086));
        assert_eq!(guest.config_read(10, 1, 8), Some(0x0101_8a01));
        assert_eq!(guest.config_read(11, 0, 0), Some(0x2000_1022));
        assert_eq!(guest.config_read(12, 0, 0), None);
        assert_eq!(guest.config_read(11, 1, 0), None);
        // Bus 1 does not exist.
        guest.chipset.write(&mut guest.gt, GT_PCI0_CFGADDR, 4, raw_word(guest.endian, 0x8001_0000));
        assert_eq!(guest.chipset.read(&mut guest.gt, GT_PCI0_CFGDATA, 4), u32::MAX);
    });
}

#[test]
fn boot_turns_bus_mastering_off_and_no_write_turns_it_on() {
    both_endians(|endian| {
        let mut guest = Guest::boot(endian);
        assert_eq!(guest.gt.config(11, 0, 4) & 0xffff, 0x3);
        guest.config_write(11, 0, 4, 0x0000_0107);
        assert_eq!(guest.gt.config(11, 0, 4) & 0xffff, 0x103);
        assert_eq!(guest.config_read(11, 0, 4).unwrap() & COMMAND_BUS_MASTER, 0);
    });
}

#[test]
fn sub_word_writes_to_the_data_register_cannot_set_bus_master() {
    // Issue 9: a byte or half-word store into CFC's lanes set Bus Master Enable.
    both_endians(|endian| {
        let mut guest = Guest::boot(endian);
        for width in [1, 2] {
            for lane in (0..4).step_by(width as usize) {
                guest.select(11, 0, 4);
                guest.chipset.write(&mut guest.gt, GT_PCI0_CFGDATA + lane, width, 0xffff_ffff);
                assert_eq!(
                    guest.gt.config(11, 0, 4) & COMMAND_BUS_MASTER,
                    0,
                    "{endian:?} width {width} lane {lane}"
                );
            }
        }
        // The byte holding the command's low bits still works for I/O and memory enable.
        guest.config_write(11, 0, 4, 0);
        let low_byte = if endian == Endian::Big { 3 } else { 0 };
        guest.select(11, 0, 4);
        guest.chipset.write(&mut guest.gt, GT_PCI0_CFGDATA + low_byte, 1, 0x07);
        assert_eq!(guest.gt.config(11, 0, 4) & 0xffff, 0x3);
    });
}

#[test]
fn sub_word_writes_to_the_address_register_build_the_address() {
    both_endians(|endian| {
        let mut guest = Guest::boot(endian);
        let raw = raw_word(guest.endian, Function { device: 11, function: 0 }.cfgaddr(0));
        for lane in 0..4u32 {
            let byte = lane_of(raw, lane, 1, endian);
            guest.chipset.write(&mut guest.gt, GT_PCI0_CFGADDR + lane, 1, byte);
        }
        assert_eq!(guest.chipset.read(&mut guest.gt, GT_PCI0_CFGDATA, 4), 0x2000_1022);
        let half = guest.chipset.read(&mut guest.gt, GT_PCI0_CFGDATA + 2, 2);
        assert_eq!(half, if endian == Endian::Big { 0x1022 } else { 0x2000 });
    });
}

#[test]
fn clearing_mbyteswap_and_moving_windows_or_isd_are_ignored_and_logged() {
    // Issue 9: clearing MByteSwap, moving the PCI0 memory window to 0, moving ISD onto RAM.
    both_endians(|endian| {
        let mut guest = Guest::boot(endian);
        for (offset, value) in
            [(GT_PCI0_CMD, 0), (GT_PCI0M0LD, 0), (GT_PCI0M0HD, 0x7f), (GT_ISD, 0), (GT_PCI0IOLD, 0)]
        {
            let before = guest.chipset.read(&mut guest.gt, offset, 4);
            let raw = raw_word(guest.endian, value);
            guest.chipset.write(&mut guest.gt, offset, 4, raw);
            guest.chipset.write(&mut guest.gt, offset + 1, 1, 0xff);
            assert_eq!(guest.chipset.read(&mut guest.gt, offset, 4), before);
            assert_ne!(guest.gt.regs[(offset / 4) as usize], value, "{offset:#x} reached the real GT");
        }
        assert_eq!(raw_word(guest.endian, guest.chipset.read(&mut guest.gt, GT_ISD, 4)), 0xdf);
        assert_eq!(raw_word(guest.endian, guest.chipset.read(&mut guest.gt, GT_PCI0_CMD, 4)), 1);
        assert_eq!(guest.gt.log.len(), 10, "{:?}", guest.gt.log);
        assert_eq!(
            guest.gt.log[0],
            "devices: refused write 4 at physical 0x1be00c00: GT-64120 register 0xc00 is fixed by the monitor (value 0x0)"
        );
        // Writing back the value it holds is no attempt to change it.
        let isd = guest.chipset.read(&mut guest.gt, GT_ISD, 4);
        guest.chipset.write(&mut guest.gt, GT_ISD, 4, isd);
        assert_eq!(guest.gt.log.len(), 10);
    });
}

#[test]
fn interrupt_acknowledge_reads_the_real_gt() {
    let mut guest = Guest::boot(Endian::Little);
    assert_eq!(guest.gt.iack_reads, 0, "boot must not acknowledge an interrupt");
    assert_eq!(guest.chipset.read(&mut guest.gt, GT_PCI0_IACK, 4), 0x23);
    assert_eq!(guest.gt.iack_reads, 1);
}

#[test]
fn bar_sizing_is_emulated_and_bars_stay_inside_the_windows() {
    both_endians(|endian| {
        let mut guest = Guest::boot(endian);
        // Sizing: all ones in, the size mask out; the real BAR is untouched.
        guest.config_write(11, 0, 0x10, u32::MAX);
        assert_eq!(guest.config_read(11, 0, 0x10), Some(0xffff_ffe1));
        guest.config_write(11, 0, 0x14, u32::MAX);
        assert_eq!(guest.config_read(11, 0, 0x14), Some(0xffff_ffe0));
        // Allowed places reach the real BARs.
        guest.config_write(11, 0, 0x10, 0x1020);
        guest.config_write(11, 0, 0x14, 0x1000_0000);
        assert_eq!(guest.gt.config(11, 0, 0x10), 0x1021);
        assert_eq!(guest.gt.config(11, 0, 0x14), 0x1000_0000);
        assert_eq!(guest.config_read(11, 0, 0x10), Some(0x1021));
        // Issue 9: a memory BAR over the monitor (physical 0) or the GT's
        // registers, an I/O BAR over the ISA DMA ports: refused, logged.
        for (register, value) in
            [(0x14, 0x0000_0000 | 0x180), (0x14, 0x1be0_0000), (0x14, 0x1800_0000), (0x10, 0x0fe0)]
        {
            guest.config_write(11, 0, register, value);
        }
        guest.config_write(11, 0, 0x10, 0x0000_0000 | 0x20);
        assert_eq!(guest.gt.config(11, 0, 0x10), 0x1021);
        assert_eq!(guest.gt.config(11, 0, 0x14), 0x1000_0000);
        assert!(
            guest.gt.log.iter().any(|l| l.contains("outside the fixed PCI window")),
            "{:?}",
            guest.gt.log
        );
    });
}

#[test]
fn the_ide_bus_master_bar_and_expansion_roms_are_hidden() {
    both_endians(|endian| {
        let mut guest = Guest::boot(endian);
        guest.config_write(10, 1, 0x20, u32::MAX);
        assert_eq!(guest.config_read(10, 1, 0x20), Some(0));
        guest.config_write(10, 1, 0x20, 0x1100);
        assert_eq!(guest.gt.config(10, 1, 0x20), 1, "BMIBA reached the device");
        assert_eq!(guest.config_read(11, 0, 0x30), Some(0));
        // The USB controller's I/O BAR4 is an ordinary BAR.
        guest.config_write(10, 2, 0x20, 0x1040);
        assert_eq!(guest.gt.config(10, 2, 0x20), 0x1041);
    });
}

#[test]
fn piix4_function_registers_follow_the_policy() {
    both_endians(|endian| {
        let mut guest = Guest::boot(endian);
        // PIRQ routing and IDE timing pass; ISA decode (top of memory) does not.
        guest.config_write(10, 0, 0x60, 0x0b0b_0a0a);
        assert_eq!(guest.gt.config(10, 0, 0x60), 0x0b0b_0a0a);
        guest.config_write(10, 1, 0x40, 0x8000_8000);
        assert_eq!(guest.gt.config(10, 1, 0x40), 0x8000_8000);
        guest.config_write(10, 0, 0x68, 0xffff_ffff);
        assert_eq!(guest.gt.config(10, 0, 0x68), 0xff00, "only top of memory (0x69) is writable");
        guest.config_write(10, 0, 0xb0, 0xffff_ffff);
        assert_eq!(guest.gt.config(10, 0, 0xb0), 0x1_0000, "only the serial IRQ enable is writable");
        // Rewriting a register's value as it reads is no refusal.
        let before = guest.gt.log.len();
        let value = guest.config_read(10, 0, 0xb0).unwrap();
        guest.config_write(10, 0, 0xb0, value);
        assert_eq!(guest.gt.log.len(), before);
        // PMBA only where the monitor watches PMCNTRL.
        guest.config_write(10, 3, 0x40, 0x1001);
        assert_eq!(guest.gt.config(10, 3, 0x40), 0x1001);
        guest.config_write(10, 3, 0x40, 0x2001);
        assert_eq!(guest.gt.config(10, 3, 0x40), 0x1001);
        assert_eq!(guest.config_read(10, 3, 0x40), Some(0x1001));
        // SMBus base: inside the window, above the ISA ports.
        guest.config_write(10, 3, 0x90, 0x1101);
        assert_eq!(guest.gt.config(10, 3, 0x90), 0x1101);
        guest.config_write(10, 3, 0x90, 0x0001);
        assert_eq!(guest.gt.config(10, 3, 0x90), 0x1101);
        // Identity is read-only.
        guest.config_write(11, 0, 0, 0);
        assert_eq!(guest.gt.config(11, 0, 0), 0x2000_1022);
        assert!(guest.gt.log.iter().any(|l| l.contains("is not writable")));
    });
}

#[test]
fn the_host_bridge_offers_no_bars() {
    both_endians(|endian| {
        let mut guest = Guest::boot(endian);
        guest.config_write(0, 0, 0x10, u32::MAX);
        assert_eq!(guest.config_read(0, 0, 0x10), Some(0));
        assert_eq!(guest.gt.config(0, 0, 0x10), 8);
    });
}

#[test]
fn boot_checks_the_windows_the_allow_list_assumes() {
    both_endians(|endian| {
        let mut guest = Guest::boot(endian);
        assert_eq!(guest.chipset.unexpected_windows().count(), 0);
        assert_eq!(guest.chipset.function_count(), 6);
        // Linux reads the PCI address of I/O port 0 from the remap register.
        assert_eq!(guest.chipset.read(&mut guest.gt, GT_PCI0IOREMAP, 4), 0);
        assert_eq!(guest.gt.regs[(GT_PCI0IOREMAP / 4) as usize], 0);
        let mut gt = FakeGt::malta(endian);
        gt.regs[(GT_ISD / 4) as usize] = 0;
        let chipset = Chipset::boot(&mut gt, endian);
        assert_eq!(chipset.unexpected_windows().collect::<Vec<_>>(), vec![(GT_ISD, 0)]);
    });
}
