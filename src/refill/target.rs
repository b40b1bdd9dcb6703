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
