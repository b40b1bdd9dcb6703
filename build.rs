//! Build script: turns `boards/*.toml` into the firmware's board table and,
//! for MIPS targets, hands the linker `link.ld` with the target's load address.
//!
//! The board files are the one place board facts live: the scripts read the
//! same files, so the build and QEMU can never disagree about a board.

use std::collections::BTreeMap;
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// One `key = value` board file; values are quoted strings or integers.
struct BoardFile {
    path: PathBuf,
    fields: BTreeMap<String, String>,
}

impl BoardFile {
    fn parse(path: &Path) -> BoardFile {
        let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut fields = BTreeMap::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("{}:{}: expected `key = value`", path.display(), number + 1));
            fields.insert(key.trim().to_string(), value.trim().to_string());
        }
        BoardFile { path: path.to_path_buf(), fields }
    }

    fn raw(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    fn string(&self, key: &str) -> String {
        let raw = self.raw(key).unwrap_or_else(|| panic!("{}: missing `{key}`", self.path.display()));
        raw.strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or_else(|| panic!("{}: `{key}` must be a quoted string", self.path.display()))
            .to_string()
    }

    fn integer(&self, key: &str) -> Option<u64> {
        let raw = self.raw(key)?;
        let parsed = match raw.strip_prefix("0x").or_else(|| raw.strip_prefix("0X")) {
            Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
            None => raw.replace('_', "").parse(),
        };
        Some(parsed.unwrap_or_else(|_| panic!("{}: `{key}` is not an integer", self.path.display())))
    }

    fn required(&self, key: &str) -> u64 {
        self.integer(key).unwrap_or_else(|| panic!("{}: missing `{key}`", self.path.display()))
    }
}

fn uart(board: &BoardFile, base_key: &str, stride_key: &str) -> Option<String> {
    let base = board.integer(base_key)?;
    let stride = board.required(stride_key);
    Some(format!("UartDesc {{ phys: {base:#x}, stride: {stride} }}"))
}

fn board_table(manifest: &Path) -> String {
    let dir = manifest.join("boards");
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    let mut out = String::from("pub static BOARDS: &[Board] = &[\n");
    for path in &paths {
        let board = BoardFile::parse(path);
        let name = board.string("name");
        let stem = path.file_stem().unwrap().to_string_lossy();
        assert_eq!(name, stem, "{}: `name` must match the file name", path.display());
        let platform = match board.string("platform").as_str() {
            "malta" => "Platform::Malta",
            "boston" => "Platform::Boston",
            other => panic!("{}: unknown platform `{other}`", path.display()),
        };
        let log = uart(&board, "log_uart", "log_stride").map_or("None".into(), |u| format!("Some({u})"));
        writeln!(
            out,
            "    Board {{ name: {name:?}, platform: {platform}, cpu: {cpu:?}, target: {target:?}, \
             ram_mib: {ram}, monitor_mib: {mon}, console: {console}, log: {log}, timer_hz: {hz}, \
             vcpu: {vcpu:?} }},",
            cpu = board.string("cpu"),
            target = board.string("target"),
            ram = board.required("ram_mib"),
            mon = board.required("monitor_mib"),
            console = uart(&board, "console_uart", "console_stride").expect("console_uart"),
            hz = board.required("timer_hz"),
            vcpu = board.raw("vcpu").map(|_| board.string("vcpu")),
        )
        .unwrap();
        println!("cargo:rerun-if-changed={}", path.display());
    }
    out.push_str("];\n");
    out
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed=boards");
    fs::write(out.join("boards.rs"), board_table(&manifest)).unwrap();

    // The guest built into the image: MIPSVISOR_GUEST_ELF names it (scripts/run
    // and scripts/test build qemu-tests/guest and pass it); empty means none.
    println!("cargo:rerun-if-env-changed=MIPSVISOR_GUEST_ELF");
    let embedded = match env::var("MIPSVISOR_GUEST_ELF") {
        Ok(path) if !path.is_empty() => {
            println!("cargo:rerun-if-changed={path}");
            fs::read(&path).unwrap_or_else(|e| panic!("MIPSVISOR_GUEST_ELF={path}: {e}"))
        }
        _ => Vec::new(),
    };
    fs::write(out.join("guest.elf"), embedded).unwrap();

    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if arch.starts_with("mips") {
        // KSEG0, 1 MiB in: where QEMU's Malta and Boston loaders expect a kernel.
        let load_base = match env::var("CARGO_CFG_TARGET_POINTER_WIDTH").as_deref() {
            Ok("64") => "0xffffffff80100000",
            _ => "0x80100000",
        };
        fs::write(out.join("memory.ld"), format!("LOAD_BASE = {load_base};\n")).unwrap();
        println!("cargo:rustc-link-search={}", out.display());
        println!("cargo:rustc-link-arg-bins=-T{}", manifest.join("link.ld").display());
        println!("cargo:rerun-if-changed=link.ld");
    }
}
