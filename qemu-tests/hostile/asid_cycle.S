# Guest ASIDs cycled: ROUNDS times through all 256. For each ASID the guest
# kernel maps useg page 0x00400000 under it (guest TLB slot 1 + ASID % 8,
# displacing an older ASID's entry) to a page of its own holding a marker of
# that ASID and round, then reads the page from guest kernel mode
# (copy_to_user's path) and from guest user mode (a stub mapped global at
# 0x00200000 that loads and returns by SYSCALL). A read that sees anything
# but its own marker is a stale translation: another address space's, or its
# own of a round ago. The monitor's host ids are used up and reused meanwhile.
    .include "prelude.S"
    .equ ROUNDS, 4
    .equ STUB_VA, 0x00200000
attack:
    move $s6, $ra
    # The user stub: one global entry (both halves G) in slot 0 (slots up to
    # 8 only: QEMU's 24Kf and 74Kf models have 16 TLB entries).
    PAGE_LO0 user_stub
    mtc0 $t0, $2
    li $t0, 1
    mtc0 $t0, $3
    li $t0, STUB_VA
    mtc0 $t0, $10
    mtc0 $zero, $5
    mtc0 $zero, $0
    ehb
    tlbwi
    la $t0, cycle_vectors
    mtc0 $t0, $15, 1
    ehb
    li $s0, 0                   # kernel-mode reads that missed their marker
    li $s1, 0                   # user-mode reads that did (or trapped otherwise)
    li $t5, 0                   # round
round_loop:
    li $t6, 0                   # ASID
asid_loop:
    # t7: the marker, 0xa5000000 | round << 8 | ASID.
    sll $t0, $t5, 8
    or $t0, $t0, $t6
    lui $t1, 0xa500
    or $t7, $t0, $t1
    # t8: its page, guest physical 8 MiB + (round & 1) * 2 MiB + ASID * 4 KiB.
    andi $t0, $t5, 1
    sll $t0, $t0, 21
    sll $t1, $t6, 12
    addu $t8, $t0, $t1
    lui $t0, 0x0080
    addu $t8, $t8, $t0
    lui $t0, 0x4000
    addu $t0, $t8, $t0
    sw $t7, 0($t0)              # through guest KSEG0
    # EntryHi 0x00400000 | ASID: the guest's ASID switch, and the entry's tag.
    lui $t0, 0x0040
    or $t0, $t0, $t6
    mtc0 $t0, $10
    srl $t0, $t8, 6
    ori $t0, $t0, 0x1e          # C 3, D, V; not global
    mtc0 $t0, $2
    mtc0 $zero, $3
    mtc0 $zero, $5
    andi $t0, $t6, 7
    addiu $t0, $t0, 1
    mtc0 $t0, $0
    ehb
    tlbwi
    lui $t9, 0x0040
    lw $t0, 0($t9)
    beq $t0, $t7, 1f
    nop
    addiu $s0, $s0, 1
1:  li $t0, 0x12                # Status: user mode (KSU 2), EXL until the ERET
    mtc0 $t0, $12
    li $t0, STUB_VA
    mtc0 $t0, $14
    ehb
    eret
back_in_kernel:                 # $t0: what the stub read; $t4: the Cause that brought us back
    srl $t1, $t4, 2
    andi $t1, $t1, 0x1f
    li $t2, 8                   # SYSCALL
    bne $t1, $t2, 2f
    nop
    beq $t0, $t7, 3f
    nop
2:  addiu $s1, $s1, 1
3:  addiu $t6, $t6, 1
    slti $t0, $t6, 256
    bnez $t0, asid_loop
    nop
    addiu $t5, $t5, 1
    slti $t0, $t5, ROUNDS
    bnez $t0, round_loop
    nop
    la $t0, vectors
    mtc0 $t0, $15, 1
    mtc0 $zero, $10
    ehb
    SHOW "kernel_mismatches", $s0
    SHOW "user_mismatches", $s1
    li $t0, 256 * ROUNDS
    SHOW "asid_switches", $t0
    move $ra, $s6
    jr $ra
    nop

    .balign 4096
cycle_vectors:                  # every exception: back to kernel mode at back_in_kernel
    j cycle_trap
    nop
    .org cycle_vectors + 0x180
    j cycle_trap
    nop
    .org cycle_vectors + 0x200
    j cycle_trap
    nop
cycle_trap:
    mfc0 $t4, $13
    mfc0 $k0, $12
    li $k1, 0xffffffe7          # KSU cleared: the ERET returns to kernel mode
    and $k0, $k0, $k1
    mtc0 $k0, $12
    la $k0, back_in_kernel
    mtc0 $k0, $14
    ehb
    eret

    .balign 4096
user_stub:                      # guest user mode, at STUB_VA
    lw $t0, 0($t9)
    syscall
    nop
