# Moving the GT-64120's own register block (ISD, offset 0x68) onto RAM at
# physical 0. Expected: ISD reads back unchanged at its old address and the
# monitor still delivers the guest's SYSCALL.
    .include "prelude.S"
attack:
    move $s6, $ra
    li $s0, 0xbbe00000
    MOVE_REG isd, 0x68
    syscall
    EXC "syscall_after"
    jr $s6
    nop
