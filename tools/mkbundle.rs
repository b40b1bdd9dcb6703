//! mkbundle: a guest bundle (see `mipsvisor::loader::bundle`) from a guest
//! kernel ELF, an optional initramfs and an optional guest command line.
//! Runs on the build machine:
//!
//!   mkbundle OUT --kernel ELF [--initramfs FILE] [--cmdline "words"]
//!
//! The result is read back with the monitor's own parser before it is written.

use std::process::ExitCode;

use mipsvisor::loader::bundle::{self, Bundle, PartKind};

const USAGE: &str = "usage: mkbundle OUT --kernel ELF [--initramfs FILE] [--cmdline WORDS]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mkbundle: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut args = args.into_iter();
    let out = args.next().filter(|a| !a.starts_with("--")).ok_or(USAGE)?;
    let (mut kernel, mut initramfs, mut cmdline) = (None, None, None);
    while let Some(option) = args.next() {
        let value = args.next().ok_or_else(|| format!("{option} needs a value\n{USAGE}"))?;
        match option.as_str() {
            "--kernel" => kernel = Some(read(&value)?),
            "--initramfs" => initramfs = Some(read(&value)?),
            "--cmdline" => cmdline = Some(value),
            _ => return Err(format!("unknown option {option}\n{USAGE}")),
        }
    }
    let kernel = kernel.ok_or(USAGE)?;
    if !kernel.starts_with(b"\x7fELF") {
        return Err("--kernel is not an ELF file".into());
    }
    let mut parts: Vec<(PartKind, &[u8])> = vec![(PartKind::Kernel, &kernel)];
    if let Some(initramfs) = &initramfs {
        parts.push((PartKind::Initramfs, initramfs));
    }
    if let Some(cmdline) = &cmdline {
        parts.push((PartKind::CommandLine, cmdline.as_bytes()));
    }
    let bytes = bundle::write(&parts);
    Bundle::parse(&bytes).map_err(|e| format!("the bundle does not read back: {e}"))?;
    std::fs::write(&out, &bytes).map_err(|e| format!("{out}: {e}"))?;
    eprintln!("mkbundle: {out}: {} bytes ({} parts)", bytes.len(), parts.len());
    Ok(())
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{path}: {e}"))
}
