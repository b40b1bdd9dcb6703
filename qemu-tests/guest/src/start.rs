//! The entry point: QEMU's Malta loader (or the monitor) jumps here with
//! YAMON-style arguments a0 = argc, a1 = argv, a2 = envp, a3 = RAM size.

core::arch::global_asm!(
    r#"
    .section .text.start, "ax"
    .globl _start
    .set push
    .set noreorder
_start:
    move    $s0, $a0
    move    $s1, $a1
    move    $s2, $a2
    move    $s3, $a3
    la      $sp, __boot_stack_top
    la      $t0, __bss_start
    la      $t1, __bss_end
1:  beq     $t0, $t1, 2f
    nop
    sw      $zero, 0($t0)
    b       1b
    addiu   $t0, $t0, 4
2:  move    $a0, $s0
    move    $a1, $s1
    move    $a2, $s2
    jal     kernel_main
    move    $a3, $s3
3:  b       3b
    nop
    .set pop
"#
);
