//! The test oracle: GNU as assembles our test sources, GNU objdump
//! disassembles the result. Neither was written here.
//!
//! Missing tools fail the test with the package to install; they never skip.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::isa::Endian;

/// Where the test program is linked, so PC-relative and J targets show real
/// guest-kernel addresses (KSEG0 of the KVM-guest layout).
pub const BASE: u32 = 0x4010_0000;

const PACKAGE_HINT: &str = "install GNU binutils for MIPS: apt-get install binutils-mips-linux-gnu";

/// How to assemble and disassemble one ISA variant.
#[derive(Clone, Copy, Debug)]
pub struct Oracle {
    /// `as -march=`.
    pub march: &'static str,
    /// A directive put before the source, e.g. to allow MIPS64 instructions.
    pub prelude: &'static str,
    /// `objdump -m`: the machine whose opcode table decodes the words.
    pub machine: &'static str,
}

pub const MIPS32R2: Oracle = Oracle { march: "mips32r2", prelude: "", machine: "mips:isa32r2" };
pub const MIPS32R6: Oracle = Oracle { march: "mips32r6", prelude: "", machine: "mips:isa32r6" };
/// MIPS64 instructions in a 32-bit object: `.set mips64r2` keeps `ld` a real
/// LD (with `-mabi=32` it would expand to two LWs).
pub const MIPS64R2: Oracle = Oracle { march: "mips32r2", prelude: ".set mips64r2", machine: "mips:isa64r2" };
pub const MIPS64R6: Oracle = Oracle { march: "mips32r6", prelude: ".set mips64r6", machine: "mips:isa64r6" };

/// One assembled instruction: its address, word, and objdump's text for it.
#[derive(Clone, Debug)]
pub struct Listing {
    pub addr: u32,
    pub word: u32,
    /// Mnemonic, tab, operands, exactly as objdump prints them.
    pub text: String,
}

/// Assemble `lines` (one instruction each) at [`BASE`] and return one listing
/// per line.
pub fn assemble(oracle: Oracle, endian: Endian, lines: &[&str]) -> Vec<Listing> {
    let listings = assemble_program(oracle, endian, lines);
    assert!(listings.len() >= lines.len(), "{} words for {} source lines", listings.len(), lines.len());
    // The linker pads .text with zero words after our instructions.
    assert!(listings[lines.len()..].iter().all(|l| l.word == 0), "a source line assembled to several words");
    listings.into_iter().take(lines.len()).collect()
}

/// Assemble `lines` (macros allowed) at [`BASE`] and list every word of
/// `.text`, trailing zero padding included. Words come from
/// `objcopy -O binary`, read in `endian`; objdump's hex column must agree.
pub fn assemble_program(oracle: Oracle, endian: Endian, lines: &[&str]) -> Vec<Listing> {
    let dir = ScratchDir::new();
    let source = dir.path().join("test.s");
    let object = dir.path().join("test.o");
    let program = dir.path().join("test.elf");
    let binary = dir.path().join("text.bin");
    let endian_flag = match endian {
        Endian::Big => "-EB",
        Endian::Little => "-EL",
    };

    let mut text = format!(".set noreorder\n.set noat\n.set xpa\n{}\n", oracle.prelude);
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    std::fs::write(&source, text).expect("write the test source");

    run(Command::new("mips-linux-gnu-as")
        .arg(format!("-march={}", oracle.march))
        .arg(endian_flag)
        .arg("-o")
        .arg(&object)
        .arg(&source));
    run(Command::new("mips-linux-gnu-ld")
        .arg(endian_flag)
        .arg(format!("-Ttext=0x{BASE:x}"))
        .arg(format!("-e0x{BASE:x}"))
        .arg("-s")
        .arg("-o")
        .arg(&program)
        .arg(&object));
    run(Command::new("mips-linux-gnu-objcopy")
        .args(["-O", "binary", "-j", ".text"])
        .arg(&program)
        .arg(&binary));
    let disassembly = run(Command::new("mips-linux-gnu-objdump")
        .args(["-d", "-z", "-M", "cp0-names=numeric,hwr-names=numeric"])
        .arg(format!("-m{}", oracle.machine))
        .arg(&program));

    let bytes = std::fs::read(&binary).expect("read the objcopy output");
    let words = bytes.chunks_exact(4).map(|b| endian.word_from_bytes([b[0], b[1], b[2], b[3]]));
    let objdump_lines: Vec<(u32, u32, String)> = disassembly.lines().filter_map(parse_objdump_line).collect();
    assert_eq!(
        objdump_lines.len(),
        bytes.len() / 4,
        "objdump listed a different number of words:\n{disassembly}"
    );
    words
        .zip(objdump_lines)
        .enumerate()
        .map(|(i, (word, (dump_addr, dump_word, text)))| {
            let addr = BASE + 4 * i as u32;
            assert_eq!((dump_addr, dump_word), (addr, word), "objdump and objcopy disagree at 0x{addr:x}");
            Listing { addr, word, text }
        })
        .collect()
}

/// `40100000:\t40086001 \tmfc0\tt0,$12,1` → (address, word, "mfc0\tt0,$12,1").
fn parse_objdump_line(line: &str) -> Option<(u32, u32, String)> {
    let (addr, rest) = line.trim_start().split_once(":\t")?;
    let (word, text) = rest.split_once(" \t")?;
    let addr = u32::from_str_radix(addr, 16).ok()?;
    let word = u32::from_str_radix(word.trim(), 16).ok()?;
    Some((addr, word, text.trim_end().to_string()))
}

/// Run a tool; a missing tool or a failure panics with what to do about it.
fn run(command: &mut Command) -> String {
    let tool = command.get_program().to_string_lossy().into_owned();
    let output = match command.output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!("`{tool}` not found: {PACKAGE_HINT}"),
        Err(e) => panic!("cannot run `{tool}`: {e}"),
    };
    assert!(
        output.status.success(),
        "`{tool}` failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("tool output is UTF-8")
}

/// A per-call temporary directory, removed on drop (tests run in parallel).
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!("mipsvisor-isa-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path).expect("create a scratch directory");
        ScratchDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
