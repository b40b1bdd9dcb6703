//! The YAMON-style boot arguments a Malta kernel reads at entry, written into
//! guest RAM in the shape QEMU's Malta loader gives them (linux-guest.md):
//! a0 = argc, a1 = argv, a2 = envp, a3 = RAM bytes, with argv[0] the image
//! name, argv[1] the whole command line, then the environment as
//! name/value pointer pairs ended by a null pointer. argv and envp share one
//! pointer table (envp = argv + 8), as QEMU lays them out.
//!
//! Pointers are real-KSEG0 addresses, 0x80000000 | guest physical: Linux
//! ignores argv/envp below 0x80000000, and the monitor serves guest accesses
//! there from guest RAM. A guest of ours reads the same bytes through guest
//! KSEG0 at pointer - 0x40000000.

use alloc::string::ToString;
use core::fmt;
use core::ops::Range;

use super::image::LoadedRange;
use crate::uasm::Endian;
use crate::vcpu::guest_layout::REAL_KSEG0_BASE;

/// Guest physical base of the block: where QEMU's Malta loader puts it
/// (ENVP_PADDR), so a guest sees the same addresses natively and under the
/// monitor; below the kernel at 1 MiB and above the vector copies Linux makes
/// at 0x300/0x380, and away from the top of RAM where initrds and Linux's
/// early top-down allocations go.
pub const BOOT_BLOCK_PHYS: u32 = 0x2000;
/// The block owns [BOOT_BLOCK_PHYS, + this): room for Linux's longest
/// command line (COMMAND_LINE_SIZE 4096) with the table and environment.
pub const BOOT_BLOCK_BYTES: u32 = 0x2000;

/// Malta's YAMON console setting: 38400 baud, no parity, 8 bits, RTS/CTS.
const MODETTY0: &str = "38400n8r";
/// argv[0] and argv[1].
const ARGC: u32 = 2;

/// What the block tells the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootBlock<'a> {
    /// argv[0]: the image's name (QEMU passes the -kernel file name).
    pub image_name: &'a str,
    /// argv[1]: the whole command line as one string, as QEMU passes -append.
    pub cmdline: &'a str,
}

/// The guest's a0..a3 at entry. 32-bit values: a MIPS64 monitor sign-extends
/// them into the (32-bit) guest's registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootRegisters {
    pub a0: u32,
    pub a1: u32,
    pub a2: u32,
    pub a3: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BootBlockError {
    /// Guest RAM ends before the block's area does.
    GuestRamTooSmall { ram_bytes: usize },
    /// A loaded segment covers part of the block's area.
    OverlapsImage { segment: Range<u32> },
    /// The strings and table do not fit in BOOT_BLOCK_BYTES.
    TooLarge { needed: usize },
    /// A string holds a NUL byte, which would cut it short.
    NulInString { which: &'static str },
}

impl fmt::Display for BootBlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let area = BOOT_BLOCK_PHYS..BOOT_BLOCK_PHYS + BOOT_BLOCK_BYTES;
        match self {
            BootBlockError::GuestRamTooSmall { ram_bytes } => write!(
                f,
                "guest RAM of {ram_bytes:#x} bytes does not reach the boot argument area {:#x}..{:#x}",
                area.start, area.end
            ),
            BootBlockError::OverlapsImage { segment } => write!(
                f,
                "guest image at guest physical {:#x}..{:#x} overlaps the boot argument area {:#x}..{:#x}",
                segment.start, segment.end, area.start, area.end
            ),
            BootBlockError::TooLarge { needed } => write!(
                f,
                "boot arguments need {needed} bytes, more than the {BOOT_BLOCK_BYTES} of their area"
            ),
            BootBlockError::NulInString { which } => write!(f, "boot argument {which} contains a NUL byte"),
        }
    }
}

/// The real-KSEG0 address of guest physical `phys`.
const fn kseg0(phys: u32) -> u32 {
    REAL_KSEG0_BASE | phys
}

impl BootBlock<'_> {
    /// Writes the block into `guest_ram` (guest physical 0 at index 0) in the
    /// guest's byte order and returns a0..a3. `memsize`, `ememsize` and a3
    /// are the length of `guest_ram`; `loaded` are the image's ranges, which
    /// must stay clear of the block.
    pub fn write_into(
        &self,
        guest_ram: &mut [u8],
        endian: Endian,
        loaded: &[LoadedRange],
    ) -> Result<BootRegisters, BootBlockError> {
        let area = BOOT_BLOCK_PHYS..BOOT_BLOCK_PHYS + BOOT_BLOCK_BYTES;
        if (guest_ram.len() as u64) < area.end as u64 {
            return Err(BootBlockError::GuestRamTooSmall { ram_bytes: guest_ram.len() });
        }
        if let Some(range) = loaded.iter().find(|r| r.phys.start < area.end && area.start < r.phys.end) {
            return Err(BootBlockError::OverlapsImage { segment: range.phys.clone() });
        }
        // Guest RAM lies in the 512 MiB of guest KSEG0, so its size fits.
        let ram_bytes = u32::try_from(guest_ram.len()).unwrap_or(u32::MAX);
        let memsize = ram_bytes.to_string();
        // Linux 5.10 reads `ememsize` before `memsize`; both say the same so
        // neither can hand it memory outside guest RAM.
        let strings: [(&str, &'static str); 8] = [
            (self.image_name, "argv[0] (image name)"),
            (self.cmdline, "argv[1] (command line)"),
            ("memsize", "memsize"),
            (&memsize, "memsize"),
            ("ememsize", "ememsize"),
            (&memsize, "ememsize"),
            ("modetty0", "modetty0"),
            (MODETTY0, "modetty0"),
        ];
        if let Some((_, which)) = strings.iter().find(|(text, _)| text.contains('\0')) {
            return Err(BootBlockError::NulInString { which });
        }

        // One table of pointers (argv, then envp pairs, then a null pointer),
        // then the strings, packed and NUL-terminated.
        let table_bytes = (strings.len() + 1) * 4;
        let needed = table_bytes + strings.iter().map(|(text, _)| text.len() + 1).sum::<usize>();
        if needed > BOOT_BLOCK_BYTES as usize {
            return Err(BootBlockError::TooLarge { needed });
        }
        let block = &mut guest_ram[area.start as usize..area.end as usize];
        block.fill(0);
        let mut string_at = table_bytes;
        for (slot, (text, _)) in strings.iter().enumerate() {
            let pointer = kseg0(BOOT_BLOCK_PHYS + string_at as u32);
            block[slot * 4..slot * 4 + 4].copy_from_slice(&endian.word_bytes(pointer));
            block[string_at..string_at + text.len()].copy_from_slice(text.as_bytes());
            // The terminating NUL is already there from the fill.
            string_at += text.len() + 1;
        }
        // The final null pointer is already there from the fill too.
        let argv = kseg0(BOOT_BLOCK_PHYS);
        Ok(BootRegisters { a0: ARGC, a1: argv, a2: argv + ARGC * 4, a3: ram_bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bootargs::{BootInfo, BootProtocol, LoaderMemory};
    use alloc::string::String;
    use alloc::vec;
    use alloc::vec::Vec;

    const RAM: usize = 1 << 20;

    /// Guest RAM as the guest reads it through real KSEG0, in its byte order.
    struct GuestRamView<'a> {
        ram: &'a [u8],
        endian: Endian,
    }

    impl GuestRamView<'_> {
        /// Only real-KSEG0 addresses (sign-extended, as bootargs keeps them).
        fn phys(&self, addr: u64, len: usize) -> Option<usize> {
            let low = addr as u32;
            if addr != low as i32 as i64 as u64 || !(0x8000_0000..0xa000_0000).contains(&low) {
                return None;
            }
            let phys = (low - 0x8000_0000) as usize;
            (phys + len <= self.ram.len()).then_some(phys)
        }
    }

    impl LoaderMemory for GuestRamView<'_> {
        fn read_u32(&self, addr: u64) -> Option<u32> {
            let p = self.phys(addr, 4)?;
            let bytes: [u8; 4] = self.ram[p..p + 4].try_into().ok()?;
            Some(match self.endian {
                Endian::Big => u32::from_be_bytes(bytes),
                Endian::Little => u32::from_le_bytes(bytes),
            })
        }
        fn read_u8(&self, addr: u64) -> Option<u8> {
            Some(self.ram[self.phys(addr, 1)?])
        }
        fn slice(&self, addr: u64, len: u32) -> Option<&[u8]> {
            let p = self.phys(addr, len as usize)?;
            Some(&self.ram[p..p + len as usize])
        }
    }

    /// Linux's reading of YAMON arguments (arch/mips/fw/lib/cmdline.c):
    /// pointers below CKSEG0 are ignored, argc is a0's low 16 bits, argv[1..]
    /// joined by spaces form the command line, envp holds name/value pointer
    /// pairs until a null name pointer.
    struct LinuxView {
        cmdline: String,
        env: Vec<(String, String)>,
    }

    fn read_linux_view(view: &GuestRamView<'_>, regs: BootRegisters) -> LinuxView {
        const CKSEG0: u32 = 0x8000_0000;
        let string = |ptr: u32| -> String {
            let mut out = String::new();
            let mut addr = ptr as i32 as i64 as u64;
            while let Some(byte) = view.read_u8(addr).filter(|&b| b != 0) {
                out.push(byte as char);
                addr += 1;
            }
            out
        };
        let word = |addr: u32| view.read_u32(addr as i32 as i64 as u64).expect("table word readable");
        assert!(regs.a0 < CKSEG0 && regs.a1 >= CKSEG0, "Linux would drop argv: a0 {regs:x?}");
        assert!(regs.a2 >= CKSEG0, "Linux would drop envp: {regs:x?}");
        let argc = regs.a0 & 0xffff;
        let words: Vec<String> = (1..argc).map(|i| string(word(regs.a1 + 4 * i))).collect();
        let mut env = Vec::new();
        let mut at = regs.a2;
        while word(at) != 0 {
            env.push((string(word(at)), string(word(at + 4))));
            at += 8;
        }
        LinuxView { cmdline: words.join(" "), env }
    }

    fn written(endian: Endian, cmdline: &str) -> (Vec<u8>, BootRegisters) {
        let mut ram = vec![0xa5u8; RAM];
        let block = BootBlock { image_name: "vmlinux", cmdline };
        let regs = block.write_into(&mut ram, endian, &[]).unwrap();
        (ram, regs)
    }

    #[test]
    fn registers_match_qemus_malta_loader() {
        // QEMU 7.2 hw/mips/malta.c: a0 = 2, a1 = ENVP_VADDR (KSEG0 of 0x2000),
        // a2 = ENVP_VADDR + 8, a3 = RAM size.
        let (_, regs) = written(Endian::Big, "console=ttyS0");
        assert_eq!(regs, BootRegisters { a0: 2, a1: 0x8000_2000, a2: 0x8000_2008, a3: RAM as u32 });
    }

    #[test]
    fn linux_reads_cmdline_and_environment_in_both_byte_orders() {
        for endian in [Endian::Big, Endian::Little] {
            let (ram, regs) = written(endian, "console=ttyS0 rdinit=/init");
            let linux = read_linux_view(&GuestRamView { ram: &ram, endian }, regs);
            assert_eq!(linux.cmdline, "console=ttyS0 rdinit=/init", "{endian:?}");
            let env: Vec<(&str, &str)> = linux.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            assert_eq!(
                env,
                [("memsize", "1048576"), ("ememsize", "1048576"), ("modetty0", "38400n8r")],
                "{endian:?}"
            );
        }
    }

    #[test]
    fn pointers_are_stored_in_the_guests_byte_order() {
        // argv[0] points just past the 9-entry table: 0x80002000 + 36.
        let (be, _) = written(Endian::Big, "x");
        assert_eq!(be[0x2000..0x2004], [0x80, 0x00, 0x20, 0x24]);
        let (le, _) = written(Endian::Little, "x");
        assert_eq!(le[0x2000..0x2004], [0x24, 0x20, 0x00, 0x80]);
        // Read in the wrong order, the pointer is below CKSEG0: Linux would ignore it.
        let wrong = GuestRamView { ram: &le, endian: Endian::Big };
        assert!(wrong.read_u32(0xffff_ffff_8000_2000).unwrap() < 0x8000_0000);
    }

    #[test]
    fn the_monitors_own_yamon_parser_agrees() {
        for endian in [Endian::Big, Endian::Little] {
            let (ram, regs) = written(endian, "selftest=fault console=ttyS0");
            let protocol =
                BootProtocol::from_registers(regs.a0 as u64, regs.a1 as u64, regs.a2 as u64, regs.a3 as u64);
            let info = BootInfo::parse(protocol, &GuestRamView { ram: &ram, endian }).unwrap();
            assert_eq!(info.cmdline, "selftest=fault console=ttyS0");
            assert_eq!(info.low_ram_bytes, Some(RAM as u64));
            assert_eq!(info.option("selftest"), Some("fault"));
        }
    }

    #[test]
    fn only_the_block_area_is_written() {
        let (ram, _) = written(Endian::Big, "a b c");
        let area = BOOT_BLOCK_PHYS as usize..(BOOT_BLOCK_PHYS + BOOT_BLOCK_BYTES) as usize;
        assert!(ram[..area.start].iter().chain(&ram[area.end..]).all(|&b| b == 0xa5));
    }

    #[test]
    fn a_full_linux_command_line_fits() {
        // Linux's MIPS COMMAND_LINE_SIZE is 4096 including the NUL.
        let long = "x".repeat(4095);
        let (ram, regs) = written(Endian::Little, &long);
        let linux = read_linux_view(&GuestRamView { ram: &ram, endian: Endian::Little }, regs);
        assert_eq!(linux.cmdline.len(), 4095);
    }

    #[test]
    fn refusals_name_the_problem() {
        let mut ram = vec![0u8; RAM];
        let block = BootBlock { image_name: "vmlinux", cmdline: "" };
        let image = [LoadedRange { vaddr: 0x4000_1000, phys: 0x1000..0x2004, executable: true }];
        let overlap = block.write_into(&mut ram, Endian::Big, &image).unwrap_err();
        assert_eq!(overlap, BootBlockError::OverlapsImage { segment: 0x1000..0x2004 });
        assert_eq!(
            overlap.to_string(),
            "guest image at guest physical 0x1000..0x2004 overlaps the boot argument area 0x2000..0x4000"
        );
        let adjacent = [LoadedRange { vaddr: 0x4000_4000, phys: 0x4000..0x5000, executable: true }];
        assert!(block.write_into(&mut ram, Endian::Big, &adjacent).is_ok());

        let mut small = vec![0u8; 0x3fff];
        assert_eq!(
            block.write_into(&mut small, Endian::Big, &[]),
            Err(BootBlockError::GuestRamTooSmall { ram_bytes: 0x3fff })
        );
        let huge = "y".repeat(BOOT_BLOCK_BYTES as usize);
        let too_large = BootBlock { image_name: "vmlinux", cmdline: &huge };
        assert!(matches!(
            too_large.write_into(&mut ram, Endian::Big, &[]),
            Err(BootBlockError::TooLarge { .. })
        ));
        let nul = BootBlock { image_name: "vmlinux", cmdline: "a\0b" };
        assert_eq!(
            nul.write_into(&mut ram, Endian::Big, &[]).unwrap_err().to_string(),
            "boot argument argv[1] (command line) contains a NUL byte"
        );
    }
}
