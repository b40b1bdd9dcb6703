# Release 6 encodings on the I6500 (MIPS32r6 guest): instructions r6 removed
# (LWL, the pre-r6 CACHE), SIGRIE, and the global invalidates GINVI/GINVT
# that would reach every host TLB and cache if executed for the guest.
# Expected: RI for each, and the monitor intact.
    .include "prelude.S"
attack:
    move $s6, $ra
    la $t1, exc_record
    .word 0x89280000            # lwl $t0, 0($t1)
    EXC "r2_lwl"
    .word 0xbd200000            # r2 cache 0, 0($t1)
    EXC "r2_cache"
    .word 0x04170000            # sigrie 0
    EXC "sigrie"
    move $t1, $zero
    .word 0x7d20003d            # ginvi $t1
    EXC "ginvi"
    .word 0x7d2000bd            # ginvt $t1, 0 (all)
    EXC "ginvt"
    la $t1, exc_record
    cache 1, 0($t1)             # r6 CACHE: D index writeback invalidate
    EXC "r6_cache"
    syscall
    EXC "syscall_after"
    jr $s6
    nop
