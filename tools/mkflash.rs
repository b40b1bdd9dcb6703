//! mkflash: the Malta flash image (see `mipsvisor::flash`) from a monitor
//! ELF, a command line and an optional guest. Runs on the build machine:
//!
//!   mkflash MONITOR_ELF OUT --ram-mib N [--append "words"]
//!           [--guest ELF | --guest-in-ram FILE] [--check]
//!
//! `--guest` stores the guest in the flash; `--guest-in-ram` only names one
//! the board's loader puts at `flash::GUEST_LOAD_PHYS` (too big for flash).
//! `--check IMAGE ENDIAN` reads an image back and says what is wrong with it.

use std::process::ExitCode;

use elf::endian::AnyEndian;
use elf::ElfBytes;
use mipsvisor::flash::{self, GuestPlacement, ImageSpec};
use mipsvisor::uasm::Endian;

const USAGE: &str = "usage: mkflash MONITOR_ELF OUT --ram-mib N [--append WORDS] [--guest ELF | --guest-in-ram FILE]\n       mkflash --check IMAGE big|little";

/// The monitor's loadable bytes and what the stub needs to know of them.
struct Monitor {
    endian: Endian,
    load: u32,
    entry: u32,
    bytes: Vec<u8>,
    stub: Vec<u8>,
}

fn read_monitor(data: &[u8]) -> Result<Monitor, String> {
    let file = ElfBytes::<AnyEndian>::minimal_parse(data).map_err(|e| format!("not an ELF: {e}"))?;
    let endian = match file.ehdr.endianness {
        AnyEndian::Big => Endian::Big,
        AnyEndian::Little => Endian::Little,
    };
    // Addresses are KSEG0, sign-extended on MIPS64: the low 32 bits name them.
    let low = |a: u64| a as u32;
    let loads: Vec<_> = file
        .segments()
        .ok_or("no program headers")?
        .iter()
        .filter(|p| p.p_type == elf::abi::PT_LOAD && p.p_filesz > 0)
        .collect();
    let start = loads.iter().map(|p| low(p.p_vaddr)).min().ok_or("no loadable segment")?;
    let end = loads.iter().map(|p| low(p.p_vaddr) + p.p_filesz as u32).max().unwrap_or(start);
    let mut bytes = vec![0u8; (end - start) as usize];
    for p in &loads {
        let from = file.segment_data(p).map_err(|e| format!("segment: {e}"))?;
        let at = (low(p.p_vaddr) - start) as usize;
        bytes[at..at + from.len()].copy_from_slice(from);
    }
    let (symbols, names) =
        file.symbol_table().map_err(|e| format!("symbols: {e}"))?.ok_or("no symbol table")?;
    let symbol = |name: &str| -> Result<u32, String> {
        symbols
            .iter()
            .find(|s| names.get(s.st_name as usize).is_ok_and(|n| n == name))
            .map(|s| low(s.st_value))
            .ok_or(format!("no symbol {name}: is this a mipsvisor ELF?"))
    };
    let (stub_start, stub_end) = (symbol("__flash_stub_start")?, symbol("__flash_stub_end")?);
    let stub = bytes
        .get((stub_start - start) as usize..(stub_end - start) as usize)
        .ok_or("the flash stub is outside the loaded image")?
        .to_vec();
    Ok(Monitor { endian, load: start, entry: low(file.ehdr.e_entry), bytes, stub })
}

/// A guest ELF without its symbols and debug sections: what a loader reads
/// (program headers and segments) up to the end of the last segment; a
/// guest bundle unchanged.
fn stripped(data: &[u8]) -> Result<Vec<u8>, String> {
    // A guest bundle is stored as it is (its kernel part checksummed with it).
    if mipsvisor::loader::bundle::is_bundle(data) {
        return Ok(data.to_vec());
    }
    let file = ElfBytes::<AnyEndian>::minimal_parse(data).map_err(|e| format!("guest is not an ELF: {e}"))?;
    let phdrs_end = file.ehdr.e_phoff as usize + file.ehdr.e_phnum as usize * file.ehdr.e_phentsize as usize;
    let segments_end = file
        .segments()
        .ok_or("guest has no program headers")?
        .iter()
        .map(|p| (p.p_offset + p.p_filesz) as usize)
        .max()
        .unwrap_or(0);
    let mut out = data[..phdrs_end.max(segments_end).min(data.len())].to_vec();
    // No section headers any more: zero e_shoff, e_shnum and e_shstrndx.
    let (shoff, shnum_at) =
        if file.ehdr.class == elf::file::Class::ELF32 { (0x20, 0x30) } else { (0x28, 0x3c) };
    let width = if file.ehdr.class == elf::file::Class::ELF32 { 4 } else { 8 };
    out[shoff..shoff + width].fill(0);
    out[shnum_at..shnum_at + 4].fill(0);
    Ok(out)
}

fn run(args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) == Some("--check") {
        let [_, image, endian] = args else { return Err(USAGE.into()) };
        let endian = if endian == "big" { Endian::Big } else { Endian::Little };
        let data = std::fs::read(image).map_err(|e| format!("{image}: {e}"))?;
        let header = flash::parse(&data, endian).map_err(|e| format!("{image}: {e}"))?;
        println!("{image}: valid: {header:x?}");
        return Ok(());
    }
    let [elf_path, out, rest @ ..] = args else { return Err(USAGE.into()) };
    let (mut ram_mib, mut append, mut guest_file, mut guest_in_ram) = (None, String::new(), None, None);
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--ram-mib" => ram_mib = Some(value()?.parse::<u64>().map_err(|e| format!("--ram-mib: {e}"))?),
            "--append" => append = value()?,
            "--guest" => guest_file = Some(value()?),
            "--guest-in-ram" => guest_in_ram = Some(value()?),
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    let ram_mib = ram_mib.ok_or(format!("--ram-mib is required\n{USAGE}"))?;
    let data = std::fs::read(elf_path).map_err(|e| format!("{elf_path}: {e}"))?;
    let monitor = read_monitor(&data).map_err(|e| format!("{elf_path}: {e}"))?;
    let guest_bytes = match &guest_file {
        Some(path) => stripped(&std::fs::read(path).map_err(|e| format!("{path}: {e}"))?)?,
        None => Vec::new(),
    };
    let guest = match (&guest_file, &guest_in_ram) {
        (Some(_), Some(_)) => return Err("--guest and --guest-in-ram exclude each other".into()),
        (Some(_), None) => GuestPlacement::InFlash(&guest_bytes),
        (None, Some(path)) => {
            let bytes = std::fs::metadata(path).map_err(|e| format!("{path}: {e}"))?.len();
            GuestPlacement::InRam { bytes: u32::try_from(bytes).map_err(|_| format!("{path}: too large"))? }
        }
        (None, None) => GuestPlacement::None,
    };
    let image = flash::build(&ImageSpec {
        endian: monitor.endian,
        stub: &monitor.stub,
        monitor: &monitor.bytes,
        monitor_load: monitor.load,
        entry: monitor.entry,
        ram_bytes: ram_mib << 20,
        cmdline: &append,
        guest,
    })
    .map_err(|e| e.to_string())?;
    std::fs::write(out, &image).map_err(|e| format!("{out}: {e}"))?;
    eprintln!(
        "mkflash: {out}: {} bytes (monitor {} bytes at {:#x}, guest {} bytes in flash)",
        image.len(),
        monitor.bytes.len(),
        monitor.load,
        guest_bytes.len()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mkflash: {e}");
            ExitCode::FAILURE
        }
    }
}
