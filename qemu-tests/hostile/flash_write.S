# The boot flash (physical 0x1E000000, seen again at 0x1FC00000, where the
# monitor lives when it boots as firmware): CFI program and erase commands.
# Expected: the first flash word reads back unchanged (each access a bus
# error for the guest, or refused and logged).
    .include "prelude.S"
attack:
    move $s6, $ra
    li $s0, 0xbe000000
    lw $t6, 0($s0)
    SHOW "flash_before", $t6
    EXC "flash_read"
    li $t1, 0x00400040          # word program, both halves of the bus
    sw $t1, 0($s0)
    sw $zero, 0($s0)
    li $t1, 0x00200020          # block erase, confirm
    sw $t1, 0($s0)
    li $t1, 0x00d000d0
    sw $t1, 0($s0)
    li $t1, 0x00ff00ff          # back to read array
    sw $t1, 0($s0)
    EXC "flash_write"
    lw $t6, 0($s0)
    SHOW "flash_after", $t6
    lui $s0, 0xbfc0
    lw $t6, 0($s0)
    SHOW "bootrom_before", $t6
    li $t1, 0x00400040
    sw $t1, 0($s0)
    sw $zero, 0($s0)
    li $t1, 0x00ff00ff
    sw $t1, 0($s0)
    lw $t6, 0($s0)
    SHOW "bootrom_after", $t6
    EXC "flash_end"
    jr $s6
    nop
