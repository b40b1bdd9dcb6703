//! What each kind of exit costs: host Count ticks from the exception vector
//! to the ERET back into the guest, summed per kind and printed at halt.
//!
//! The firmware stamps host Count in the vector (exit) and just before the
//! ERET (entry); the run loop hands each exit's difference to
//! [`ExitCosts::record`] with the kind the vCPU gave it. Under QEMU's
//! `-icount shift=0` one instruction is one ns of virtual time, so a Count
//! tick of a `hz` Count is `1e9 / hz` instructions (6.25 on Malta's 160 MHz).

use core::fmt;

use crate::cp0::fields::ExcCode;

macro_rules! exit_kinds {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,)*) => {
        /// What an exit turned out to be, finer than the host's cause.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        #[repr(u8)]
        pub enum ExitKind {
            #[default]
            $($(#[doc = $doc])* $variant,)*
        }

        impl ExitKind {
            pub const ALL: &'static [ExitKind] = &[$(ExitKind::$variant),*];

            /// The short name the cost lines and `scripts/bench` use.
            pub fn name(self) -> &'static str {
                match self {
                    $(ExitKind::$variant => $name,)*
                }
            }
        }
    };
}

exit_kinds! {
    /// Anything not classified below (halts, unexpected causes).
    Other = "other",
    /// A host interrupt (timer or device line).
    Interrupt = "interrupt",
    Mfc0 = "mfc0",
    Mtc0 = "mtc0",
    Eret = "eret",
    /// DI/EI.
    DiEi = "di_ei",
    /// TLBP/TLBR/TLBWI/TLBWR.
    TlbOp = "tlb_op",
    Wait = "wait",
    /// CACHE emulated (and possibly rewritten to a NOP).
    Cache = "cache",
    /// Another COP0 instruction, or CpU delivered to the guest.
    OtherCp0 = "other_cp0",
    /// RDHWR emulated on the generic exit path.
    Rdhwr = "rdhwr",
    /// RDHWR served by the fast path, before the generic exit.
    RdhwrFast = "rdhwr_fast",
    /// MFC0 served by the fast path.
    Mfc0Fast = "mfc0_fast",
    /// MTC0 of a plain register served by the fast path.
    Mtc0Fast = "mtc0_fast",
    /// DI served by the fast path.
    DiFast = "di_fast",
    /// EI served by the fast path (no interrupt let in).
    EiFast = "ei_fast",
    /// A Reserved Instruction (or MSA/DSP) delivered to the guest.
    ReservedDelivered = "ri_delivered",
    /// A guest TLB translation copied into the GVA table.
    TlbFill = "tlb_fill",
    /// A TLB exception delivered to the guest.
    TlbDelivered = "tlb_delivered",
    /// A load/store served by the monitor (real KSEG0/KSEG1, device or RAM).
    ServedAccess = "served_access",
    /// An address error delivered to the guest.
    AddrErrDelivered = "adderr_delivered",
    Syscall = "syscall",
    /// BREAK, trap, overflow, FPE, bus error delivered.
    OtherDelivered = "other_delivered",
    /// The FPU handed over, or a debug exit.
    Special = "special",
}

impl ExitKind {
    /// The kind an exit with host cause `exc` is until the vCPU knows better
    /// (the instruction it emulated, whether it filled a table or served an access).
    pub fn of_cause(exc: ExcCode) -> ExitKind {
        match exc {
            ExcCode::Int => ExitKind::Interrupt,
            ExcCode::CpU => ExitKind::OtherCp0,
            ExcCode::Ri | ExcCode::MsaDis | ExcCode::DspDis => ExitKind::ReservedDelivered,
            ExcCode::AdEL | ExcCode::AdES => ExitKind::AddrErrDelivered,
            ExcCode::TlbL | ExcCode::TlbS | ExcCode::Mod => ExitKind::TlbDelivered,
            ExcCode::Sys => ExitKind::Syscall,
            ExcCode::Bp | ExcCode::Tr | ExcCode::Ov | ExcCode::Fpe | ExcCode::Ibe | ExcCode::Dbe => {
                ExitKind::OtherDelivered
            }
            _ => ExitKind::Other,
        }
    }
}

const KINDS: usize = ExitKind::ALL.len();

/// Exits and host Count ticks per [`ExitKind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitCosts {
    exits: [u64; KINDS],
    ticks: [u64; KINDS],
}

impl Default for ExitCosts {
    fn default() -> Self {
        ExitCosts { exits: [0; KINDS], ticks: [0; KINDS] }
    }
}

impl ExitCosts {
    /// One exit of `kind` that took Count from `exit_count` to `entry_count`
    /// (wrapping: Count is 32 bits).
    pub fn record(&mut self, kind: ExitKind, exit_count: u32, entry_count: u32) {
        self.exits[kind as usize] += 1;
        self.ticks[kind as usize] += u64::from(entry_count.wrapping_sub(exit_count));
    }

    /// (exits, ticks) of `kind`.
    pub fn of(&self, kind: ExitKind) -> (u64, u64) {
        (self.exits[kind as usize], self.ticks[kind as usize])
    }
}

impl fmt::Display for ExitCosts {
    /// One `exit_cost KIND exits=N ticks=T` line per kind that happened.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &kind in ExitKind::ALL {
            let (exits, ticks) = self.of(kind);
            if exits != 0 {
                writeln!(f, "exit_cost {} exits={exits} ticks={ticks}", kind.name())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_sums_per_kind_across_a_count_wrap() {
        let mut costs = ExitCosts::default();
        costs.record(ExitKind::Mfc0, 100, 350);
        costs.record(ExitKind::Mfc0, u32::MAX - 9, 40);
        costs.record(ExitKind::RdhwrFast, 7, 27);
        assert_eq!(costs.of(ExitKind::Mfc0), (2, 250 + 50));
        assert_eq!(costs.of(ExitKind::RdhwrFast), (1, 20));
        assert_eq!(costs.of(ExitKind::Eret), (0, 0));
    }

    #[test]
    fn display_lists_only_kinds_that_happened_in_order() {
        let mut costs = ExitCosts::default();
        costs.record(ExitKind::Syscall, 0, 300);
        costs.record(ExitKind::Interrupt, 0, 1000);
        assert_eq!(
            std::format!("{costs}"),
            "exit_cost interrupt exits=1 ticks=1000\nexit_cost syscall exits=1 ticks=300\n"
        );
        assert_eq!(std::format!("{}", ExitCosts::default()), "");
    }

    #[test]
    fn names_are_unique_words() {
        for (i, a) in ExitKind::ALL.iter().enumerate() {
            assert!(
                a.name().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}",
                a.name()
            );
            assert_eq!(ExitKind::ALL[i] as usize, i);
            for b in &ExitKind::ALL[i + 1..] {
                assert_ne!(a.name(), b.name());
            }
        }
    }
}
