//! The CPU probe: one place that turns raw CP0 identification registers into
//! the facts the monitor decides by. Hardware reads live in the firmware's
//! arch layer; this module only decodes, so host tests feed it recorded values.

use core::fmt;

use crate::cp0::fields::{
    ArchType, CacheGeometry, Config0, Config1, Config3, Config4, Config5, MmuType, PrId,
};
use crate::word::WordSize;

/// Identification registers as read from the CPU. `config[n]` is `None` when
/// Config(n) is not implemented (the previous register's M bit was clear).
/// Config5 is read after asking for MemoryMapIDs (writing MI), so MI says
/// whether the CPU has them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cp0Snapshot {
    pub prid: u32,
    pub config: [Option<u32>; 6],
}

impl Cp0Snapshot {
    /// Builds a snapshot by following the Config M chain through `read(n)`,
    /// reading Config(n+1) only when Config(n).M says it exists.
    pub fn read_with(prid: u32, mut read_config: impl FnMut(u8) -> u32) -> Self {
        let mut config = [None; 6];
        for n in 0..config.len() {
            let value = read_config(n as u8);
            config[n] = Some(value);
            if value & (1 << 31) == 0 {
                break;
            }
        }
        Cp0Snapshot { prid, config }
    }
}

/// The raw registers, for the boot log and bug reports.
impl fmt::Display for Cp0Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PRId {:#010x}", self.prid)?;
        for (n, value) in self.config.iter().enumerate() {
            if let Some(value) = value {
                write!(f, " Config{n} {value:#010x}")?;
            }
        }
        Ok(())
    }
}

/// Instruction-set architecture: word size and release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Isa {
    pub word: WordSize,
    /// 1, 2 (Release 2 to 5, which Config.AR does not tell apart) or 6.
    pub release: u8,
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bits = match self.word {
            WordSize::W32 => 32,
            WordSize::W64 => 64,
        };
        write!(f, "MIPS{bits}r{}", self.release)
    }
}

/// Everything the monitor needs to know about the CPU it runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuInfo {
    pub prid: PrId,
    pub model: &'static str,
    pub isa: Isa,
    pub big_endian: bool,
    pub mmu: MmuType,
    pub tlb_entries: u32,
    /// Bit n set: KScratch at CP0 31, select n.
    pub kscratch: u8,
    pub bad_instr: bool,
    pub bad_instr_p: bool,
    pub segment_control: bool,
    pub page_walker: bool,
    pub mmid: bool,
    pub ginvt: bool,
    pub vz: bool,
    pub fpu: bool,
    pub user_local: bool,
    pub rixi: bool,
    /// DSP ASE (Config3.DSPP) and its revision 2 (Config3.DSP2P).
    pub dsp: bool,
    pub dsp_r2: bool,
    /// MT ASE (Config3.MT).
    pub multithreading: bool,
    pub icache: Option<CacheGeometry>,
    pub dcache: Option<CacheGeometry>,
}

/// MIPS Technologies / Imagination implementation numbers (PRId bits 15:8).
fn model_name(prid: PrId, fpu: bool) -> &'static str {
    if prid.company() != PrId::COMPANY_MIPS {
        return "unknown";
    }
    match (prid.implementation(), fpu) {
        (0x93, true) => "24Kf",
        (0x93, false) => "24Kc",
        (0x95, true) => "34Kf",
        (0x95, false) => "34Kc",
        (0x97, true) => "74Kf",
        (0x97, false) => "74Kc",
        (0x99, _) => "1004K",
        (0x9a, _) => "1074K",
        (0xa0, _) | (0xa1, _) => "interAptiv",
        (0xa2, _) | (0xa3, _) => "proAptiv",
        (0xa8, _) => "P5600",
        (0xa9, _) => "I6400",
        (0xb0, _) => "I6500",
        (0xb1, _) => "P6600",
        _ => "unknown",
    }
}

impl CpuInfo {
    pub fn probe(raw: &Cp0Snapshot) -> CpuInfo {
        let c0 = Config0::from_bits_retain(raw.config[0].unwrap_or(0));
        let c1 = raw.config[1].map(Config1::from_bits_retain);
        let c3 = Config3::from_bits_retain(raw.config[3].unwrap_or(0));
        let c4 = raw.config[4].map(Config4::from_bits_retain);
        let c5 = Config5::from_bits_retain(raw.config[5].unwrap_or(0));
        let prid = PrId(raw.prid);
        let fpu = c1.is_some_and(|c| c.contains(Config1::FP));

        let word = match c0.arch_type() {
            ArchType::Mips32 | ArchType::Reserved => WordSize::W32,
            ArchType::Mips64Compat32 | ArchType::Mips64 => WordSize::W64,
        };
        let release = match c0.arch_revision() {
            0 => 1,
            1 => 2,
            _ => 6,
        };

        let mut tlb_entries = c1.map_or(0, |c| c.mmu_size());
        if let Some(c4) = c4 {
            // Config4.MMUExtDef 1: MMUSizeExt extends MMUSize; 3: VTLBSizeExt does.
            match c4.mmu_ext_def() {
                1 => tlb_entries += c4.mmu_size_ext() << 6,
                3 => tlb_entries += c4.vtlb_size_ext() << 6,
                _ => {}
            }
        }
        if !matches!(c0.mmu_type(), MmuType::StandardTlb | MmuType::DualVtlbFtlb) {
            tlb_entries = 0;
        }

        CpuInfo {
            prid,
            model: model_name(prid, fpu),
            isa: Isa { word, release },
            big_endian: c0.contains(Config0::BE),
            mmu: c0.mmu_type(),
            tlb_entries,
            kscratch: c4.map_or(0, |c| c.kscratch_exist()) & 0xfc,
            bad_instr: c3.contains(Config3::BI),
            bad_instr_p: c3.contains(Config3::BP),
            segment_control: c3.contains(Config3::SC),
            page_walker: c3.contains(Config3::PW),
            mmid: c5.contains(Config5::MI),
            ginvt: c5.ginv_support() == 3,
            vz: c3.contains(Config3::VZ),
            fpu,
            user_local: c3.contains(Config3::ULRI),
            rixi: c3.contains(Config3::RXI),
            dsp: c3.contains(Config3::DSPP),
            dsp_r2: c3.contains(Config3::DSP2P),
            multithreading: c3.contains(Config3::MT),
            icache: c1.and_then(|c| c.icache()),
            dcache: c1.and_then(|c| c.dcache()),
        }
    }

    /// KScratch selects present, lowest first.
    pub fn kscratch_selects(&self) -> impl Iterator<Item = u8> + '_ {
        (2..8).filter(move |sel| self.kscratch & (1 << sel) != 0)
    }
}

struct YesNo(bool);

impl fmt::Display for YesNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0 { "yes" } else { "no" })
    }
}

struct Cache(Option<CacheGeometry>);

impl fmt::Display for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(c) => write!(f, "{}K {}-way {}B", c.size_bytes() / 1024, c.ways, c.line_bytes),
            None => f.write_str("none"),
        }
    }
}

/// The banner's CPU part: `24Kf PRId 0x00019300 MIPS32r2 BE, TLB 16, KScratch none, ...`.
impl fmt::Display for CpuInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endian = if self.big_endian { "BE" } else { "LE" };
        write!(
            f,
            "{} PRId {:#010x} {} {endian}, TLB {}, KScratch ",
            self.model, self.prid.0, self.isa, self.tlb_entries
        )?;
        let mut selects = self.kscratch_selects().peekable();
        if selects.peek().is_none() {
            f.write_str("none")?;
        }
        for (i, sel) in selects.enumerate() {
            write!(f, "{}{sel}", if i == 0 { "sel " } else { "," })?;
        }
        write!(
            f,
            ", BadInstr {}, BadInstrP {}, SegCtl {}, PW {}, MMID {}, GINVT {}, VZ {}, FPU {}, I$ {}, D$ {}",
            YesNo(self.bad_instr),
            YesNo(self.bad_instr_p),
            YesNo(self.segment_control),
            YesNo(self.page_walker),
            YesNo(self.mmid),
            YesNo(self.ginvt),
            YesNo(self.vz),
            YesNo(self.fpu),
            Cache(self.icache),
            Cache(self.dcache),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    // Raw registers recorded from QEMU 7.2 at boot (the `cp0:` line; Config0.K0
    // already 3 because start-up set it). Expected facts come from the
    // CPU table in shared/docs/platforms.md, not from this decoder.
    const QEMU_24KF_BE: Cp0Snapshot = Cp0Snapshot {
        prid: 0x0001_9300,
        config: [Some(0x8000_8483), Some(0x9e19_0c8f), Some(0x8000_0000), Some(0), None, None],
    };
    const QEMU_24KF_LE: Cp0Snapshot = Cp0Snapshot {
        prid: 0x0001_9300,
        config: [Some(0x8000_0483), Some(0x9e19_0c8f), Some(0x8000_0000), Some(0), None, None],
    };
    const QEMU_74KF: Cp0Snapshot = Cp0Snapshot {
        prid: 0x0001_9700,
        config: [Some(0x8000_8483), Some(0x9e19_0c8f), Some(0x8000_0000), Some(0x0000_0c20), None, None],
    };
    const QEMU_P5600: Cp0Snapshot = Cp0Snapshot {
        prid: 0x0001_a800,
        config: [
            Some(0x8004_0483),
            Some(0xfea3_519b),
            Some(0x8000_0000),
            Some(0xbf00_30a0),
            Some(0xc01c_0000),
            Some(0x1000_0038),
        ],
    };
    const QEMU_I6500: Cp0Snapshot = Cp0Snapshot {
        prid: 0x0001_b000,
        config: [
            Some(0x8000_4883),
            Some(0x9eab_558b),
            Some(0x8000_0000),
            Some(0xbc00_30a0),
            Some(0xf0fc_0000),
            Some(0x0000_2098),
        ],
    };

    #[test]
    fn m_chain_stops_reading_at_the_first_clear_m_bit() {
        let values = [0x8000_0483, 0x1e19_0c8f, 0xdead_beef];
        let mut reads = alloc::vec::Vec::new();
        let snap = Cp0Snapshot::read_with(0x19300, |n| {
            reads.push(n);
            values[n as usize]
        });
        assert_eq!(reads, [0, 1], "Config1.M clear: Config2 must not be read");
        assert_eq!(snap.config[2], None);
    }

    #[test]
    fn qemu_24kf_is_mips32r2_with_16_tlb_entries_and_no_kscratch() {
        let cpu = CpuInfo::probe(&QEMU_24KF_BE);
        assert_eq!(cpu.model, "24Kf");
        assert_eq!(cpu.isa, Isa { word: WordSize::W32, release: 2 });
        assert!(cpu.big_endian);
        assert_eq!(cpu.tlb_entries, 16);
        assert_eq!(cpu.kscratch, 0);
        assert!(!cpu.segment_control && !cpu.page_walker && !cpu.mmid && !cpu.bad_instr);
        assert!(cpu.fpu);
        assert!(!CpuInfo::probe(&QEMU_24KF_LE).big_endian);
        let banner = cpu.to_string();
        assert!(banner.starts_with("24Kf PRId 0x00019300 MIPS32r2 BE, TLB 16, KScratch none,"), "{banner}");
    }

    #[test]
    fn qemu_74kf_is_named_and_has_no_kscratch() {
        let cpu = CpuInfo::probe(&QEMU_74KF);
        assert_eq!(cpu.model, "74Kf");
        assert_eq!(cpu.tlb_entries, 16);
        assert_eq!(cpu.kscratch, 0);
    }

    #[test]
    fn qemu_p5600_has_64_entries_kscratch_2_to_4_segctl_and_page_walker() {
        let cpu = CpuInfo::probe(&QEMU_P5600);
        assert_eq!(cpu.model, "P5600");
        assert_eq!(cpu.isa, Isa { word: WordSize::W32, release: 2 });
        assert!(!cpu.big_endian);
        assert_eq!(cpu.tlb_entries, 64);
        assert_eq!(cpu.kscratch_selects().collect::<alloc::vec::Vec<_>>(), [2, 3, 4]);
        assert!(cpu.segment_control && cpu.page_walker && cpu.bad_instr && cpu.bad_instr_p);
        assert!(!cpu.mmid && !cpu.vz);
        assert!(cpu.to_string().contains("TLB 64, KScratch sel 2,3,4, BadInstr yes"));
    }

    #[test]
    fn qemu_i6500_is_mips64r6_with_kscratch_2_to_7_and_no_mmid() {
        let cpu = CpuInfo::probe(&QEMU_I6500);
        assert_eq!(cpu.model, "I6500");
        assert_eq!(cpu.isa, Isa { word: WordSize::W64, release: 6 });
        assert_eq!(cpu.isa.to_string(), "MIPS64r6");
        assert_eq!(cpu.tlb_entries, 16);
        assert_eq!(cpu.kscratch, 0xfc);
        // platforms.md: stock QEMU 7.2 sets neither Config5.MI nor Config5.GI.
        assert!(!cpu.mmid && !cpu.ginvt);
        assert!(!cpu.segment_control && !cpu.page_walker);
    }

    #[test]
    fn mmid_ginvt_and_tlb_size_extension_are_decoded_when_present() {
        // A patched I6500: Config5.MI (bit 17), GI = 3 (bits 16:15); Config4
        // MMUExtDef = 1 with MMUSizeExt = 1 adds 64 entries.
        let mut raw = QEMU_I6500;
        raw.config[5] = Some(0x0000_2098 | (1 << 17) | (3 << 15));
        raw.config[4] = Some(0xf0fc_0000 | (1 << 14) | 1);
        let cpu = CpuInfo::probe(&raw);
        assert!(cpu.mmid && cpu.ginvt);
        assert_eq!(cpu.tlb_entries, 16 + 64);
    }

    #[test]
    fn a_cpu_of_another_company_is_unknown_not_misnamed() {
        let mut raw = QEMU_24KF_BE;
        raw.prid = 0x0002_9300;
        assert_eq!(CpuInfo::probe(&raw).model, "unknown");
    }
}
