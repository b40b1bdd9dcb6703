//! Exit counters, named as Linux's KVM MIPS named its per-vCPU statistics
//! (plus the ones the monitor adds), printed at halt.

use core::fmt;

macro_rules! exit_stats {
    ($($(#[doc = $doc:literal])* $name:ident,)*) => {
        /// How often each kind of exit happened, and what the monitor did about it.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct ExitStats {
            $($(#[doc = $doc])* pub $name: u64,)*
        }

        impl ExitStats {
            /// Every counter with its name, in declaration order.
            pub fn counters(&self) -> [(&'static str, u64); [$(stringify!($name)),*].len()] {
                [$((stringify!($name), self.$name)),*]
            }
        }
    };
}

exit_stats! {
    /// Every exit from the guest.
    exits,
    /// WAIT executed by the guest.
    wait,
    /// CACHE executed by the guest.
    cache,
    /// SYNCI the monitor had to perform (address in a monitor-served segment).
    synci,
    /// Host interrupts taken while the guest ran.
    interrupt,
    /// Coprocessor Unusable exits (COP0/CACHE emulation and FPU use).
    cop_unusable,
    /// MFC0, MTC0 of plain registers, DI and EI served by the fast path (counted in `cop_unusable` too).
    cp0_fast,
    /// FPU handed to the guest on first use.
    fpu_granted,
    /// FPU instructions with the guest's own Status.CU1 clear: CpU(1)
    /// delivered to the guest (its lazy FPU switch, or FPU emulation without one).
    fpu_unusable,
    /// TLB Modified exits.
    tlbmod,
    /// TLB load/fetch exits (the refill handler found an invalid PTE).
    tlbmiss_ld,
    /// TLB store exits.
    tlbmiss_st,
    /// Address error exits on load/fetch.
    addrerr_ld,
    /// Address error exits on store.
    addrerr_st,
    syscall,
    /// Reserved Instruction exits (RDHWR emulation included).
    resvd_inst,
    /// RDHWR served by the fast path (counted in `resvd_inst` too).
    rdhwr_fast,
    break_inst,
    trap_inst,
    overflow,
    fpe,
    /// Bus error exits, and bus errors the monitor raised for the guest.
    bus_error,
    /// Data cache writeback operations (CACHE on the D-cache; no-ops here).
    flush_dcache,
    /// Emulated data-cache CACHE instructions rewritten to NOPs in guest memory.
    dyntrans,
    /// Guest loads and stores passed to a device.
    mmio,
    /// Guest loads and stores to RAM through a monitor-served segment.
    phys_access,
    /// Interrupts delivered to the guest.
    guest_interrupts,
    /// Instructions the monitor could not emulate (delivered as RI).
    unemulated,
}

impl fmt::Display for ExitStats {
    /// One `name value` line per nonzero counter; `exits` always.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in self.counters() {
            if value != 0 || name == "exits" {
                writeln!(f, "{name:<16} {value:>12}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_lists_exits_and_nonzero_counters_aligned() {
        let stats = ExitStats { exits: 12, wait: 3, tlbmiss_ld: 1_000_000, ..ExitStats::default() };
        let text = std::format!("{stats}");
        assert_eq!(
            text,
            "exits                      12\nwait                        3\ntlbmiss_ld            1000000\n"
        );
        assert_eq!(std::format!("{}", ExitStats::default()), "exits                       0\n");
    }

    #[test]
    fn counters_are_named_like_kvm_mips() {
        let names: std::vec::Vec<&str> = ExitStats::default().counters().iter().map(|(n, _)| *n).collect();
        for kvm in [
            "wait",
            "cache",
            "interrupt",
            "cop_unusable",
            "tlbmod",
            "tlbmiss_ld",
            "tlbmiss_st",
            "addrerr_ld",
            "addrerr_st",
            "syscall",
            "resvd_inst",
            "break_inst",
            "trap_inst",
            "fpe",
            "flush_dcache",
        ] {
            assert!(names.contains(&kvm), "{kvm}");
        }
    }
}
