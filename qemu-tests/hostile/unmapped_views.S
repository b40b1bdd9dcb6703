# The unmapped views of guest physical memory: real KSEG1 (0xA0000000+),
# which the monitor serves, must reach the guest's own RAM, not host physical
# memory (where the monitor lives at 1 MiB); and with Status.ERL set kuseg is
# unmapped (guest physical = address). Expected: each write lands in the
# guest's RAM where its KSEG0 view sees it (or faults), and the monitor goes
# on delivering exceptions.
    .include "prelude.S"
attack:
    move $s6, $ra
    li $t5, 0xa0100ff0              # real KSEG1, guest physical 0x100ff0
    li $t1, 0x600dcafe
    sw $t1, 0($t5)
    li $t5, 0x40100ff0              # the same guest physical through guest KSEG0
    lw $t6, 0($t5)
    SHOW "kseg1_write_seen", $t6
    EXC "kseg1_write"
    li $t0, 0x4                     # Status.ERL: kuseg unmapped
    mtc0 $t0, $12
    ehb
    li $t5, 0x00001ff0
    li $t1, 0x0badf00d
    sw $t1, 0($t5)
    lw $t7, 0($t5)
    mtc0 $zero, $12
    ehb
    SHOW "erl_readback", $t7
    EXC "erl_useg"
    li $t5, 0x40001ff0
    lw $t6, 0($t5)
    SHOW "erl_write_seen", $t6
    syscall
    EXC "syscall_after"
    jr $s6
    nop
