# EBase beyond the guest's RAM (guest KSEG0 0x4F000000 = guest physical
# 0x0F000000, past 224 MiB). Expected: the monitor stops the guest, its
# exception vector is not RAM.
    .include "prelude.S"
attack:
    li $t0, 0x4f000000
    mtc0 $t0, $15, 1
    mfc0 $t6, $15, 1
    SHOW "ebase", $t6
    syscall
    SAY "hostile: syscall returned\n"
    jr $ra
    nop
