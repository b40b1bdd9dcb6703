# Macros for the hostile guests (included before prelude.S).
# KEY_A0 text: $a0 = the address of `text`, kept in .rodata.
.macro KEY_A0 text
    .pushsection .rodata
.Lkey\@: .asciz "\text"
    .popsection
    la $a0, .Lkey\@
.endm

.macro SAY text
    KEY_A0 "\text"
    jal puts
    nop
.endm

# SHOW key, reg: "hostile: key value=<reg>".
.macro SHOW key, reg
    move $a1, \reg
    KEY_A0 "\key"
    jal show
    nop
.endm

# EXC key: the exceptions taken since the last EXC.
.macro EXC key
    KEY_A0 "\key"
    jal show_exc
    nop
.endm

# MOVE_REG name, offset: the register at $s0 + offset before and after the
# guest writes it 0 ("name_before", "name_after").
.macro MOVE_REG name, offset
    lw $t6, \offset($s0)
    SHOW "\name\()_before", $t6
    sw $zero, \offset($s0)
    lw $t6, \offset($s0)
    SHOW "\name\()_after", $t6
.endm

# PAGE_LO0 label: $t0 = EntryLo for the guest KSEG0 page at `label`
# (PFN = guest physical >> 12; C=3, D, V, G).
.macro PAGE_LO0 label
    la $t0, \label
    li $t1, 0x40000000
    subu $t0, $t0, $t1
    srl $t0, $t0, 6
    ori $t0, $t0, 0x1f
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
