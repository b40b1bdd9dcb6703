# TLB games: PageMask written with every bit set, a 256 MiB page whose PFN
# sits at the top of physical space, a 256 MiB page over the end of guest
# RAM, and the page holding a trapping instruction remapped between two runs.
    .include "prelude.S"
attack:
    move $s6, $ra
    li $t0, -1
    mtc0 $t0, $5
    mfc0 $t6, $5
    SHOW "pagemask_all_ones", $t6
    # 256 MiB page at 0x60000000, PFN 0xFFFFF: guest physical 0xF0000000+.
    MAP_TLB 1, 0x60000000, 0x03ffffdf, 0x1, 0xffffffff
    li $t5, 0x6ffffffc
    li $t6, 0x5a5a5a5a
    lw $t6, 0($t5)
    SHOW "huge_top_lw", $t6
    EXC "huge_top_lw"
    # 256 MiB page at useg 0: guest physical 0..256 MiB, RAM ends below.
    MAP_TLB 2, 0x00000000, 0x1f, 0x1, 0x1fffe000
    la $t0, guest_ram_bytes
    lw $t5, 0($t0)
    li $t6, 0x5a5a5a5a
    lw $t6, -4($t5)
    EXC "ram_last_word"
    li $t6, 0x5a5a5a5a
    lw $t6, 0($t5)
    SHOW "beyond_ram_lw", $t6
    EXC "beyond_ram_lw"
    sw $t6, 0($t5)
    EXC "beyond_ram_sw"
    # Remap the page holding a trapping MFC0 between two calls.
    MAP_TLB 2, 0x00000000, 0x1, 0x1, 0
    PAGE_LO0 page_a
    mtc0 $t0, $2
    li $t0, 1
    mtc0 $t0, $3
    li $t0, 0x00400000
    mtc0 $t0, $10
    mtc0 $zero, $5
    li $t0, 3
    mtc0 $t0, $0
    ehb
    tlbwi
    li $t9, 0x00400000
    jalr $t9
    nop
    SHOW "remap_first", $v0
    PAGE_LO0 page_b
    mtc0 $t0, $2
    ehb
    tlbwi
    jalr $t9
    nop
    SHOW "remap_second", $v0
    EXC "refault_end"
    jr $s6
    nop
    .balign 4096
page_a:
    mfc0 $v0, $12, 0            # Status
    jr $ra
    nop
    .balign 4096
page_b:
    mfc0 $v0, $15, 1            # EBase
    jr $ra
    nop
    .balign 4096
