//! Test-only bridge to GNU binutils for MIPS, the independent oracle for
//! encodings (as) and the readable view of generated code (objdump).
//!
//! A missing tool fails the test loudly: these tests must never pass by
//! silently skipping their oracle.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use super::{words_to_bytes, Endian, Isa};

const INSTALL_HINT: &str = "apt-get install binutils-mips-linux-gnu";

use crate::testsupport::ScratchDir;

/// Runs a binutils tool; Err(stderr) if it ran and failed.
fn run(tool: &str, args: &[&str]) -> Result<String, String> {
    let output = match Command::new(tool).args(args).output() {
        Ok(output) => output,
        Err(error) => panic!("cannot run {tool} ({error}): the oracle is missing; {INSTALL_HINT}"),
    };
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!("{tool} {}: {}", args.join(" "), String::from_utf8_lossy(&output.stderr)))
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp path is UTF-8")
}

/// Assembles `source` with GNU as for `isa` (no reordering, no macros,
/// warnings fatal), links it at `origin` so branches and jumps resolve, and
/// returns the .text words. The result may end in zero padding words.
pub(crate) fn assemble(isa: Isa, origin: u64, source: &str) -> Result<Vec<u32>, String> {
    let dir = ScratchDir::new("as");
    let (source_path, object, linked, binary) =
        (dir.file("code.s"), dir.file("code.o"), dir.file("code.elf"), dir.file("code.bin"));
    let text = format!(".text\n.set noreorder\n.set noat\n.set nomacro\n{source}\n");
    std::fs::write(&source_path, text).expect("write assembly source");

    let march = format!("-march={}", isa.name());
    let mabi = if isa.is_64bit() { "-mabi=64" } else { "-mabi=32" };
    run(
        "mips-linux-gnu-as",
        &[&march, mabi, "-EB", "--fatal-warnings", "-o", path_str(&object), path_str(&source_path)],
    )?;

    let origin = if isa.is_64bit() { origin } else { origin as u32 as u64 };
    let (text_at, entry) = (format!("-Ttext={origin:#x}"), format!("-e{origin:#x}"));
    let mut link = vec!["-EB", &text_at, &entry, "-o", path_str(&linked), path_str(&object)];
    if isa.is_64bit() {
        link.splice(0..0, ["-m", "elf64btsmip"]);
    }
    run("mips-linux-gnu-ld", &link)?;
    run("mips-linux-gnu-objcopy", &["-O", "binary", "-j", ".text", path_str(&linked), path_str(&binary)])?;

    let bytes = std::fs::read(&binary).expect("read assembled binary");
    Ok(bytes.chunks_exact(4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])).collect())
}

/// objdump's disassembly of `words` as raw code, one `offset: word  text`
/// line per instruction, without objdump's headers.
pub(crate) fn disassemble(isa: Isa, endian: Endian, words: &[u32]) -> String {
    let dir = ScratchDir::new("objdump");
    let binary = dir.file("code.bin");
    std::fs::write(&binary, words_to_bytes(words, endian)).expect("write code for objdump");
    let machine = match isa {
        Isa::Mips32r2 => "mips:isa32r2",
        Isa::Mips64r2 => "mips:isa64r2",
        Isa::Mips64r6 => "mips:isa64r6",
    };
    let order = match endian {
        Endian::Big => "-EB",
        Endian::Little => "-EL",
    };
    let listing =
        run("mips-linux-gnu-objdump", &["-D", "-b", "binary", "-m", machine, order, path_str(&binary)])
            .unwrap_or_else(|error| panic!("objdump failed: {error}"));
    // Keep only instruction lines ("   4:\t0123abcd \tmnemonic ..."), tidied.
    let mut out = String::new();
    for line in listing.lines() {
        let mut fields = line.split('\t');
        let (Some(offset), Some(word), Some(text)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        if !offset.trim_end().ends_with(':') {
            continue;
        }
        let rest: Vec<&str> = fields.collect();
        let operands = rest.join(" ");
        let line = format!("{:>4} {}  {:<8}{}", offset.trim(), word.trim(), text.trim(), operands.trim_end());
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}
