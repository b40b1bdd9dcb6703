/* Seeded random-instruction guest (issue 9, item 6b). Runs in guest kernel
 * mode: sets its exception base, then executes RANDOM_WORDS random words
 * (random.inc, from make-random-guest). Its one exception handler skips the
 * faulting word (both words for a fault in a delay slot) and never resumes
 * before a high-water mark, so every exception moves forward; a PC outside
 * the random words resumes after the mark. After the last word it prints
 * the end marker on the UART and executes WAIT with every interrupt masked,
 * which hands control back to the monitor. Only $k0, $k1 and $at (saved)
 * are the handler's; the random words own every other register. A random
 * store can still rewrite this code through an address the random words
 * computed themselves (rare: a register must land within 32 KiB of it); the
 * guest then loops in its handler with the monitor in control, which the
 * smoke test reports as a timeout. */
    .set noreorder
    .set noat
#define EBASE_PAGE 0x40101000      /* guest KSEG0; EBase is written as 0x8... */
#ifdef BOSTON
#define UART 0xb7ffe000            /* Boston's 16550 through real KSEG1 */
#define REG(n) ((n) * 4)           /* 4-byte registers */
#else
#define UART 0xb80003f8            /* Malta's 16550 through real KSEG1 */
#define REG(n) (n)
#endif

    .text
    .globl start
start:
    li $t0, (EBASE_PAGE - 0x40000000) | 0x80000000
    mtc0 $t0, $15, 1                /* EBase */
    mtc0 $zero, $12                 /* Status: BEV, IM, IE, EXL, UM clear */
    ehb
    la $k0, random_start
    /* No register may point at this code: a random store through it would
     * rewrite the handler (registers hold only what random words compute). */
    .irp reg, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,28,29,30,31
    move $\reg, $zero
    .endr
    jr $k0
    move $k0, $zero

    .org EBASE_PAGE - 0x40100000
vectors:                            /* TLB refill */
    j handler
    nop
    .org EBASE_PAGE - 0x40100000 + 0x180
    j handler                       /* general exception */
    nop

handler:
    lui $k1, %hi(saved_at)
    sw $at, %lo(saved_at)($k1)
    mfc0 $k0, $14                   /* EPC */
    mfc0 $at, $13                   /* Cause: BD (bit 31) adds the slot */
    srl $at, $at, 31
    sll $at, $at, 2
    addu $k0, $k0, $at              /* the faulting word */
    lui $k1, %hi(mark)
    lw $at, %lo(mark)($k1)          /* $at: the high-water mark */
    la $k1, random_start
    sltu $k1, $k0, $k1
    bnez $k1, 1f                    /* below the random words: ignore */
    nop
    la $k1, random_end
    sltu $k1, $k0, $k1
    beqz $k1, 1f                    /* above them: ignore */
    nop
    sltu $k1, $at, $k0
    bnez $k1, 1f                    /* past the mark: it becomes the mark */
    move $at, $k0                   /* (delay slot: taken either way) */
    lui $k1, %hi(mark)
    lw $at, %lo(mark)($k1)
1:  addiu $at, $at, 4
    lui $k1, %hi(mark)
    sw $at, %lo(mark)($k1)
    mtc0 $at, $14                   /* resume after the mark */
    lui $k1, %hi(saved_at)
    lw $at, %lo(saved_at)($k1)
    move $k0, $zero                 /* leave no pointer at this code behind */
    move $k1, $zero
    ehb
    eret
    nop

    .align 12
random_start:
#include "random.inc"
random_end:
    /* A random store may have reprogrammed the UART: 8N1, no loopback. */
    li $t0, UART
    li $t1, 0x03
    sb $t1, REG(3)($t0)             /* LCR: DLAB off, 8 bits */
    sb $zero, REG(1)($t0)           /* IER */
    sb $t1, REG(4)($t0)             /* MCR: DTR, RTS, no loopback */
    la $s0, marker
2:  lbu $t1, 0($s0)
    beqz $t1, 4f
    nop
3:  lbu $t2, REG(5)($t0)            /* LSR.THRE */
    andi $t2, $t2, 0x20
    beqz $t2, 3b
    nop
    sb $t1, 0($t0)
    b 2b
    addiu $s0, $s0, 1
4:  mtc0 $zero, $12                 /* every interrupt masked */
    ehb
    wait
5:  b 5b
    nop

    .data
mark:
    .word random_start - 4
saved_at:
    .word 0
marker:
#include "marker.inc"
