# Every CACHE op (0-31) at addresses that name no guest line: huge indices,
# the top of the address space, real KSEG0, the guest's own code. Expected:
# each is contained (emulated, or an exception for the guest), and the
# monitor still delivers exceptions and reports afterwards.
    .include "prelude.S"
attack:
    move $s6, $ra
    .irp base, 0x40100000, 0x7ffff000, 0x80000000, 0xfffff000
    li $t5, \base
    .irp op, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    cache \op, 0xf0($t5)
    .endr
    EXC "cache_\base"
    .endr
    syscall
    EXC "syscall_after"
    jr $s6
    nop
