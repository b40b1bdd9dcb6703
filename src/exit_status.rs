//! How a run ends: the status code of each kind of halt (one table, read by
//! the smoke tests too), the `on_halt=` monitor word, the final status line,
//! and the register each board resets itself with.
//!
//! Under QEMU the status is QEMU's exit code (MIPS UHI semihosting `exit`,
//! issued by the monitor in kernel mode, `on_halt=exit`); on a board it is
//! the last console line, after which the monitor parks or resets the board.

use core::fmt;

use crate::board::Platform;
use crate::vcpu::HaltReason;

/// Why the run ended, as far as a script cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HaltKind {
    /// The guest powered the board off (PIIX4 soft-off), or the monitor
    /// console's `poweroff`.
    PowerOff,
    /// A `selftest=` passed.
    SelftestPassed,
    /// The guest wrote a board-reset register.
    BoardReset,
    /// WAIT with every interrupt masked: nothing can wake the guest.
    WaitMasked,
    /// [`HaltReason::ExceptionLoop`].
    ExceptionLoop,
    /// [`HaltReason::ExceptionVectorNotRam`].
    VectorNotRam,
    /// [`HaltReason::UnexpectedException`]: a host exception no guest can cause.
    UnexpectedException,
    /// `check=isolation` found the invariant broken.
    Isolation,
    /// The monitor refused to start or go on: a bad guest image, a bad
    /// word, no guest, an unknown board.
    MonitorStop,
    /// An exception, SDBBP or panic in the monitor's own code.
    MonitorFault,
    /// A `selftest=` failed or does not exist.
    SelftestFailed,
}

/// Every kind with its exit code and its name on the status line. The smoke
/// tests read this table (qemu-tests/harness.py `exit_status`): keep one
/// `(HaltKind::Name, code, "name"),` per line.
pub const TABLE: &[(HaltKind, u8, &str)] = &[
    (HaltKind::PowerOff, 0, "power-off"),
    (HaltKind::SelftestPassed, 0, "selftest-passed"),
    (HaltKind::BoardReset, 10, "board-reset"),
    (HaltKind::WaitMasked, 11, "wait-masked"),
    (HaltKind::ExceptionLoop, 12, "exception-loop"),
    (HaltKind::VectorNotRam, 13, "vector-not-ram"),
    (HaltKind::UnexpectedException, 15, "unexpected-exception"),
    (HaltKind::Isolation, 16, "isolation"),
    (HaltKind::MonitorStop, 20, "monitor-stop"),
    (HaltKind::MonitorFault, 21, "monitor-fault"),
    (HaltKind::SelftestFailed, 22, "selftest-failed"),
];

impl HaltKind {
    fn entry(self) -> &'static (HaltKind, u8, &'static str) {
        // Every kind has a row (unit-tested), so the fallback is never taken.
        TABLE.iter().find(|(kind, _, _)| *kind == self).unwrap_or(&TABLE[TABLE.len() - 1])
    }

    /// The process exit code under QEMU (0: the run did what it was for).
    pub fn code(self) -> u8 {
        self.entry().1
    }

    /// The kind's name on the status line.
    pub fn name(self) -> &'static str {
        self.entry().2
    }
}

impl From<&HaltReason> for HaltKind {
    fn from(reason: &HaltReason) -> Self {
        match reason {
            HaltReason::UnexpectedException { .. } => HaltKind::UnexpectedException,
            HaltReason::GuestStopped { .. } => HaltKind::WaitMasked,
            HaltReason::ExceptionVectorNotRam { .. } => HaltKind::VectorNotRam,
            HaltReason::ExceptionLoop { .. } => HaltKind::ExceptionLoop,
        }
    }
}

/// The run's last console line: `mipsvisor: exit status N (name)`.
pub struct StatusLine(pub HaltKind);

impl fmt::Display for StatusLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "mipsvisor: exit status {} ({})", self.0.code(), self.0.name())
    }
}

/// What the monitor does after the status line (`on_halt=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum OnHalt {
    /// Stop the CPU (interrupts off, WAIT); a guest power-off is carried
    /// out first (the board switches off; under QEMU: exit code 0).
    Park,
    /// Reset the board (it boots the monitor again).
    Reset,
    /// End QEMU with the status as its exit code (UHI semihosting; QEMU
    /// needs `-semihosting-config enable=on,target=native`).
    Exit,
}

impl OnHalt {
    /// The `on_halt=` word's value; `None`: not a policy (say `Err`'s text).
    pub fn parse(word: Option<&str>) -> Result<Self, OnHaltError> {
        match word {
            None | Some("park") => Ok(OnHalt::Park),
            Some("reset") => Ok(OnHalt::Reset),
            Some("exit") => Ok(OnHalt::Exit),
            Some(_) => Err(OnHaltError),
        }
    }

    pub fn from_u8(raw: u8) -> Self {
        match raw {
            1 => OnHalt::Reset,
            2 => OnHalt::Exit,
            _ => OnHalt::Park,
        }
    }
}

/// An `on_halt=` value that is not a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OnHaltError;

impl fmt::Display for OnHaltError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("say on_halt=park, on_halt=reset or on_halt=exit")
    }
}

/// UHI operation number of `exit` (in $25 for SDBBP 1; the code in $4).
pub const UHI_EXIT: usize = 1;

/// The 32-bit register write that resets a board: (physical address, value).
pub fn board_reset_write(platform: Platform) -> (u32, u32) {
    use crate::devices::{BOSTON_SOFTRST_CTL, BOSTON_SYSRESET, MALTA_GORESET, MALTA_SOFTRES};
    match platform {
        Platform::Malta => (MALTA_SOFTRES, MALTA_GORESET),
        Platform::Boston => (BOSTON_SOFTRST_CTL, BOSTON_SYSRESET),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cp0::fields::ExcCode;
    use alloc::string::ToString;

    const ALL: [HaltKind; 11] = [
        HaltKind::PowerOff,
        HaltKind::SelftestPassed,
        HaltKind::BoardReset,
        HaltKind::WaitMasked,
        HaltKind::ExceptionLoop,
        HaltKind::VectorNotRam,
        HaltKind::UnexpectedException,
        HaltKind::Isolation,
        HaltKind::MonitorStop,
        HaltKind::MonitorFault,
        HaltKind::SelftestFailed,
    ];

    #[test]
    fn every_kind_has_exactly_one_row() {
        assert_eq!(TABLE.len(), ALL.len());
        for kind in ALL {
            assert_eq!(TABLE.iter().filter(|(k, _, _)| *k == kind).count(), 1, "{kind:?}");
        }
    }

    #[test]
    fn only_the_successes_exit_with_zero_and_every_failure_has_its_own_code() {
        for (kind, code, _) in TABLE {
            let success = matches!(kind, HaltKind::PowerOff | HaltKind::SelftestPassed);
            assert_eq!(*code == 0, success, "{kind:?} exits with {code}");
            // QEMU itself exits with 1 on its own errors; shells give 2 and 126+ meanings.
            assert!(*code == 0 || (3..126).contains(code), "{kind:?}: {code}");
        }
        let failures: alloc::vec::Vec<u8> = TABLE.iter().map(|e| e.1).filter(|c| *c != 0).collect();
        for (i, code) in failures.iter().enumerate() {
            assert!(!failures[i + 1..].contains(code), "code {code} used twice");
        }
        let names: alloc::vec::Vec<&str> = TABLE.iter().map(|e| e.2).collect();
        for (i, name) in names.iter().enumerate() {
            assert!(!names[i + 1..].contains(name), "name {name} used twice");
        }
    }

    #[test]
    fn each_halt_reason_maps_to_its_kind() {
        let cases = [
            (HaltReason::GuestStopped { pc: 0x4010_0000 }, HaltKind::WaitMasked, 11),
            (HaltReason::ExceptionLoop { pc: 0, exc: ExcCode::Sys }, HaltKind::ExceptionLoop, 12),
            (HaltReason::ExceptionVectorNotRam { vector: 0, guest_phys: 0 }, HaltKind::VectorNotRam, 13),
            (
                HaltReason::UnexpectedException { exc: ExcCode::Mcheck, epc: 0 },
                HaltKind::UnexpectedException,
                15,
            ),
        ];
        for (reason, kind, code) in cases {
            assert_eq!(HaltKind::from(&reason), kind);
            assert_eq!(kind.code(), code);
        }
    }

    #[test]
    fn the_status_line_names_code_and_kind() {
        assert_eq!(StatusLine(HaltKind::PowerOff).to_string(), "mipsvisor: exit status 0 (power-off)");
        assert_eq!(StatusLine(HaltKind::Isolation).to_string(), "mipsvisor: exit status 16 (isolation)");
    }

    #[test]
    fn on_halt_words() {
        assert_eq!(OnHalt::parse(None), Ok(OnHalt::Park));
        assert_eq!(OnHalt::parse(Some("park")), Ok(OnHalt::Park));
        assert_eq!(OnHalt::parse(Some("reset")), Ok(OnHalt::Reset));
        assert_eq!(OnHalt::parse(Some("exit")), Ok(OnHalt::Exit));
        assert_eq!(OnHalt::parse(Some("EXIT")), Err(OnHaltError));
        assert_eq!(OnHalt::parse(Some("")), Err(OnHaltError));
        for policy in [OnHalt::Park, OnHalt::Reset, OnHalt::Exit] {
            assert_eq!(OnHalt::from_u8(policy as u8), policy);
        }
        assert_eq!(OnHalt::from_u8(200), OnHalt::Park);
    }

    #[test]
    fn board_reset_registers() {
        assert_eq!(board_reset_write(Platform::Malta), (0x1f00_0500, 0x42));
        assert_eq!(board_reset_write(Platform::Boston), (0x17ff_d010, 0x10));
        // The guest may not reach the monitor's reset register itself.
        for platform in [Platform::Malta, Platform::Boston] {
            let (phys, value) = board_reset_write(platform);
            assert_eq!(
                crate::devices::classify(platform, phys, 4).0,
                crate::devices::DeviceAccess::BoardReset
            );
            assert!(crate::devices::write_resets_board(platform, value));
        }
    }
}
