//! What the boot loader hands the monitor in a0-a3, for both protocols the
//! boards use: YAMON arguments on Malta, UHI with a device tree on Boston.

use alloc::string::String;
use alloc::vec::Vec;

use crate::board::Platform;

/// The boot protocol, told apart by a0: UHI puts -2 there, YAMON argc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootProtocol {
    /// a0 = argc, a1 = argv, a2 = envp (32-bit pointer tables), a3 = RAM bytes.
    Yamon { argc: u32, argv: u64, envp: u64, ram_bytes: u64 },
    /// a0 = -2, a1 = address of a flattened device tree.
    Uhi { fdt: u64 },
}

const UHI_FDT_MARKER: i32 = -2;
/// a0 of UHI's "ask the semihosting host for argv": what QEMU's Malta loader
/// leaves when `-semihosting-config enable=on` is given, while it still
/// writes its YAMON argv (image name, command line) and passes a1-a3.
const UHI_SEMIHOSTING_ARGS: i32 = -1;
/// The entries of QEMU's Malta YAMON argv table.
const QEMU_MALTA_ARGC: u32 = 2;
/// Bounds on what a loader may hand over, so a corrupt table cannot run away.
const MAX_ARGS: u32 = 64;
const MAX_STRING: usize = 4096;
/// QEMU pads its device trees to 2 MiB.
const MAX_FDT_BYTES: u32 = 4 << 20;
const FDT_MAGIC: u32 = 0xd00d_feed;
/// Separates the monitor's command-line words from the guest's.
pub const GUEST_CMDLINE_SEPARATOR: &str = "--";

/// Where the loader put the initial ramdisk (a sign-extended KSEG0 address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Initrd {
    pub address: u64,
    pub bytes: u64,
}

impl BootProtocol {
    /// Loader pointers are 32-bit compatibility-segment addresses; they are
    /// kept sign-extended, as a MIPS64 CPU holds them.
    pub fn from_registers(a0: u64, a1: u64, a2: u64, a3: u64) -> Self {
        let pointer = |r: u64| r as i32 as i64 as u64;
        if a0 as i32 == UHI_FDT_MARKER {
            BootProtocol::Uhi { fdt: pointer(a1) }
        } else {
            let argc = if a0 as i32 == UHI_SEMIHOSTING_ARGS { QEMU_MALTA_ARGC } else { a0 as u32 };
            BootProtocol::Yamon { argc, argv: pointer(a1), envp: pointer(a2), ram_bytes: a3 as u32 as u64 }
        }
    }

    pub fn platform(&self) -> Platform {
        match self {
            BootProtocol::Yamon { .. } => Platform::Malta,
            BootProtocol::Uhi { .. } => Platform::Boston,
        }
    }
}

/// Read access to the memory the loader wrote, by the loader's addresses.
/// Returns `None` for an address the monitor will not read.
pub trait LoaderMemory {
    fn read_u32(&self, addr: u64) -> Option<u32>;
    fn read_u8(&self, addr: u64) -> Option<u8>;
    /// A byte range, for the device tree.
    fn slice(&self, addr: u64, len: u32) -> Option<&[u8]>;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BootArgsError {
    UnreadableAddress(u64),
    StringTooLong(u64),
    TooManyArguments(u32),
    BadFdtMagic(u32),
    FdtTooLarge(u32),
    MalformedFdt,
    /// `rd_start=`/`rd_size=` are not numbers.
    BadInitrdWords,
}

/// What the monitor learns from the loader.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct BootInfo {
    /// The kernel command line (words separated by spaces).
    pub cmdline: String,
    /// Bytes of RAM at physical 0, if the loader said.
    pub low_ram_bytes: Option<u64>,
    /// The device tree's root `compatible`, on UHI boots.
    pub compatible: Option<String>,
}

fn read_string(mem: &dyn LoaderMemory, mut addr: u64) -> Result<String, BootArgsError> {
    let start = addr;
    let mut bytes = Vec::new();
    loop {
        let byte = mem.read_u8(addr).ok_or(BootArgsError::UnreadableAddress(addr))?;
        if byte == 0 {
            return Ok(String::from_utf8_lossy(&bytes).into_owned());
        }
        if bytes.len() == MAX_STRING {
            return Err(BootArgsError::StringTooLong(start));
        }
        bytes.push(byte);
        addr += 1;
    }
}

/// YAMON pointer tables hold 32-bit KSEG0 addresses, sign-extended on MIPS64.
fn read_pointer(mem: &dyn LoaderMemory, addr: u64) -> Result<u64, BootArgsError> {
    let raw = mem.read_u32(addr).ok_or(BootArgsError::UnreadableAddress(addr))?;
    Ok(raw as i32 as i64 as u64)
}

fn parse_yamon(
    mem: &dyn LoaderMemory,
    argc: u32,
    argv: u64,
    ram_bytes: u64,
) -> Result<BootInfo, BootArgsError> {
    if argc > MAX_ARGS {
        return Err(BootArgsError::TooManyArguments(argc));
    }
    // argv[0] names the kernel image; the command line is argv[1..].
    let mut words = Vec::new();
    for i in 1..argc {
        let pointer = read_pointer(mem, argv + 4 * i as u64)?;
        let word = read_string(mem, pointer)?;
        if !word.is_empty() {
            words.push(word);
        }
    }
    Ok(BootInfo { cmdline: words.join(" "), low_ram_bytes: Some(ram_bytes), compatible: None })
}

/// The size of the device tree at `fdt_addr`, from its header: the bytes
/// the monitor must keep until it has read them.
pub fn fdt_size(mem: &dyn LoaderMemory, fdt_addr: u64) -> Result<u32, BootArgsError> {
    let header = mem.slice(fdt_addr, 8).ok_or(BootArgsError::UnreadableAddress(fdt_addr))?;
    let magic = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
    if magic != FDT_MAGIC {
        return Err(BootArgsError::BadFdtMagic(magic));
    }
    let total = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
    if total > MAX_FDT_BYTES {
        return Err(BootArgsError::FdtTooLarge(total));
    }
    Ok(total)
}

fn parse_uhi(mem: &dyn LoaderMemory, fdt_addr: u64) -> Result<BootInfo, BootArgsError> {
    let total = fdt_size(mem, fdt_addr)?;
    let blob = mem.slice(fdt_addr, total).ok_or(BootArgsError::UnreadableAddress(fdt_addr))?;
    let fdt = fdt::Fdt::new(blob).map_err(|_| BootArgsError::MalformedFdt)?;
    let cmdline = fdt.chosen().bootargs().unwrap_or("").into();
    let low_ram_bytes = fdt
        .memory()
        .regions()
        .find(|r| r.starting_address as usize == 0)
        .and_then(|r| r.size)
        .map(|size| size as u64);
    let compatible = fdt.root().compatible().first().into();
    Ok(BootInfo { cmdline, low_ram_bytes, compatible: Some(compatible) })
}

impl BootInfo {
    pub fn parse(protocol: BootProtocol, mem: &dyn LoaderMemory) -> Result<BootInfo, BootArgsError> {
        match protocol {
            BootProtocol::Yamon { argc, argv, ram_bytes, .. } => parse_yamon(mem, argc, argv, ram_bytes),
            BootProtocol::Uhi { fdt } => parse_uhi(mem, fdt),
        }
    }

    /// The monitor's words: everything before a lone `--`.
    fn monitor_words(&self) -> impl Iterator<Item = &str> {
        self.cmdline.split_ascii_whitespace().take_while(|word| *word != GUEST_CMDLINE_SEPARATOR)
    }

    /// The value of `key=value` among the monitor's words (the last one wins).
    pub fn option(&self, key: &str) -> Option<&str> {
        self.monitor_words()
            .filter_map(|word| word.split_once('='))
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v)
            .last()
    }

    /// The guest's command line: the words after a lone `--`.
    pub fn guest_cmdline(&self) -> String {
        let mut words =
            self.cmdline.split_ascii_whitespace().skip_while(|word| *word != GUEST_CMDLINE_SEPARATOR);
        words.next();
        words.collect::<Vec<_>>().join(" ")
    }

    /// The initial ramdisk QEMU's `-initrd` placed in RAM, named on the
    /// command line as `rd_start=ADDRESS rd_size=BYTES`.
    pub fn initrd(&self) -> Result<Option<Initrd>, BootArgsError> {
        let (Some(start), Some(size)) = (self.option("rd_start"), self.option("rd_size")) else {
            return Ok(None);
        };
        let number = |text: &str| match text.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => text.parse(),
        };
        match (number(start), number(size)) {
            (Ok(address), Ok(bytes)) => {
                Ok(Some(Initrd { address: address as u32 as i32 as i64 as u64, bytes }))
            }
            _ => Err(BootArgsError::BadInitrdWords),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;

    /// Loader memory as a byte map keyed by the low 32 bits of the address
    /// (the compatibility segments); words stored big-endian like a BE Malta.
    #[derive(Default)]
    struct FakeMemory {
        bytes: BTreeMap<u32, u8>,
        blob: Option<(u32, Vec<u8>)>,
    }

    impl FakeMemory {
        fn word(&mut self, addr: u64, value: u32) {
            for (i, b) in value.to_be_bytes().into_iter().enumerate() {
                self.bytes.insert(addr as u32 + i as u32, b);
            }
        }
        fn string(&mut self, addr: u64, text: &str) {
            for (i, b) in text.bytes().chain([0]).enumerate() {
                self.bytes.insert(addr as u32 + i as u32, b);
            }
        }
    }

    impl LoaderMemory for FakeMemory {
        fn read_u32(&self, addr: u64) -> Option<u32> {
            let b = |i| self.bytes.get(&(addr as u32 + i)).copied();
            Some(u32::from_be_bytes([b(0)?, b(1)?, b(2)?, b(3)?]))
        }
        fn read_u8(&self, addr: u64) -> Option<u8> {
            self.bytes.get(&(addr as u32)).copied()
        }
        fn slice(&self, addr: u64, len: u32) -> Option<&[u8]> {
            let (base, blob) = self.blob.as_ref()?;
            let start = (addr as u32).checked_sub(*base)? as usize;
            blob.get(start..start + len as usize)
        }
    }

    #[test]
    fn a0_of_minus_two_is_uhi_anything_else_yamon() {
        // UHI boot protocol: a0 = -2 (sign-extended on MIPS64), a1 = FDT.
        let uhi = BootProtocol::from_registers(0xffff_ffff_ffff_fffe, 0x8000_1000, 0, 0);
        assert_eq!(uhi, BootProtocol::Uhi { fdt: 0xffff_ffff_8000_1000 });
        assert_eq!(uhi.platform(), Platform::Boston);
        assert_eq!(BootProtocol::from_registers(0xffff_fffe, 1, 0, 0).platform(), Platform::Boston);
        let yamon = BootProtocol::from_registers(2, 0x8000_2000, 0x8000_2008, 0x1000_0000);
        assert_eq!(yamon.platform(), Platform::Malta);
    }

    #[test]
    fn a0_of_minus_one_is_qemus_malta_loader_under_semihosting() {
        // -semihosting-config enable=on: a0 = -1, QEMU's two-entry argv still in a1.
        let semihosting =
            BootProtocol::from_registers(0xffff_ffff_ffff_ffff, 0x8000_2000, 0x8000_2008, 0x1000_0000);
        assert_eq!(
            semihosting,
            BootProtocol::Yamon {
                argc: 2,
                argv: 0xffff_ffff_8000_2000,
                envp: 0xffff_ffff_8000_2008,
                ram_bytes: 0x1000_0000
            }
        );
    }

    #[test]
    fn yamon_command_line_is_argv_after_the_image_name() {
        // QEMU's Malta loader as seen at boot: a0 = 2, a1 = 0x80002000.
        let mut mem = FakeMemory::default();
        mem.word(0x8000_2000, 0x8000_2100);
        mem.word(0x8000_2004, 0x8000_2200);
        mem.string(0x8000_2100, "monitor.elf");
        mem.string(0x8000_2200, "selftest=fault console=ttyS0");
        let info =
            BootInfo::parse(BootProtocol::from_registers(2, 0x8000_2000, 0x8000_2008, 0x1000_0000), &mem)
                .unwrap();
        assert_eq!(info.cmdline, "selftest=fault console=ttyS0");
        assert_eq!(info.low_ram_bytes, Some(256 << 20));
        assert_eq!(info.option("selftest"), Some("fault"));
        assert_eq!(info.option("guest"), None);
    }

    #[test]
    fn yamon_bad_tables_are_errors_not_runaway_reads() {
        let mut mem = FakeMemory::default();
        let protocol = BootProtocol::from_registers(2, 0x8000_2000, 0, 0);
        let sext = |a: u32| a as i32 as i64 as u64;
        assert_eq!(BootInfo::parse(protocol, &mem), Err(BootArgsError::UnreadableAddress(sext(0x8000_2004))));
        mem.word(0x8000_2004, 0x8000_3000);
        for i in 0..=MAX_STRING {
            mem.bytes.insert(0x8000_3000 + i as u32, b'x');
        }
        assert_eq!(BootInfo::parse(protocol, &mem), Err(BootArgsError::StringTooLong(sext(0x8000_3000))));
        let too_many = BootProtocol::from_registers(1000, 0x8000_2000, 0, 0);
        assert_eq!(BootInfo::parse(too_many, &mem), Err(BootArgsError::TooManyArguments(1000)));
    }

    #[test]
    fn monitor_words_come_before_the_separator_and_guest_words_after() {
        let info =
            BootInfo { cmdline: "selftest=refill -- console=ttyS0 selftest=x".into(), ..Default::default() };
        assert_eq!(info.option("selftest"), Some("refill"));
        assert_eq!(info.option("console"), None);
        assert_eq!(info.guest_cmdline(), "console=ttyS0 selftest=x");
        let none = BootInfo { cmdline: "selftest=fault".into(), ..Default::default() };
        assert_eq!(none.guest_cmdline(), "");
    }

    #[test]
    fn initrd_words_as_qemus_malta_loader_writes_them() {
        // QEMU prepends "rd_start=0x%x rd_size=%d" with a KSEG0 address.
        let info =
            BootInfo { cmdline: "rd_start=0x80f00000 rd_size=12345 -- x".into(), ..Default::default() };
        assert_eq!(info.initrd(), Ok(Some(Initrd { address: 0xffff_ffff_80f0_0000, bytes: 12345 })));
        let bad = BootInfo { cmdline: "rd_start=zz rd_size=1".into(), ..Default::default() };
        assert_eq!(bad.initrd(), Err(BootArgsError::BadInitrdWords));
        assert_eq!(BootInfo::default().initrd(), Ok(None));
    }

    #[test]
    fn uhi_reads_bootargs_memory_and_compatible_from_qemus_boston_tree() {
        // tests/data/boston-i6500.dtb: QEMU 7.2's own Boston device tree
        // (`-machine dumpdtb`, -append "selftest=fault console=x").
        let blob = include_bytes!("../tests/data/boston-i6500.dtb").to_vec();
        let mem = FakeMemory { blob: Some((0x8000_1000, blob)), ..Default::default() };
        let info = BootInfo::parse(BootProtocol::Uhi { fdt: 0x8000_1000 }, &mem).unwrap();
        assert_eq!(info.cmdline, "selftest=fault console=x");
        assert_eq!(info.low_ram_bytes, Some(256 << 20));
        assert_eq!(info.compatible.as_deref(), Some("img,boston"));
    }

    #[test]
    fn uhi_rejects_a_pointer_that_is_not_a_device_tree() {
        let mem = FakeMemory { blob: Some((0x8000_1000, alloc::vec![0u8; 64])), ..Default::default() };
        assert_eq!(
            BootInfo::parse(BootProtocol::Uhi { fdt: 0x8000_1000 }, &mem),
            Err(BootArgsError::BadFdtMagic(0))
        );
    }
}
