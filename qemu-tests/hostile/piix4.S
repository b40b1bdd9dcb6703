# PIIX4 function configuration: the PM I/O base (fn 3, 0x40; over the i8254
# ports, and away from where the monitor watches for power-off), the IDE
# bus-master base (fn 1, 0x20) and the BIOS decode/write-protect (XBCS, fn 0,
# 0x4C) moved; PIRQ routing (fn 0, 0x60, the guest's own interrupts) only
# printed. Expected: each moved register reads back unchanged (or refused in
# the monitor's log).
    .include "prelude.S"
.macro CFG_WRITE name, address, value
    GT_LI $t0, \address
    sw $t0, 0xcf8($s0)
    lw $t6, 0xcfc($s0)
    SHOW "\name\()_before", $t6
    li $t1, \value
    sw $t1, 0xcfc($s0)
    lw $t6, 0xcfc($s0)
    SHOW "\name\()_after", $t6
.endm
attack:
    move $s6, $ra
    li $s0, 0xbbe00000
    CFG_WRITE pirq, 0x80005060, 0x03030303
    CFG_WRITE pmba, 0x80005340, 0x00000041
    CFG_WRITE bmiba, 0x80005120, 0x0000c001
    CFG_WRITE xbcs, 0x8000504c, 0xffffffff
    EXC "piix4_end"
    jr $s6
    nop
