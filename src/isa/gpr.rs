//! General-purpose registers as instruction fields name them.

/// One of the 32 general-purpose registers, named as the o32 ABI (and GNU
/// objdump) names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Gpr {
    Zero = 0,
    At,
    V0,
    V1,
    A0,
    A1,
    A2,
    A3,
    T0,
    T1,
    T2,
    T3,
    T4,
    T5,
    T6,
    T7,
    S0,
    S1,
    S2,
    S3,
    S4,
    S5,
    S6,
    S7,
    T8,
    T9,
    K0,
    K1,
    Gp,
    Sp,
    /// Register 30, also called `fp`; objdump prints `s8`.
    S8,
    Ra,
}

impl Gpr {
    /// All registers in field order, so `ALL[n]` is register `$n`.
    pub const ALL: [Gpr; 32] = {
        use Gpr::*;
        [
            Zero, At, V0, V1, A0, A1, A2, A3, T0, T1, T2, T3, T4, T5, T6, T7, S0, S1, S2, S3, S4, S5, S6, S7,
            T8, T9, K0, K1, Gp, Sp, S8, Ra,
        ]
    };

    /// The register a 5-bit instruction field selects; bits above the low
    /// five are ignored, so callers pass a shifted word directly.
    pub const fn from_field(field: u32) -> Gpr {
        Self::ALL[(field & 0x1f) as usize]
    }

    /// The register number `n` of `$n`.
    pub const fn number(self) -> u8 {
        self as u8
    }

    /// The value of a 5-bit instruction field naming this register (for encoders).
    pub const fn field(self) -> u32 {
        self as u32
    }

    /// The o32 ABI name objdump prints.
    pub const fn abi_name(self) -> &'static str {
        const NAMES: [&str; 32] = [
            "zero", "at", "v0", "v1", "a0", "a1", "a2", "a3", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7",
            "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "t8", "t9", "k0", "k1", "gp", "sp", "s8", "ra",
        ];
        NAMES[self as usize]
    }
}

impl core::fmt::Display for Gpr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.abi_name())
    }
}

/// Read access to a 32-bit guest's general registers.
///
/// Implementations may hold anything in slot 0: branch resolution and address
/// computation in this module read `$zero` as 0 regardless.
pub trait GprRead {
    fn gpr(&self, reg: Gpr) -> u32;
}

impl GprRead for [u32; 32] {
    fn gpr(&self, reg: Gpr) -> u32 {
        self[reg.number() as usize]
    }
}

/// A register's architectural value: `$zero` always reads 0.
pub(crate) fn read_gpr(regs: &impl GprRead, reg: Gpr) -> u32 {
    if reg == Gpr::Zero {
        0
    } else {
        regs.gpr(reg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_order_matches_register_numbers() {
        for (n, reg) in Gpr::ALL.iter().enumerate() {
            assert_eq!(reg.number() as usize, n);
            assert_eq!(Gpr::from_field(n as u32), *reg);
        }
        // The o32 ABI: $29 is sp, $31 ra, $26/$27 the kernel's k0/k1.
        assert_eq!(Gpr::from_field(29), Gpr::Sp);
        assert_eq!(Gpr::from_field(31 | 0x20), Gpr::Ra);
        assert_eq!(Gpr::K1.abi_name(), "k1");
    }

    #[test]
    fn zero_register_reads_zero_whatever_slot_0_holds() {
        let mut regs = [0u32; 32];
        regs[0] = 0xdead_beef;
        regs[5] = 7;
        assert_eq!(read_gpr(&regs, Gpr::Zero), 0);
        assert_eq!(read_gpr(&regs, Gpr::A1), 7);
    }
}
