//! The virtual GT-64120 system controller and PCI configuration space.
//!
//! The guest never reaches the real GT-64120 registers: the run loop sends
//! every guest access of the GT's register block here. Decode, ISD, PCI
//! window and byte-swap registers read back what they held at boot and
//! ignore writes; the configuration mechanism (CF8/CFC) is emulated, with
//! master aborts for absent devices; the interrupt-acknowledge register is
//! read from the real GT. Each real device on bus 0 gets a virtual
//! configuration space that shows its identity, keeps its BARs inside the
//! fixed PCI windows and never lets Bus Master Enable through (the monitor
//! does not check DMA addresses, so no device may master the bus).
//!
//! Register values: the GT's own registers are little-endian on the bus
//! (QEMU swaps them on big-endian CPUs, Linux reads them with le32_to_cpu);
//! configuration data of other devices reaches the CPU in its own order.
//! Guest accesses are handled on the raw word a native load would see, at
//! any width and byte lane.

use alloc::vec::Vec;
use core::fmt;

use super::RefusalLog;
use crate::uasm::Endian;

/// Real GT-64120 register access, implemented by the firmware (raw words,
/// as a native 32-bit load or store at that offset of the block sees them).
pub trait GtHardware {
    fn gt_read_raw(&mut self, offset: u32) -> u32;
    fn gt_write_raw(&mut self, offset: u32, raw: u32);
    fn log(&mut self, message: fmt::Arguments<'_>);
}

/// GT-64120 register offsets (GT-64120 datasheet; Linux asm/gt64120.h).
pub const GT_PCI0IOLD: u32 = 0x048;
pub const GT_PCI0IOHD: u32 = 0x050;
pub const GT_PCI0M0LD: u32 = 0x058;
pub const GT_PCI0M0HD: u32 = 0x060;
pub const GT_ISD: u32 = 0x068;
pub const GT_PCI0IOREMAP: u32 = 0x0f0;
pub const GT_PCI0_CMD: u32 = 0xc00;
pub const GT_INTRCAUSE: u32 = 0xc18;
pub const GT_PCI0_IACK: u32 = 0xc34;
pub const GT_PCI0_CFGADDR: u32 = 0xcf8;
pub const GT_PCI0_CFGDATA: u32 = 0xcfc;
/// Bytes of the GT's register block.
pub const GT_BLOCK_BYTES: u32 = 0x1000;
/// INTRCAUSE: PCI0 master abort and target abort.
const INTRCAUSE_MASTER_ABORT0: u32 = 1 << 18;
const INTRCAUSE_TARGET_ABORT0: u32 = 1 << 19;
const CFGADDR_ENABLE: u32 = 1 << 31;

/// The fixed PCI windows on Malta (PCI addresses = CPU physical - window base):
/// what QEMU's -kernel loader (and the monitor's flash firmware) leave.
pub const PCI_IO_BYTES: u32 = 0x20_0000;
pub const PCI_MEM_START: u32 = 0x1000_0000;
pub const PCI_MEM_END: u32 = 0x1800_0000;
/// Below this PCI I/O address lie the ISA devices, reached by allow-list only.
pub const ISA_IO_END: u32 = 0x1000;
/// Where Linux's Malta fixup puts the PIIX4 PM block and the monitor watches PMCNTRL.
pub const PIIX4_PM_BASE: u32 = 0x1000;

/// One configuration address on bus 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Function {
    pub device: u8,
    pub function: u8,
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "00:{:02x}.{}", self.device, self.function)
    }
}

impl Function {
    fn cfgaddr(self, register: u8) -> u32 {
        CFGADDR_ENABLE | (self.device as u32) << 11 | (self.function as u32) << 8 | (register as u32 & 0xfc)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BarKind {
    Absent,
    Io,
    Memory,
}

/// A virtual BAR: where the device really decodes, and the sizing protocol.
#[derive(Clone, Copy, Debug)]
struct Bar {
    kind: BarKind,
    /// Address bits the BAR implements (sizing answer without the type bits).
    mask: u32,
    /// Type bits (bit 0 I/O; prefetch and type for memory).
    flags: u32,
    /// The address the guest last set (0: unassigned).
    address: u32,
    /// The guest wrote all ones and reads the size next.
    sizing: bool,
}

impl Bar {
    const ABSENT: Bar = Bar { kind: BarKind::Absent, mask: 0, flags: 0, address: 0, sizing: false };

    fn read(&self) -> u32 {
        match (self.kind, self.sizing) {
            (BarKind::Absent, _) => 0,
            (_, true) => self.mask | self.flags,
            (_, false) => self.address | self.flags,
        }
    }

    /// The range a BAR at `address` would decode, if it lies where the
    /// guest may put it: inside the fixed window, I/O above the ISA ports.
    fn allowed(&self, address: u32) -> bool {
        let size = (!self.mask).wrapping_add(1) as u64;
        let (start, end) = (address as u64, address as u64 + size);
        match self.kind {
            BarKind::Io => start >= ISA_IO_END as u64 && end <= PCI_IO_BYTES as u64,
            BarKind::Memory => start >= PCI_MEM_START as u64 && end <= PCI_MEM_END as u64,
            BarKind::Absent => false,
        }
    }
}

/// What a device is, for its device-specific register policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    HostBridge,
    Piix4Isa,
    Piix4Ide,
    Piix4Usb,
    Piix4Pm,
    Other,
}

const PIIX4_VENDOR: u32 = 0x8086;

impl Role {
    fn of(id: u32, device: u8) -> Role {
        match (id & 0xffff, id >> 16) {
            _ if device == 0 => Role::HostBridge,
            (PIIX4_VENDOR, 0x7110) => Role::Piix4Isa,
            (PIIX4_VENDOR, 0x7111) => Role::Piix4Ide,
            (PIIX4_VENDOR, 0x7112) => Role::Piix4Usb,
            (PIIX4_VENDOR, 0x7113) => Role::Piix4Pm,
            _ => Role::Other,
        }
    }

    /// The bits of device-specific dword `register` (0x40-0xFF) whose
    /// writes reach the device: routing, timing and chipset tuning, none of
    /// them able to move a decoder or start DMA (PIIX4 datasheet).
    fn writable_bits(self, register: u8) -> u32 {
        match (self, register) {
            // PIRQ routing to the ISA interrupt controllers; serial IRQ control.
            (Role::Piix4Isa, 0x60) => u32::MAX,
            (Role::Piix4Isa, 0x64) => 0xff,
            // Top of memory (0x69): which ISA DMA cycles go to RAM; the
            // i8237 itself is refused, so nothing can start such a cycle.
            (Role::Piix4Isa, 0x68) => 0xff00,
            // Deterministic latency control (0x82).
            (Role::Piix4Isa, 0x80) => 0x00ff_0000,
            // GENCFG: the serial IRQ enable bit only.
            (Role::Piix4Isa, 0xb0) => 0x0001_0000,
            // IDE timing; without BAR4 (hidden) no bus-master transfer can start.
            (Role::Piix4Ide, 0x40 | 0x44 | 0x48) => u32::MAX,
            // USB legacy support (keyboard emulation off).
            (Role::Piix4Usb, 0xc0) => 0xffff,
            // PM I/O enable (PMREGMISC) and SMBus host configuration (0xD2).
            (Role::Piix4Pm, 0x80) => 0xff,
            (Role::Piix4Pm, 0xd0) => 0x00ff_0000,
            _ => 0,
        }
    }
}

/// A real function on bus 0 and its virtual configuration state.
#[derive(Clone, Debug)]
struct VirtualFunction {
    at: Function,
    role: Role,
    bars: [Bar; 6],
    /// PIIX4 PM and SMBus I/O bases (function 3, 0x40 and 0x90), checked like BARs.
    io_bases: [(u8, Bar); 2],
}

/// The virtual chipset the run loop owns.
pub struct Chipset {
    endian: Endian,
    /// Raw words of the GT's registers at boot, as the guest reads them back.
    frozen: Vec<u32>,
    /// The guest's configuration address register (raw).
    cfgaddr_raw: u32,
    /// The guest's view of INTRCAUSE: master abort after an absent device.
    master_abort: bool,
    functions: Vec<VirtualFunction>,
    pub refusals: RefusalLog,
}

/// Command register (low half of dword 0x04): Bus Master Enable.
const COMMAND_BUS_MASTER: u32 = 1 << 2;

impl Chipset {
    /// Takes over the GT as the loader left it: freezes its registers,
    /// finds the functions on bus 0, sizes their BARs and turns bus
    /// mastering off everywhere.
    pub fn boot(hw: &mut dyn GtHardware, endian: Endian) -> Chipset {
        // PCI I/O address 0 at the window's base, as YAMON leaves it: QEMU's
        // GT copies the window base into the remap register, and Linux
        // would take that for the PCI address of port 0.
        hw.gt_write_raw(GT_PCI0IOREMAP, 0);
        let frozen = (0..GT_BLOCK_BYTES / 4)
            .map(|i| match i * 4 {
                // Reading these has side effects (interrupt acknowledge) or
                // no meaning (the data register of an arbitrary address).
                GT_PCI0_IACK | GT_PCI0_CFGDATA => 0,
                offset => hw.gt_read_raw(offset),
            })
            .collect();
        let mut chipset = Chipset {
            endian,
            frozen,
            cfgaddr_raw: 0,
            master_abort: false,
            functions: Vec::new(),
            refusals: RefusalLog::default(),
        };
        for device in 0..32u8 {
            for function in 0..8u8 {
                let at = Function { device, function };
                let Some(id) = chipset.real_config_read(hw, at, 0x00) else {
                    if function == 0 {
                        break;
                    }
                    continue;
                };
                if id == u32::MAX {
                    continue;
                }
                let header = chipset.real_config_read(hw, at, 0x0c).unwrap_or(0);
                let role = Role::of(id, device);
                let vf = chipset.take_over(hw, at, role);
                chipset.functions.push(vf);
                if function == 0 && header & (1 << 23) == 0 {
                    break;
                }
            }
        }
        chipset
    }

    /// The GT registers that differ from the layout the allow-list assumes
    /// (ISD at 0x1be00000, PCI I/O at 0x18000000, PCI memory at 0x10000000).
    pub fn unexpected_windows(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        // Decode registers hold address bits 35:21 (GT-64120 datasheet).
        [
            (GT_ISD, super::GT_BASE >> 21),
            (GT_PCI0IOLD, super::PCI_IO_BASE >> 21),
            (GT_PCI0M0LD, PCI_MEM_START >> 21),
        ]
        .into_iter()
        .map(|(offset, expected)| (offset, self.gt_value(self.frozen[(offset / 4) as usize]), expected))
        .filter(|(_, found, expected)| found != expected)
        .map(|(offset, found, _)| (offset, found))
    }

    /// How many functions on bus 0 the guest sees.
    pub fn function_count(&self) -> usize {
        self.functions.len()
    }

    fn take_over(&mut self, hw: &mut dyn GtHardware, at: Function, role: Role) -> VirtualFunction {
        let command = self.real_config_read(hw, at, 0x04).unwrap_or(0);
        self.real_config_write(hw, at, 0x04, command & !COMMAND_BUS_MASTER & 0xffff);
        let mut bars = [Bar::ABSENT; 6];
        // The host bridge's BARs describe how PCI masters reach RAM: with no
        // bus master allowed, the guest has no use for them.
        if role != Role::HostBridge {
            for (index, bar) in bars.iter_mut().enumerate() {
                // PIIX4 IDE BAR4 is the bus-master block: hidden, so drivers use PIO.
                if role == Role::Piix4Ide && index == 4 {
                    continue;
                }
                *bar = self.size_bar(hw, at, 0x10 + 4 * index as u8);
            }
        }
        let mut io_bases = [(0x40, Bar::ABSENT), (0x90, Bar::ABSENT)];
        if role == Role::Piix4Pm {
            // PMBA: 64 bytes of I/O; SMBBA: 16 (PIIX4 datasheet).
            io_bases[0].1 = self.io_base(hw, at, 0x40, !0x3f);
            io_bases[1].1 = self.io_base(hw, at, 0x90, !0xf);
        }
        VirtualFunction { at, role, bars, io_bases }
    }

    fn io_base(&mut self, hw: &mut dyn GtHardware, at: Function, register: u8, mask: u32) -> Bar {
        let value = self.real_config_read(hw, at, register).unwrap_or(0);
        Bar { kind: BarKind::Io, mask, flags: 1, address: value & mask & 0xffff, sizing: false }
    }

    fn size_bar(&mut self, hw: &mut dyn GtHardware, at: Function, register: u8) -> Bar {
        let original = self.real_config_read(hw, at, register).unwrap_or(0);
        self.real_config_write(hw, at, register, u32::MAX);
        let sized = self.real_config_read(hw, at, register).unwrap_or(0);
        self.real_config_write(hw, at, register, original);
        let (kind, flags_mask) = if sized & 1 != 0 { (BarKind::Io, 0x3) } else { (BarKind::Memory, 0xf) };
        let mask = sized & !flags_mask;
        // Only 32-bit BARs below 4 GiB exist behind the GT; others stay hidden.
        let memory64 = kind == BarKind::Memory && sized & 0x6 != 0;
        if mask == 0 || memory64 {
            return Bar::ABSENT;
        }
        let mask = if kind == BarKind::Io { mask | 0xffff_0000 } else { mask };
        Bar { kind, mask, flags: sized & flags_mask, address: original & mask, sizing: false }
    }

    fn gt_value(&self, raw: u32) -> u32 {
        match self.endian {
            Endian::Big => raw.swap_bytes(),
            Endian::Little => raw,
        }
    }

    /// Configuration data: the GT's own (device 0) is little-endian like
    /// its registers; other devices' reach the CPU in its own order.
    fn data_value(&self, at: Function, raw: u32) -> u32 {
        if at.device == 0 {
            self.gt_value(raw)
        } else {
            raw
        }
    }

    fn real_config_read(&self, hw: &mut dyn GtHardware, at: Function, register: u8) -> Option<u32> {
        let clear = self.gt_value(!(INTRCAUSE_MASTER_ABORT0 | INTRCAUSE_TARGET_ABORT0));
        hw.gt_write_raw(GT_INTRCAUSE, clear);
        hw.gt_write_raw(GT_PCI0_CFGADDR, self.gt_value(at.cfgaddr(register)));
        let raw = hw.gt_read_raw(GT_PCI0_CFGDATA);
        let cause = self.gt_value(hw.gt_read_raw(GT_INTRCAUSE));
        hw.gt_write_raw(GT_INTRCAUSE, clear);
        if cause & (INTRCAUSE_MASTER_ABORT0 | INTRCAUSE_TARGET_ABORT0) != 0 {
            return None;
        }
        Some(self.data_value(at, raw))
    }

    fn real_config_write(&self, hw: &mut dyn GtHardware, at: Function, register: u8, value: u32) {
        hw.gt_write_raw(GT_PCI0_CFGADDR, self.gt_value(at.cfgaddr(register)));
        hw.gt_write_raw(GT_PCI0_CFGDATA, self.data_value(at, value));
    }

    /// The function and register the guest's configuration address names,
    /// if it is an enabled type-0 address of a function that exists.
    fn addressed(&self) -> Option<(usize, u8)> {
        let address = self.gt_value(self.cfgaddr_raw);
        let bus = (address >> 16) & 0xff;
        if address & CFGADDR_ENABLE == 0 || bus != 0 {
            return None;
        }
        let at = Function { device: (address >> 11 & 0x1f) as u8, function: (address >> 8 & 0x7) as u8 };
        let index = self.functions.iter().position(|f| f.at == at)?;
        Some((index, (address & 0xfc) as u8))
    }

    /// A guest read of `width` bytes at `offset` in the GT's register block:
    /// the value in the low bits, as the guest's load would see it.
    pub fn read(&mut self, hw: &mut dyn GtHardware, offset: u32, width: u32) -> u32 {
        let word = offset & !3;
        let raw = match word {
            GT_PCI0_CFGADDR => self.cfgaddr_raw,
            GT_PCI0_CFGDATA => self.config_data_read(hw),
            GT_PCI0_IACK => hw.gt_read_raw(GT_PCI0_IACK),
            GT_INTRCAUSE => {
                let abort = if self.master_abort { INTRCAUSE_MASTER_ABORT0 } else { 0 };
                self.gt_value(abort)
            }
            _ => self.frozen.get((word / 4) as usize).copied().unwrap_or(u32::MAX),
        };
        lane_of(raw, offset, width, self.endian)
    }

    /// A guest write of `width` bytes at `offset` in the GT's register block.
    pub fn write(&mut self, hw: &mut dyn GtHardware, offset: u32, width: u32, value: u32) {
        let word = offset & !3;
        match word {
            GT_PCI0_CFGADDR => {
                self.cfgaddr_raw = merge_lane(self.cfgaddr_raw, offset, width, value, self.endian)
            }
            GT_PCI0_CFGDATA => self.config_data_write(hw, offset, width, value),
            // Writing zeros clears cause bits; the guest only ever clears its master abort.
            GT_INTRCAUSE => {
                let written = self.gt_value(merge_lane(u32::MAX, offset, width, value, self.endian));
                if written & INTRCAUSE_MASTER_ABORT0 == 0 {
                    self.master_abort = false;
                }
            }
            _ => {
                let physical = super::GT_BASE + offset;
                let index = (word / 4) as usize;
                let frozen = self.frozen.get(index).copied().unwrap_or(0);
                // Writing back what the register holds (Linux's set-up does) changes nothing.
                if merge_lane(frozen, offset, width, value, self.endian) != frozen {
                    let why = format_args!(
                        "GT-64120 register {word:#05x} is fixed by the monitor (value {value:#x})"
                    );
                    self.refusals.refuse(hw, "write", width, physical, why);
                }
            }
        }
    }

    fn config_data_read(&mut self, hw: &mut dyn GtHardware) -> u32 {
        let Some((index, register)) = self.addressed() else {
            self.master_abort = true;
            return u32::MAX;
        };
        let at = self.functions[index].at;
        let value = match register {
            0x10..=0x27 => self.functions[index].bars[(register as usize - 0x10) / 4].read(),
            // No expansion ROM is offered.
            0x30 => 0,
            0x04 => self.real_config_read(hw, at, register).unwrap_or(u32::MAX) & !COMMAND_BUS_MASTER,
            _ => match self.functions[index]
                .io_bases
                .iter()
                .find(|(r, bar)| *r == register && bar.kind != BarKind::Absent)
            {
                Some((_, bar)) => bar.read(),
                None => self.real_config_read(hw, at, register).unwrap_or(u32::MAX),
            },
        };
        self.data_value(at, value)
    }

    fn config_data_write(&mut self, hw: &mut dyn GtHardware, offset: u32, width: u32, value: u32) {
        let Some((index, register)) = self.addressed() else {
            self.master_abort = true;
            return;
        };
        let at = self.functions[index].at;
        // The whole register as the guest means it, its other lanes as they read now.
        let current = self.config_data_read(hw);
        let current_value = self.data_value(at, current);
        let value = self.data_value(at, merge_lane(current, offset, width, value, self.endian));
        let physical = super::GT_BASE + offset;
        match register {
            0x04 => {
                // Status bits are write-one-to-clear: only the written lanes may clear them.
                let status_written =
                    lane_mask(offset, width, self.endian, self.data_value(at, 0xffff_0000)) != 0;
                let status = if status_written { value & 0xffff_0000 } else { 0 };
                let command = value & 0xffff & !COMMAND_BUS_MASTER;
                self.real_config_write(hw, at, register, status | command);
            }
            0x10..=0x27 => {
                let bar = &mut self.functions[index].bars[(register as usize - 0x10) / 4];
                if let Some(address) = bar_write(bar, value) {
                    self.real_config_write(hw, at, register, address);
                } else if bar.kind != BarKind::Absent && !bar.sizing && value & bar.mask != 0 {
                    let why = format_args!(
                        "BAR {register:#04x} of {at} at {value:#x}, outside the fixed PCI window"
                    );
                    self.refusals.refuse(hw, "write", width, physical, why);
                }
            }
            0x0c | 0x3c => {
                // Cache line size, latency timer, interrupt line: plain settings.
                self.real_config_write(hw, at, register, value);
            }
            _ => {
                let role = self.functions[index].role;
                let base = self.functions[index]
                    .io_bases
                    .iter()
                    .position(|(r, bar)| *r == register && bar.kind != BarKind::Absent);
                if let Some(slot) = base {
                    self.io_base_write(hw, index, slot, value, width, physical);
                } else if register >= 0x40 {
                    let mask = role.writable_bits(register);
                    let real = if mask == 0 {
                        current_value
                    } else {
                        self.real_config_read(hw, at, register).unwrap_or(0)
                    };
                    if mask != 0 {
                        self.real_config_write(hw, at, register, (real & !mask) | (value & mask));
                    }
                    if (value ^ real) & !mask != 0 {
                        let why = format_args!("configuration register {register:#04x} of {at} is not writable (value {value:#x})");
                        self.refusals.refuse(hw, "write", width, physical, why);
                    }
                }
                // Identity, class, header and expansion ROM (0x00-0x3f): read-only.
            }
        }
    }
}

impl Chipset {
    /// A guest write of a PIIX4 I/O base (PMBA, SMBBA): checked like a BAR;
    /// the PM block stays where the monitor watches PMCNTRL.
    fn io_base_write(
        &mut self,
        hw: &mut dyn GtHardware,
        index: usize,
        slot: usize,
        value: u32,
        width: u32,
        physical: u32,
    ) {
        let (register, mut bar) = self.functions[index].io_bases[slot];
        let at = self.functions[index].at;
        let requested = value & bar.mask & 0xffff;
        let pinned = register == 0x40 && requested != PIIX4_PM_BASE;
        match bar_write(&mut bar, value) {
            Some(address) if !pinned => self.real_config_write(hw, at, register, address | 1),
            _ if bar.sizing || requested == 0 => {}
            _ => {
                bar.address = self.real_config_read(hw, at, register).unwrap_or(0) & bar.mask & 0xffff;
                let why = format_args!("PIIX4 I/O base {register:#04x} of {at} moved to {value:#x}");
                self.refusals.refuse(hw, "write", width, physical, why);
            }
        }
        self.functions[index].io_bases[slot].1 = bar;
    }
}

/// Applies a guest BAR write: the sizing protocol, or a new address if it
/// is allowed (returned for the real BAR); 0 unassigns it virtually only.
fn bar_write(bar: &mut Bar, value: u32) -> Option<u32> {
    bar.sizing = false;
    if bar.kind == BarKind::Absent {
        return None;
    }
    let address = value & bar.mask;
    if address == bar.mask {
        bar.sizing = true;
        return None;
    }
    if address == 0 {
        bar.address = 0;
        return None;
    }
    if !bar.allowed(address) {
        return None;
    }
    bar.address = address;
    Some(address)
}

/// Byte offset of lane `offset & 3` in a raw word's value bits.
fn lane_shift(offset: u32, width: u32, endian: Endian) -> u32 {
    let lane = offset & 3;
    match endian {
        Endian::Little => 8 * lane,
        Endian::Big => 8 * (4 - lane - width.min(4 - lane)),
    }
}

fn width_mask(width: u32) -> u32 {
    if width >= 4 {
        u32::MAX
    } else {
        (1 << (8 * width)) - 1
    }
}

fn lane_mask(offset: u32, width: u32, endian: Endian, bits: u32) -> u32 {
    (width_mask(width) << lane_shift(offset, width, endian)) & bits
}

/// What a `width`-byte load at `offset` returns from a register holding `raw`.
fn lane_of(raw: u32, offset: u32, width: u32, endian: Endian) -> u32 {
    (raw >> lane_shift(offset, width, endian)) & width_mask(width)
}

/// `raw` after a `width`-byte store of `value` at `offset`.
fn merge_lane(raw: u32, offset: u32, width: u32, value: u32, endian: Endian) -> u32 {
    let shift = lane_shift(offset, width, endian);
    let mask = width_mask(width) << shift;
    (raw & !mask) | ((value & width_mask(width)) << shift & mask)
}

#[cfg(test)]
mod tests;
