# The Malta FPGA software reset register (0x1F000500). Expected: the monitor
# stops the guest with a report (the board does not reboot).
    .include "prelude.S"
attack:
    li $s0, 0xbf000000
    li $t1, 0x42
    sw $t1, 0x500($s0)
    SAY "hostile: reset ignored\n"
    jr $ra
    nop
