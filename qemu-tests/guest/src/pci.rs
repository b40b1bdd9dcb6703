//! The `pci` command: bus 0's configuration space through the GT-64120's
//! CF8/CFC mechanism, as Linux's ops-gt64xxx_pci0 reaches it. Under
//! mipsvisor this is the monitor's virtual host bridge, so guest_smoke
//! compares the listing natively and under the monitor.

use core::ptr::{read_volatile, write_volatile};

use crate::platform::PLATFORM;

/// The GT-64120's registers (physical 0x1BE00000) through KSEG1.
const GT: usize = 0xBBE0_0000;
const INTRCAUSE: usize = 0xc18;
const CFGADDR: usize = 0xcf8;
const CFGDATA: usize = 0xcfc;
const MASTER_ABORT: u32 = 1 << 18;

fn raw_read(offset: usize) -> u32 {
    // SAFETY: a register of the board's system controller.
    unsafe { read_volatile((GT + offset) as *const u32) }
}

fn raw_write(offset: usize, value: u32) {
    // SAFETY: as for `raw_read`.
    unsafe { write_volatile((GT + offset) as *mut u32, value) }
}

/// The GT's own registers are little-endian on the bus.
fn gt_read(offset: usize) -> u32 {
    u32::from_le(raw_read(offset))
}

fn gt_write(offset: usize, value: u32) {
    raw_write(offset, value.to_le())
}

/// Dword `register` of bus 0 `device`.`function`; `None` on a master abort.
fn config_read(device: u32, function: u32, register: u32) -> Option<u32> {
    gt_write(INTRCAUSE, !MASTER_ABORT);
    gt_write(CFGADDR, 1 << 31 | device << 11 | function << 8 | register);
    // The GT's own configuration data is little-endian like its registers.
    let value = if device == 0 { gt_read(CFGDATA) } else { raw_read(CFGDATA) };
    if gt_read(INTRCAUSE) & MASTER_ABORT != 0 {
        gt_write(INTRCAUSE, !MASTER_ABORT);
        return None;
    }
    Some(value)
}

pub fn list(_: &str) {
    if !PLATFORM.gt64120_pci {
        println!("pci: skipped on {} (no GT-64120 here; its PCIe root ports are not listed)", PLATFORM.name);
        return;
    }
    // Device 31 is the GT's own window on the CPU bus: Linux never scans it.
    for device in 0..31 {
        for function in 0..8 {
            let Some(id) = config_read(device, function, 0x00).filter(|&id| id != u32::MAX) else {
                if function == 0 {
                    break;
                }
                continue;
            };
            let command = config_read(device, function, 0x04).unwrap_or(0) & 0xffff;
            let class = config_read(device, function, 0x08).unwrap_or(0) >> 8;
            println!(
                "pci 00:{device:02x}.{function} id {:04x}:{:04x} class {class:06x} command {command:04x}",
                id & 0xffff,
                id >> 16
            );
            print!("pci 00:{device:02x}.{function} bars");
            for register in (0x10..0x28).step_by(4) {
                print!(" {:08x}", config_read(device, function, register).unwrap_or(u32::MAX));
            }
            println!();
            let header = config_read(device, function, 0x0c).unwrap_or(0);
            if function == 0 && header & (1 << 23) == 0 {
                break;
            }
        }
    }
}
