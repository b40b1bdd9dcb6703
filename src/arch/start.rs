//! Reset-to-Rust start-up and the word-size macros the assembly shares.
//!
//! `_start` is the ELF entry. QEMU's loaders (and YAMON on a real Malta)
//! jump here with boot arguments in a0-a3; they are kept in s0-s3 while the
//! CPU is put in a known state, the caches are set up, and .bss is zeroed.

/// Assembler macros that hide the word size: REG_S/REG_L store and load a
/// host register, PTR_LA loads an address, PTR_ADDIU adjusts a pointer.
#[cfg(target_pointer_width = "32")]
macro_rules! asm_word_macros {
    () => {
        r#"
        .macro REG_S reg, off, base
            sw \reg, \off(\base)
        .endm
        .macro REG_L reg, off, base
            lw \reg, \off(\base)
        .endm
        .macro PTR_LA reg, sym
            la \reg, \sym
        .endm
        .macro PTR_ADDIU rd, rs, imm
            addiu \rd, \rs, \imm
        .endm
        .macro PTR_ADDU rd, rs, rt
            addu \rd, \rs, \rt
        .endm
        .macro MFC0_WORD reg, cp0reg, sel
            mfc0 \reg, \cp0reg, \sel
        .endm
        .macro MTC0_WORD reg, cp0reg, sel
            mtc0 \reg, \cp0reg, \sel
        .endm
        .macro SAVE_HI_LO tmp, hi, lo, base
            mfhi \tmp
            sw \tmp, \hi(\base)
            mflo \tmp
            sw \tmp, \lo(\base)
        .endm
        .macro RESTORE_HI_LO tmp, hi, lo, base
            lw \tmp, \hi(\base)
            mthi \tmp
            lw \tmp, \lo(\base)
            mtlo \tmp
        .endm
        "#
    };
}

#[cfg(target_pointer_width = "64")]
macro_rules! asm_word_macros {
    () => {
        r#"
        .macro REG_S reg, off, base
            sd \reg, \off(\base)
        .endm
        .macro REG_L reg, off, base
            ld \reg, \off(\base)
        .endm
        .macro PTR_LA reg, sym
            dla \reg, \sym
        .endm
        .macro PTR_ADDIU rd, rs, imm
            daddiu \rd, \rs, \imm
        .endm
        .macro PTR_ADDU rd, rs, rt
            daddu \rd, \rs, \rt
        .endm
        .macro MFC0_WORD reg, cp0reg, sel
            dmfc0 \reg, \cp0reg, \sel
        .endm
        .macro MTC0_WORD reg, cp0reg, sel
            dmtc0 \reg, \cp0reg, \sel
        .endm
        # Release 6 has no HI and LO: multiply results go to GPRs.
        .macro SAVE_HI_LO tmp, hi, lo, base
        .endm
        .macro RESTORE_HI_LO tmp, hi, lo, base
        .endm
        "#
    };
}

/// Ends a `global_asm!` block that began with `asm_word_macros!()`: every
/// block shares one assembly module, so each must drop what it defined.
macro_rules! asm_word_macros_end {
    () => {
        r#"
        .purgem REG_S
        .purgem REG_L
        .purgem PTR_LA
        .purgem PTR_ADDIU
        .purgem PTR_ADDU
        .purgem MFC0_WORD
        .purgem MTC0_WORD
        .purgem SAVE_HI_LO
        .purgem RESTORE_HI_LO
        "#
    };
}

pub(crate) use {asm_word_macros, asm_word_macros_end};

core::arch::global_asm!(
    asm_word_macros!(),
    r#"
    .section .text.start, "ax"
    .globl _start
    .type _start, @function
    .set noreorder
_start:
    move    $s0, $a0
    move    $s1, $a1
    move    $s2, $a2
    move    $s3, $a3
    # Kernel mode, interrupts off, EXL and ERL clear, boot-time vectors
    # (BEV) until ours are installed, coprocessors other than CP0 off.
    li      $t0, {status_boot}
    mtc0    $t0, $12, 0
    # Count keeps running; no interrupt is pending from a stale Compare.
    mtc0    $zero, $13, 0
    ehb
    PTR_LA  $sp, __stack_top
    PTR_LA  $gp, _gp
    jal     arch_cache_init
    nop
    PTR_LA  $t0, __bss_start
    PTR_LA  $t1, __bss_end
1:  beq     $t0, $t1, 2f
    nop
    sb      $zero, 0($t0)
    b       1b
    PTR_ADDIU $t0, $t0, 1
2:  move    $a0, $s0
    move    $a1, $s1
    move    $a2, $s2
    jal     rust_entry
    move    $a3, $s3
3:  b       3b
    nop
    .set reorder
    "#,
    asm_word_macros_end!(),
    status_boot = const 1 << 22,
);
