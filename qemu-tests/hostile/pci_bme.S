# Bus Master Enable through the GT-64120's CF8/CFC by every width and lane,
# and with the GT's MByteSwap cleared. Expected: the PCI Command read back
# never has BME (bit 2, or bit 26 if byte-swapped) for the IDE or the PCnet.
    .include "prelude.S"
.macro BME_ATTACK name, address
    GT_LI $t0, \address
    sw $t0, 0xcf8($s0)
    li $t1, 0x07
    .irp lane, 0, 1, 2, 3
    sb $t1, 0xcfc+\lane($s0)
    lw $t6, 0xcfc($s0)
    SHOW "\name\()_sb\lane", $t6
    .endr
    li $t1, 0x0707
    .irp lane, 0, 2
    sh $t1, 0xcfc+\lane($s0)
    lw $t6, 0xcfc($s0)
    SHOW "\name\()_sh\lane", $t6
    .endr
    li $t1, 0x07000007
    sw $t1, 0xcfc($s0)
    lw $t6, 0xcfc($s0)
    SHOW "\name\()_sw", $t6
    # MByteSwap is bit 0 of PCI_0 Command (0xC00): clear it in either order.
    lw $s1, 0xc00($s0)
    li $t0, ~0x01000001
    and $t0, $s1, $t0
    sw $t0, 0xc00($s0)
    li $t1, 0x07000007
    sw $t1, 0xcfc($s0)
    lw $t6, 0xcfc($s0)
    SHOW "\name\()_noswap_sw", $t6
    sw $s1, 0xc00($s0)
.endm
attack:
    move $s6, $ra
    li $s0, 0xbbe00000
    BME_ATTACK ide, 0x80005104
    BME_ATTACK pcnet, 0x80005804
    EXC "pci_bme_end"
    jr $s6
    nop
