# Partial loads at the very top of guest-physical space: a guest TLB entry
# with PFN 0xFFFFF at guest KSEG2 0x60000000. Expected: every access faults
# (DBE or address error) and leaves its register alone (no merged zeros).
    .include "prelude.S"
attack:
    move $s6, $ra
    # EntryLo 0x03ffffdf: PFN 0xFFFFF, C=3, D, V, G.
    MAP_TLB 0, 0x60000000, 0x03ffffdf, 0x1, 0
    lui $t5, 0x6000
.ifndef R6
    .irp off, 0xffc, 0xffd, 0xffe, 0xfff
    li $t6, 0x5a5a5a5a
    lwl $t6, \off($t5)
    SHOW "lwl_\off", $t6
    EXC "lwl_\off"
    li $t6, 0x5a5a5a5a
    lwr $t6, \off($t5)
    SHOW "lwr_\off", $t6
    EXC "lwr_\off"
    li $t6, 0x5a5a5a5a
    swl $t6, \off($t5)
    EXC "swl_\off"
    swr $t6, \off($t5)
    EXC "swr_\off"
    .endr
.endif
    li $t6, 0x5a5a5a5a
    lw $t6, 0xffc($t5)
    SHOW "lw_ffc", $t6
    EXC "lw_ffc"
    li $t6, 0x5a5a5a5a
    lbu $t6, 0xfff($t5)
    SHOW "lbu_fff", $t6
    EXC "lbu_fff"
    jr $s6
    nop
