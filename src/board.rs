//! Boards the monitor knows, generated from `boards/*.toml` by build.rs.

use core::fmt;

/// The system platform, which decides the memory map and the boot protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// MIPS Malta: YAMON-style boot arguments (argc, argv, envp, RAM size).
    Malta,
    /// MIPS Boston: UHI boot with a device tree.
    Boston,
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Platform::Malta => "malta",
            Platform::Boston => "boston",
        })
    }
}

/// A 16550-compatible UART: physical base and distance between registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UartDesc {
    pub phys: u64,
    pub stride: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Board {
    pub name: &'static str,
    pub platform: Platform,
    /// The CPU model as QEMU's `-cpu` names it.
    pub cpu: &'static str,
    /// The Rust target the board's monitor is built for.
    pub target: &'static str,
    pub ram_mib: u32,
    /// RAM kept by the monitor (image, stack, heap); the guest gets the rest.
    pub monitor_mib: u32,
    pub console: UartDesc,
    /// A second UART for the monitor's own log, where the board has one.
    pub log: Option<UartDesc>,
    pub timer_hz: u64,
    /// The virtual CPU model the guest gets unless `vcpu=` names one; none:
    /// the host's own model where the monitor can back it (see `vcpu::model`).
    pub vcpu: Option<&'static str>,
}

include!(concat!(env!("OUT_DIR"), "/boards.rs"));

/// Finds a board by name.
pub fn by_name(name: &str) -> Option<&'static Board> {
    BOARDS.iter().find(|b| b.name == name)
}

/// Picks the board for a running system: same platform, the CPU whose model
/// name matches what the probe found, built for this target; when the CPU is
/// not one a board file names, the platform's first board (same memory map).
pub fn identify(platform: Platform, cpu_model: &str, target: &str) -> Option<&'static Board> {
    let candidates = || BOARDS.iter().filter(move |b| b.platform == platform && b.target == target);
    candidates().find(|b| b.cpu.eq_ignore_ascii_case(cpu_model)).or_else(|| candidates().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_board_file_is_in_the_table() {
        let names: alloc::vec::Vec<_> = BOARDS.iter().map(|b| b.name).collect();
        for expected in ["malta", "malta-el", "malta-p5600", "malta-i6500", "boston-i6500"] {
            assert!(names.contains(&expected), "{expected} missing from {names:?}");
        }
    }

    #[test]
    fn board_facts_match_the_platform_notes() {
        // platforms.md: Malta ttyS0 at 0x180003F8 byte registers; CBUS UART 8-byte stride;
        // Boston UART at 0x17FFE000 with 4-byte stride.
        let malta = by_name("malta").unwrap();
        assert_eq!(malta.console, UartDesc { phys: 0x1800_03f8, stride: 1 });
        assert_eq!(malta.log, Some(UartDesc { phys: 0x1f00_0900, stride: 8 }));
        let boston = by_name("boston-i6500").unwrap();
        assert_eq!(boston.platform, Platform::Boston);
        assert_eq!(boston.console, UartDesc { phys: 0x17ff_e000, stride: 4 });
        assert!(by_name("vax").is_none());
    }

    #[test]
    fn identify_prefers_the_matching_cpu_then_the_platform() {
        let le = "mipsel-mti-none-elf";
        assert_eq!(identify(Platform::Malta, "P5600", le).unwrap().name, "malta-p5600");
        assert_eq!(identify(Platform::Malta, "24Kf", le).unwrap().name, "malta-el");
        let r6 = "targets/mips64r6el-none.json";
        assert_eq!(identify(Platform::Boston, "I6500", r6).unwrap().name, "boston-i6500");
        assert_eq!(identify(Platform::Malta, "I6500", r6).unwrap().name, "malta-i6500");
        // A Malta with a CPU no board file names still gets Malta's memory map.
        assert_eq!(identify(Platform::Malta, "74Kf", "mips-mti-none-elf").unwrap().name, "malta");
        assert!(identify(Platform::Boston, "24Kf", "mips-mti-none-elf").is_none());
    }
}
