# Macros for the hostile guests (included before prelude.S).
.macro SAY text
    .pushsection .rodata
.Lsay\@: .asciz "\text"
    .popsection
    la $a0, .Lsay\@
    jal puts
    nop
.endm

# SHOW key, reg: "hostile: key value=<reg>".
.macro SHOW key, reg
    move $a1, \reg
    .pushsection .rodata
.Lkey\@: .asciz "\key"
    .popsection
    la $a0, .Lkey\@
    jal show
    nop
.endm

# EXC key: the exceptions taken since the last EXC.
.macro EXC key
    .pushsection .rodata
.Lkey\@: .asciz "\key"
    .popsection
    la $a0, .Lkey\@
    jal show_exc
    nop
.endm

# MAP_TLB n, vpn, elo0, elo1, pmask: one guest TLB entry.
.macro MAP_TLB n, vpn, elo0, elo1, pmask
    li $t0, \n
    mtc0 $t0, $0
    li $t0, \vpn
    mtc0 $t0, $10
    li $t0, \elo0
    mtc0 $t0, $2
    li $t0, \elo1
    mtc0 $t0, $3
    li $t0, \pmask
    mtc0 $t0, $5
    ehb
    tlbwi
    ehb
.endm

# The GT-64120's registers are little-endian: a big-endian CPU swaps.
.macro GT_LI reg, value
.ifdef BE
    li \reg, ((\value & 0xff) << 24) | ((\value & 0xff00) << 8) | ((\value >> 8) & 0xff00) | ((\value >> 24) & 0xff)
.else
    li \reg, \value
.endif
.endm
