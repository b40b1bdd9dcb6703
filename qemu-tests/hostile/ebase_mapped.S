# EBase in mapped guest KSEG3 (0x7FFFF000) with no TLB entry there: every
# vector fetch misses again. Expected: the monitor stops the guest
# (exception loop) with a report.
    .include "prelude.S"
attack:
    li $t0, 0x7ffff000
    mtc0 $t0, $15, 1
    mfc0 $t6, $15, 1
    SHOW "ebase", $t6
    syscall
    SAY "hostile: syscall returned\n"
    jr $ra
    nop
