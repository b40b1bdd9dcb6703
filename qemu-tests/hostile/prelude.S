# Shared start-up for the hostile guests (GNU as, no preprocessor): the class
# file includes this, then defines `attack` (called with ra; may clobber all
# but $s6 and $sp). The print helpers keep $s0, $s1, $s6, $t5-$t9. Output
# lines: "hostile: KEY field=hex ...".
    .include "macros.S"
    .set noreorder
    .set noat
    .text
    .globl start
start:
    la $sp, stack_top
    la $t0, guest_ram_bytes
    sw $a3, 0($t0)              # YAMON-style a3: the guest's RAM size
    la $t0, vectors
    mtc0 $t0, $15, 1            # EBase: our vector page
    mtc0 $zero, $12             # Status: kernel, BEV/EXL/ERL clear, IM 0
    SAY "hostile: start\n"
    jal attack
    nop
    SAY "hostile: end\n"
    mtc0 $zero, $12
    wait                        # every line masked: the monitor stops us
1:  b 1b
    nop

# The console 16550 through real KSEG1 and its line-status register's offset:
# Malta's ttyS0 (byte registers), or Boston's (4-byte registers; --defsym BOSTON=1).
.ifdef BOSTON
    .equ CONSOLE_HI, 0xb7ff
    .equ CONSOLE_LO, 0xe000
    .equ CONSOLE_LSR, 5 * 4
.else
    .equ CONSOLE_HI, 0xb800
    .equ CONSOLE_LO, 0x03f8
    .equ CONSOLE_LSR, 5
.endif

# puts(a0): the NUL-terminated string to the console UART (real KSEG1).
puts:
    lui $t0, CONSOLE_HI
    ori $t0, $t0, CONSOLE_LO
1:  lbu $t1, 0($a0)
    beqz $t1, 3f
    nop
2:  lbu $t2, CONSOLE_LSR($t0)
    andi $t2, $t2, 0x20
    beqz $t2, 2b
    nop
    sb $t1, 0($t0)
    b 1b
    addiu $a0, $a0, 1
3:  jr $ra
    nop

# puthex(a0): eight hex digits.
puthex:
    move $t3, $a0
    li $t4, 8
    lui $t0, CONSOLE_HI
    ori $t0, $t0, CONSOLE_LO
1:  srl $t1, $t3, 28
    sll $t3, $t3, 4
    sltiu $t2, $t1, 10
    beqz $t2, 2f
    addiu $t1, $t1, 0x30
    b 3f
    nop
2:  addiu $t1, $t1, 0x27
3:  lbu $t2, CONSOLE_LSR($t0)
    andi $t2, $t2, 0x20
    beqz $t2, 3b
    nop
    sb $t1, 0($t0)
    addiu $t4, $t4, -1
    bnez $t4, 1b
    nop
    jr $ra
    nop

# put_key(a0 = key): "hostile: KEY" (clobbers $s3, $s2).
put_key:
    move $s2, $ra
    move $s3, $a0
    la $a0, s_prefix
    jal puts
    nop
    move $a0, $s3
    jal puts
    nop
    jr $s2
    nop

# show(a0 = key, a1 = value): "hostile: KEY value=XXXXXXXX".
show:
    move $s5, $ra
    move $s4, $a1
    jal put_key
    nop
    la $a0, s_value
    jal puts
    nop
    move $a0, $s4
    jal puthex
    nop
    la $a0, s_newline
    jal puts
    nop
    jr $s5
    nop

# show_exc(a0 = key): "hostile: KEY n=.. cause=.. epc=.. bad=.." for the
# exceptions taken since the last show_exc, then forgets them.
show_exc:
    move $s5, $ra
    jal put_key
    nop
    la $s3, exc_record
    la $a0, s_n
    jal puts
    nop
    lw $a0, 12($s3)
    jal puthex
    nop
    la $a0, s_cause
    jal puts
    nop
    lw $a0, 0($s3)
    jal puthex
    nop
    la $a0, s_epc
    jal puts
    nop
    lw $a0, 4($s3)
    jal puthex
    nop
    la $a0, s_bad
    jal puts
    nop
    lw $a0, 8($s3)
    jal puthex
    nop
    la $a0, s_newline
    jal puts
    nop
    sw $zero, 0($s3)
    sw $zero, 4($s3)
    sw $zero, 8($s3)
    sw $zero, 12($s3)
    jr $s5
    nop

    .balign 4096
vectors:                        # TLB refill (EXL clear)
    j record
    nop
    .org vectors + 0x180        # everything else
    j record
    nop
    .org vectors + 0x200        # interrupts with Cause.IV (never enabled)
    j record
    nop
# Records Cause/EPC/BadVAddr, counts, resumes after the faulting instruction
# (or at exc_record+16 if the attack set a resume address).
record:
    la $k1, exc_record
    mfc0 $k0, $13
    sw $k0, 0($k1)
    mfc0 $k0, $14
    sw $k0, 4($k1)
    mfc0 $k0, $8
    sw $k0, 8($k1)
    lw $k0, 12($k1)
    addiu $k0, $k0, 1
    sw $k0, 12($k1)
    lw $k0, 16($k1)
    bnez $k0, 2f
    sw $zero, 16($k1)
    mfc0 $k0, $14
    addiu $k0, $k0, 4
2:  mtc0 $k0, $14
    ehb
    eret

    .data
s_prefix: .asciz "hostile: "
s_value: .asciz " value="
s_n: .asciz " n="
s_cause: .asciz " cause="
s_epc: .asciz " epc="
s_bad: .asciz " bad="
s_newline: .asciz "\n"
    .balign 4
exc_record: .word 0, 0, 0, 0, 0
guest_ram_bytes: .word 0
    .bss
    .balign 16
stack: .space 4096
stack_top:
    .text
