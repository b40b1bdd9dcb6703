# Boston's SOFTRST_CTL platform register (0x17FFD010): first a write without
# SYSRESET (bit 4), which resets nothing, then one with it. Expected: the
# guest runs on after the first; the monitor stops it at the second with a
# report (the board does not reboot).
    .include "prelude.S"
attack:
    li $s0, 0xb7ffd000
    li $t1, 0xef
    sw $t1, 0x10($s0)
    SAY "hostile: no_sysreset_survived\n"
    li $t1, 0x10
    sw $t1, 0x10($s0)
    SAY "hostile: reset ignored\n"
    jr $ra
    nop
