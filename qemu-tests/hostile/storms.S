# An exception storm: the guest's handler raises SYSCALL itself and never
# ERETs. Expected: the monitor stops the guest (exception loop) with a report.
    .include "prelude.S"
attack:
    la $t0, storm_vectors
    mtc0 $t0, $15, 1
    ehb
    syscall
    SAY "hostile: storm returned\n"
    jr $ra
    nop
    .balign 4096
storm_vectors:
    syscall
    nop
    .org storm_vectors + 0x180
    syscall
    nop
