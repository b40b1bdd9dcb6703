# The NMI/RTC index port, then the PIIX4 reset control register 0xCF9.
# Expected: the reset is not performed; the monitor stops the guest with a
# report (the board does not reboot).
    .include "prelude.S"
attack:
    move $s6, $ra
    li $s0, 0xb8000000
    li $t1, 0x80
    sb $t1, 0x70($s0)           # NMI off, RTC index 0
    lbu $t6, 0x71($s0)
    SHOW "rtc_seconds", $t6
    lbu $t6, 0x61($s0)
    SHOW "nmi_status", $t6
    EXC "rtc_end"
    li $t1, 0x06
    sb $t1, 0xcf9($s0)          # hard reset
    SAY "hostile: cf9 ignored\n"
    jr $s6
    nop
