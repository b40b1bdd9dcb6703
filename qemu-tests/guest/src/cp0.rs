//! Coprocessor 0 access: the guest's only window onto privileged state.
//!
//! Every access is a real `mfc0`/`mtc0` (or TLB instruction): natively they
//! execute, under mipsvisor they trap and are emulated. Each write is followed
//! by `ehb` so its effect is visible to the next instruction (MIPS32r2 hazard
//! rule), which keeps callers free of hazard bookkeeping.

use core::arch::asm;

/// Declares a read accessor and a write accessor for one CP0 register.
macro_rules! cp0_register {
    ($(#[$doc:meta])* $read:ident, $write:ident, $reg:literal, $sel:literal) => {
        $(#[$doc])*
        #[inline(always)]
        pub fn $read() -> u32 {
            let value: u32;
            // SAFETY: reading CP0 has no memory effects.
            unsafe {
                asm!(".set push", ".set noat",
                     concat!("mfc0 {0}, $", stringify!($reg), ", ", stringify!($sel)), ".set pop",
                     out(reg) value, options(nomem, nostack));
            }
            value
        }

        $(#[$doc])*
        #[inline(always)]
        pub fn $write(value: u32) {
            // SAFETY: the kernel owns CP0; callers decide what they write.
            unsafe {
                asm!(".set push", ".set noat",
                     concat!("mtc0 {0}, $", stringify!($reg), ", ", stringify!($sel)), "ehb", ".set pop",
                     in(reg) value, options(nostack));
            }
        }
    };
}

cp0_register!(index, set_index, 0, 0);
cp0_register!(random, set_random, 1, 0);
cp0_register!(entry_lo0, set_entry_lo0, 2, 0);
cp0_register!(entry_lo1, set_entry_lo1, 3, 0);
cp0_register!(context, set_context, 4, 0);
cp0_register!(user_local, set_user_local, 4, 2);
cp0_register!(page_mask, set_page_mask, 5, 0);
cp0_register!(wired, set_wired, 6, 0);
cp0_register!(hwrena, set_hwrena, 7, 0);
cp0_register!(bad_vaddr, set_bad_vaddr, 8, 0);
cp0_register!(count, set_count, 9, 0);
cp0_register!(entry_hi, set_entry_hi, 10, 0);
cp0_register!(compare, set_compare, 11, 0);
cp0_register!(status, set_status, 12, 0);
cp0_register!(int_ctl, set_int_ctl, 12, 1);
cp0_register!(srs_ctl, set_srs_ctl, 12, 2);
cp0_register!(cause, set_cause, 13, 0);
cp0_register!(epc, set_epc, 14, 0);
cp0_register!(prid, set_prid, 15, 0);
cp0_register!(ebase, set_ebase, 15, 1);
cp0_register!(config0, set_config0, 16, 0);
cp0_register!(config1, set_config1, 16, 1);
cp0_register!(config2, set_config2, 16, 2);
cp0_register!(config3, set_config3, 16, 3);
cp0_register!(config7, set_config7, 16, 7);
cp0_register!(ll_addr, set_ll_addr, 17, 0);
cp0_register!(watch_lo0, set_watch_lo0, 18, 0);
cp0_register!(watch_hi0, set_watch_hi0, 19, 0);
cp0_register!(error_epc, set_error_epc, 30, 0);

/// Status (CP0 12) bits.
pub mod status {
    pub const IE: u32 = 1 << 0;
    pub const EXL: u32 = 1 << 1;
    pub const ERL: u32 = 1 << 2;
    /// KSU = 0b10: user mode.
    pub const UM: u32 = 1 << 4;
    /// KSU = 0b01: supervisor mode.
    pub const SM: u32 = 1 << 3;
    pub const KSU_MASK: u32 = 3 << 3;
    pub const IM_SHIFT: u32 = 8;
    pub const BEV: u32 = 1 << 22;
    pub const CU0: u32 = 1 << 28;
    pub const CU1: u32 = 1 << 29;
    pub const FR: u32 = 1 << 26;

    /// The interrupt-mask bit of hardware line `ip` (0..=7).
    pub const fn im(ip: u32) -> u32 {
        1 << (IM_SHIFT + ip)
    }
}

/// Cause (CP0 13) bits and exception codes.
pub mod cause {
    pub const EXC_SHIFT: u32 = 2;
    pub const EXC_MASK: u32 = 0x1f << EXC_SHIFT;
    pub const IP_SHIFT: u32 = 8;
    pub const IV: u32 = 1 << 23;
    pub const DC: u32 = 1 << 27;
    pub const CE_SHIFT: u32 = 28;
    pub const TI: u32 = 1 << 30;
    pub const BD: u32 = 1 << 31;

    pub const fn exc_code(cause: u32) -> u32 {
        (cause & EXC_MASK) >> EXC_SHIFT
    }

    pub const fn ip(line: u32) -> u32 {
        1 << (IP_SHIFT + line)
    }
}

/// Cause.ExcCode values (MIPS32 PRA table 9.x "Cause Register ExcCode Field").
pub mod exc {
    pub const INT: u32 = 0;
    pub const MOD: u32 = 1;
    pub const TLBL: u32 = 2;
    pub const TLBS: u32 = 3;
    pub const ADEL: u32 = 4;
    pub const ADES: u32 = 5;
    pub const IBE: u32 = 6;
    pub const DBE: u32 = 7;
    pub const SYS: u32 = 8;
    pub const BP: u32 = 9;
    pub const RI: u32 = 10;
    pub const CPU: u32 = 11;
    pub const OV: u32 = 12;
    pub const TR: u32 = 13;
    pub const FPE: u32 = 15;

    /// The manual's mnemonic for an exception code.
    pub fn name(code: u32) -> &'static str {
        match code {
            INT => "Int",
            MOD => "Mod",
            TLBL => "TLBL",
            TLBS => "TLBS",
            ADEL => "AdEL",
            ADES => "AdES",
            IBE => "IBE",
            DBE => "DBE",
            SYS => "Sys",
            BP => "Bp",
            RI => "RI",
            CPU => "CpU",
            OV => "Ov",
            TR => "Tr",
            FPE => "FPE",
            _ => "?",
        }
    }
}

/// Extracts `width` bits of `value` from bit `low` up.
pub const fn bits(value: u32, low: u32, width: u32) -> u32 {
    (value >> low) & ((1 << width) - 1)
}

/// Number of TLB entries, from Config1.MMUSize (bits 30:25) + 1.
pub fn tlb_entries() -> u32 {
    bits(config1(), 25, 6) + 1
}

/// TLB instructions. Each ends in `ehb` so the next instruction sees its result.
pub mod tlb {
    use core::arch::asm;

    #[inline(always)]
    pub fn probe() {
        // SAFETY: TLBP only writes Index.
        unsafe { asm!("ehb", "tlbp", "ehb", options(nostack)) }
    }

    #[inline(always)]
    pub fn read() {
        // SAFETY: TLBR only writes EntryHi/EntryLo0/EntryLo1/PageMask.
        unsafe { asm!("tlbr", "ehb", options(nostack)) }
    }

    #[inline(always)]
    pub fn write_indexed() {
        // SAFETY: the caller has prepared the entry; the kernel's own code
        // and data are never TLB-mapped, so no live mapping of ours changes.
        unsafe { asm!("ehb", "tlbwi", "ehb", options(nostack)) }
    }

    #[inline(always)]
    pub fn write_random() {
        // SAFETY: as for `write_indexed`.
        unsafe { asm!("ehb", "tlbwr", "ehb", options(nostack)) }
    }
}
