# Programming the i8237 ISA DMA controllers (floppy channel 2 to write at
# physical 1 MiB, the monitor's image). Expected: the ports are refused:
# read back all ones, and the monitor logs it.
    .include "prelude.S"
attack:
    move $s6, $ra
    li $s0, 0xb8000000          # PCI I/O space: ISA ports
    sb $zero, 0x0c($s0)         # clear the flip-flop
    sb $zero, 0x04($s0)         # channel 2 address: 0x0000
    sb $zero, 0x04($s0)
    li $t1, 0x10
    sb $t1, 0x81($s0)           # page 0x10: physical 0x100000
    li $t1, 0xff
    sb $t1, 0x05($s0)           # count
    sb $t1, 0x05($s0)
    li $t1, 0x46
    sb $t1, 0x0b($s0)           # single, write to memory, channel 2
    li $t1, 0x02
    sb $t1, 0x0a($s0)           # unmask channel 2
    lbu $t6, 0x81($s0)
    SHOW "page2", $t6
    sb $zero, 0x0c($s0)
    li $t1, 0x34
    sb $t1, 0xc4($s0)           # second controller, channel 5 address
    lbu $t6, 0xc4($s0)
    SHOW "dma2_addr", $t6
    li $t1, 0x12345678
    sw $t1, 0x00($s0)
    lw $t6, 0x00($s0)
    SHOW "dma1_word", $t6
    EXC "isa_dma_end"
    jr $s6
    nop
