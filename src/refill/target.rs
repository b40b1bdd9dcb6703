//! What the generator needs to know about the CPU, as plain data.

use crate::cp0::{self, Cp0Reg};
use crate::uasm::Isa;

/// The CPU features that shape the refill handler. The firmware fills it
/// from the Config registers at boot (Config4.KScrExist, ISA revision, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefillTarget {
    pub isa: Isa,
    pub scratch: Scratch,
    pub root: RootSource,
    /// Whether `tlbwr` needs an `ehb` after the EntryLo writes (false only on
    /// cores Linux lists as free of that hazard, e.g. P5600).
    pub needs_ehb: bool,
}

/// Where the handler parks the guest's k0 and k1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scratch {
    /// Two KScratch registers (CP0 31, the given selects in 2..=7).
    KScratch { k0_sel: u8, k1_sel: u8 },
    /// CPUs without KScratch (24K): k0 in DDataLo (CP0 28, 3), k1 in
    /// ErrorEPC (CP0 30, 0), as Linux's KVM did. DDataLo holds 32 bits; that
    /// suffices because a 32-bit guest's registers are sign-extended 32-bit
    /// values even on a MIPS64 host. ErrorEPC is free while ERL is clear.
    DataLoErrorEpc,
}

impl Scratch {
    /// The CP0 registers holding k0 and k1.
    pub fn registers(self) -> (Cp0Reg, Cp0Reg) {
        match self {
            Scratch::KScratch { k0_sel, k1_sel } => {
                (Cp0Reg { reg: 31, sel: k0_sel }, Cp0Reg { reg: 31, sel: k1_sel })
            }
            Scratch::DataLoErrorEpc => (cp0::DDATA_LO, cp0::ERROR_EPC),
        }
    }
}

/// Where the current guest mode's GVA root pointer lives. The monitor
/// updates it whenever the guest switches between kernel and user mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootSource {
    /// In a KScratch register (CP0 31, this select): saves a lui + load.
    KScratch(u8),
    /// In memory at this address: a sign-extended 32-bit (KSEG0/KSEG1)
    /// address; on MIPS32 the plain 32-bit form is accepted too.
    Absolute(u64),
}

impl RefillTarget {
    /// The handler variant for a probed CPU: k0/k1 saved in the first two
    /// KScratch registers (else DDataLo/ErrorEPC), the root pointer held in
    /// a third KScratch (else loaded from `root_slot`, the per-CPU word the
    /// monitor updates at guest entry).
    pub fn for_cpu(cpu: &crate::cpu::CpuInfo, root_slot: u64) -> RefillTarget {
        let isa = Isa::for_cpu(cpu);
        let mut selects = cpu.kscratch_selects();
        let scratch = match (selects.next(), selects.next()) {
            (Some(k0_sel), Some(k1_sel)) => Scratch::KScratch { k0_sel, k1_sel },
            _ => Scratch::DataLoErrorEpc,
        };
        let root = match selects.next() {
            Some(sel) if matches!(scratch, Scratch::KScratch { .. }) => RootSource::KScratch(sel),
            _ => RootSource::Absolute(root_slot),
        };
        RefillTarget { isa, scratch, root, needs_ehb: needs_execution_hazard_barrier(cpu.model) }
    }
}

/// Whether `mtc0 EntryLo` to `tlbwr` needs an `ehb`: Release 2 requires it
/// unless the core resolves that hazard in its pipeline; the cores known to
/// (the list Linux keeps in cpu_has_mips_r2_exec_hazard) are named here.
fn needs_execution_hazard_barrier(model: &str) -> bool {
    !matches!(model, "74Kc" | "74Kf" | "1074K" | "proAptiv" | "P5600")
}

#[cfg(test)]
mod for_cpu_tests {
    use super::*;
    use crate::cpu::{Cp0Snapshot, CpuInfo};

    fn cpu(prid: u32, config: [Option<u32>; 6]) -> CpuInfo {
        CpuInfo::probe(&Cp0Snapshot { prid, config })
    }

    #[test]
    fn a_24kf_saves_in_ddatalo_and_errorepc_and_loads_the_root_from_memory() {
        let c = cpu(0x19300, [Some(0x8000_8483), Some(0x9e19_0c8f), Some(0x8000_0000), Some(0), None, None]);
        let t = RefillTarget::for_cpu(&c, 0x8010_0040);
        assert_eq!(t.isa, Isa::Mips32r2);
        assert_eq!(t.scratch, Scratch::DataLoErrorEpc);
        assert_eq!(t.root, RootSource::Absolute(0x8010_0040));
        assert!(t.needs_ehb);
    }

    #[test]
    fn kscratch_cores_keep_k0_k1_and_the_root_in_kscratch() {
        let p5600 = cpu(
            0x1a800,
            [
                Some(0x8004_0483),
                Some(0xfea3_519b),
                Some(0x8000_0000),
                Some(0xbf00_30a0),
                Some(0xc01c_0000),
                Some(0x1000_0038),
            ],
        );
        let t = RefillTarget::for_cpu(&p5600, 0);
        assert_eq!(t.scratch, Scratch::KScratch { k0_sel: 2, k1_sel: 3 });
        assert_eq!(t.root, RootSource::KScratch(4));
        assert!(!t.needs_ehb, "P5600 resolves the mtc0-to-tlbwr hazard in hardware");
        let i6500 = cpu(
            0x1b000,
            [
                Some(0x8000_4883),
                Some(0x9eab_558b),
                Some(0x8000_0000),
                Some(0xbc00_30a0),
                Some(0xf0fc_0000),
                Some(0x2098),
            ],
        );
        let t = RefillTarget::for_cpu(&i6500, 0);
        assert_eq!(t.isa, Isa::Mips64r6);
        assert!(t.needs_ehb);
    }
}
