//! Test-only: real guest-like ELFs from GNU as and ld for MIPS, and
//! readelf/objcopy/nm views of them: the oracle for the loader's tests.
//!
//! A missing tool fails the test loudly, naming the Debian package.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::uasm::Endian;

pub use crate::testsupport::ScratchDir;

/// The binutils for a byte order: tool prefix and the package holding it.
fn tools(endian: Endian) -> (&'static str, &'static str) {
    match endian {
        Endian::Big => ("mips-linux-gnu-", "binutils-mips-linux-gnu"),
        Endian::Little => ("mipsel-linux-gnu-", "binutils-mipsel-linux-gnu"),
    }
}

/// Runs a binutils tool and returns stdout; panics with its stderr on failure.
fn run(endian: Endian, tool: &str, args: &[&str]) -> String {
    let (prefix, package) = tools(endian);
    let program = format!("{prefix}{tool}");
    let output = Command::new(&program).args(args).output().unwrap_or_else(|error| {
        panic!("cannot run {program} ({error}): the test oracle is missing; apt-get install {package}")
    });
    assert!(
        output.status.success(),
        "{program} {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp path is UTF-8")
}

/// A small guest: code, initialised data with a known word, and bss.
pub const GUEST_SOURCE: &str = "
    .set noreorder
    .text
    .globl start
start:
    lui $t0, %hi(value)
    lw $t1, %lo(value)($t0)
1:  b 1b
    nop
    .data
    .globl value
value:
    .word 0x11223344
    .ascii \"DATA\"
    .bss
    .globl buf
buf:
    .space 0x100
";

/// The sections a guest kernel's link script throws away (as Linux's does).
pub const DISCARD_ABI_SECTIONS: &str =
    "/DISCARD/ : { *(.MIPS.abiflags) *(.reginfo) *(.pdr) *(.gnu.attributes) *(.MIPS.options) }";

/// Two segments like a small kernel: code (R X) at 0x40100000, then data and
/// bss (R W) on the next page.
pub fn two_segment_script(base: u32) -> String {
    format!(
        "ENTRY(start)
PHDRS {{ text PT_LOAD FLAGS(5); data PT_LOAD FLAGS(6); }}
SECTIONS {{
  . = {base:#x};
  .text : {{ *(.text*) }} :text
  . = ALIGN(0x1000);
  .data : {{ *(.data*) }} :data
  .bss : {{ *(.bss*) }} :data
  {DISCARD_ABI_SECTIONS}
}}"
    )
}

/// What to build: source for `as`, an optional link script, extra ld flags.
pub struct Build<'a> {
    pub endian: Endian,
    pub march: &'a str,
    pub mabi: &'a str,
    pub source: &'a str,
    pub script: Option<&'a str>,
    pub ld_flags: &'a [&'a str],
}

impl<'a> Build<'a> {
    /// A MIPS32r2 o32 build of `GUEST_SOURCE` with `script`.
    pub fn guest(endian: Endian, script: &'a str) -> Self {
        Build {
            endian,
            march: "mips32r2",
            mabi: "32",
            source: GUEST_SOURCE,
            script: Some(script),
            ld_flags: &[],
        }
    }

    pub fn flags(self, ld_flags: &'a [&'a str]) -> Self {
        Build { ld_flags, ..self }
    }
}

/// A linked guest ELF and the directory holding it, for the other tools.
pub struct Linked {
    pub endian: Endian,
    pub bytes: Vec<u8>,
    dir: ScratchDir,
}

impl Linked {
    pub fn path(&self) -> PathBuf {
        self.dir.file("guest.elf")
    }

    /// objcopy -O binary: the loadable sections' contents from the lowest
    /// load address up, gaps filled with zeros, bss left out.
    pub fn flat_binary(&self) -> Vec<u8> {
        let out = self.dir.file("guest.bin");
        run(self.endian, "objcopy", &["-O", "binary", path_str(&self.path()), path_str(&out)]);
        std::fs::read(out).expect("read objcopy output")
    }

    /// A symbol's value, from nm.
    pub fn symbol(&self, name: &str) -> u32 {
        let listing = run(self.endian, "nm", &[path_str(&self.path())]);
        listing
            .lines()
            .find_map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                (fields.len() == 3 && fields[2] == name).then(|| u32::from_str_radix(fields[0], 16).unwrap())
            })
            .unwrap_or_else(|| panic!("nm: no symbol {name}"))
    }

    /// readelf's program headers and entry point.
    pub fn readelf(&self) -> Readelf {
        Readelf::parse(&run(self.endian, "readelf", &["-hlW", path_str(&self.path())]))
    }
}

pub fn build(spec: &Build<'_>) -> Linked {
    let dir = ScratchDir::new("elf");
    let (source, object, linked, script) =
        (dir.file("guest.s"), dir.file("guest.o"), dir.file("guest.elf"), dir.file("guest.ld"));
    std::fs::write(&source, spec.source).expect("write guest source");
    let order = match spec.endian {
        Endian::Big => "-EB",
        Endian::Little => "-EL",
    };
    let (march, mabi) = (format!("-march={}", spec.march), format!("-mabi={}", spec.mabi));
    run(spec.endian, "as", &[&march, &mabi, order, "-o", path_str(&object), path_str(&source)]);
    let mut args: Vec<&str> = vec![order];
    if spec.mabi == "64" {
        args.extend(["-m", if spec.endian == Endian::Big { "elf64btsmip" } else { "elf64ltsmip" }]);
    }
    if let Some(text) = spec.script {
        std::fs::write(&script, text).expect("write link script");
        args.extend(["-T", path_str(&script)]);
    }
    args.extend(spec.ld_flags);
    args.extend(["-o", path_str(&linked), path_str(&object)]);
    run(spec.endian, "ld", &args);
    let bytes = std::fs::read(&linked).expect("read linked guest");
    Linked { endian: spec.endian, bytes, dir }
}

/// One program header as readelf prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadelfSegment {
    pub kind: String,
    pub offset: u32,
    pub vaddr: u32,
    pub paddr: u32,
    pub file_bytes: u32,
    pub mem_bytes: u32,
    pub flags: String,
}

pub struct Readelf {
    pub entry: u32,
    pub segments: Vec<ReadelfSegment>,
}

fn hex(text: &str) -> u32 {
    u32::from_str_radix(text.trim_start_matches("0x"), 16).unwrap_or_else(|_| panic!("readelf: {text}"))
}

impl Readelf {
    fn parse(listing: &str) -> Readelf {
        let entry = listing
            .lines()
            .find_map(|line| line.trim().strip_prefix("Entry point address:"))
            .map(|value| hex(value.trim()))
            .expect("readelf: entry point");
        // Rows between "Program Headers:" and the section mapping, e.g.
        // "  LOAD  0x010000 0x40100000 0x40100000 0x00020 0x00020 R E 0x10000".
        let mut segments = Vec::new();
        let table = listing.split("Program Headers:").nth(1).expect("readelf: program headers");
        for line in table.lines().take_while(|line| !line.contains("Section to Segment")) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() < 8 || !fields[1].starts_with("0x") {
                continue;
            }
            segments.push(ReadelfSegment {
                kind: fields[0].to_string(),
                offset: hex(fields[1]),
                vaddr: hex(fields[2]),
                paddr: hex(fields[3]),
                file_bytes: hex(fields[4]),
                mem_bytes: hex(fields[5]),
                flags: fields[6..fields.len() - 1].concat(),
            });
        }
        Readelf { entry, segments }
    }
}

/// The bash script that makes the smoke suite's malformed guests.
pub fn make_bad_elves(dir: &Path, board: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("qemu-tests/make-bad-elves");
    let output = Command::new("bash")
        .arg(&script)
        .arg(dir)
        .arg(board)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", script.display()));
    assert!(
        output.status.success(),
        "make-bad-elves {board} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
