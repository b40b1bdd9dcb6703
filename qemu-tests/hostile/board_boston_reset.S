# Boston's SOFTRST_CTL platform register (0x17FFD010), bit 4: system reset.
# Expected: the monitor stops the guest with a report (the board does not reboot).
    .include "prelude.S"
attack:
    li $s0, 0xb7ffd000
    li $t1, 0x10
    sw $t1, 0x10($s0)
    SAY "hostile: reset ignored\n"
    jr $ra
    nop
