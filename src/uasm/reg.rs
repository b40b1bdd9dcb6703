//! General-purpose registers, named by their o32 ABI names.
//!
//! The encoding is the register number, which is all the hardware sees.
//! The names follow o32 on every ISA, including MIPS64: under the n64 ABI
//! registers $8..$11 are called a4..a7 and $12..$15 t0..t3, but the monitor's
//! generated code only names registers by their role here (k0, k1, ...), so
//! one naming scheme is clearer than two that disagree about `T0`.

/// A MIPS general-purpose register; the discriminant is its number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Reg {
    Zero = 0,
    At,
    V0,
    V1,
    A0,
    A1,
    A2,
    A3,
    /// $8 (n64 calls it a4).
    T0,
    /// $9 (n64: a5).
    T1,
    /// $10 (n64: a6).
    T2,
    /// $11 (n64: a7).
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
    /// $26, reserved for exception handlers.
    K0,
    /// $27, reserved for exception handlers.
    K1,
    Gp,
    Sp,
    Fp,
    Ra,
}

impl Reg {
    /// Every register in number order, so `ALL[n].number() == n`.
    pub const ALL: [Reg; 32] = [
        Reg::Zero,
        Reg::At,
        Reg::V0,
        Reg::V1,
        Reg::A0,
        Reg::A1,
        Reg::A2,
        Reg::A3,
        Reg::T0,
        Reg::T1,
        Reg::T2,
        Reg::T3,
        Reg::T4,
        Reg::T5,
        Reg::T6,
        Reg::T7,
        Reg::S0,
        Reg::S1,
        Reg::S2,
        Reg::S3,
        Reg::S4,
        Reg::S5,
        Reg::S6,
        Reg::S7,
        Reg::T8,
        Reg::T9,
        Reg::K0,
        Reg::K1,
        Reg::Gp,
        Reg::Sp,
        Reg::Fp,
        Reg::Ra,
    ];

    /// The register number, 0..=31, as encoded in rs/rt/rd fields.
    pub const fn number(self) -> u32 {
        self as u32
    }

    /// The register with number `n`, or `None` if `n > 31`.
    pub const fn from_number(n: u32) -> Option<Reg> {
        if n < 32 {
            Some(Self::ALL[n as usize])
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_o32_register_table() {
        // MIPS o32 ABI: k0/k1 are $26/$27, sp $29, ra $31, t8 $24.
        assert_eq!(Reg::K0.number(), 26);
        assert_eq!(Reg::K1.number(), 27);
        assert_eq!(Reg::Sp.number(), 29);
        assert_eq!(Reg::Ra.number(), 31);
        assert_eq!(Reg::T8.number(), 24);
        for (n, reg) in Reg::ALL.iter().enumerate() {
            assert_eq!(reg.number(), n as u32);
            assert_eq!(Reg::from_number(n as u32), Some(*reg));
        }
        assert_eq!(Reg::from_number(32), None);
    }
}
