# SDBBP from the guest kernel (CPU user mode). Expected: RI delivered, and the
# guest still unprivileged after it: EBase reads the guest's virtual value,
# not the host's (which it would in Debug Mode). Code 1 with $t9 = 1 is the
# UHI semihosting exit the monitor itself uses: QEMU (semihosting on for the
# monitor) must not take it from a guest, or it would exit with status 0x77.
    .include "prelude.S"
attack:
    move $s6, $ra
    li $t9, 1
    li $a0, 0x77
    sdbbp 1
    EXC "sdbbp"
    mfc0 $t6, $15, 1
    SHOW "ebase_after", $t6
    jr $s6
    nop
