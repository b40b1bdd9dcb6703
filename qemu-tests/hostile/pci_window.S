# Moving the GT-64120's PCI_0 memory and I/O windows, and the PCnet's BARs,
# over the monitor (physical 0). Expected: the decode registers read back
# unchanged and the monitor still delivers the guest's SYSCALL afterwards.
    .include "prelude.S"
attack:
    move $s6, $ra
    li $s0, 0xbbe00000
    MOVE_REG pci0_io_low, 0x48
    MOVE_REG pci0_mem0_low, 0x58
    MOVE_REG pci0_mem0_high, 0x60
    MOVE_REG pci0_mem1_low, 0x80
    MOVE_REG pci0_mem0_remap, 0xf8
    # PCnet (device 11) BAR1, its MMIO BAR, at 0x180.
    GT_LI $t0, 0x80005814
    sw $t0, 0xcf8($s0)
    lw $t6, 0xcfc($s0)
    SHOW "pcnet_bar1_before", $t6
    li $t1, 0x180
    sw $t1, 0xcfc($s0)
    lw $t6, 0xcfc($s0)
    SHOW "pcnet_bar1_after", $t6
    syscall
    EXC "syscall_after"
    jr $s6
    nop
