# Boston's coherence manager, interrupt controller and power controller (at
# the addresses QEMU's boot code gives them), the monitor's: read each; move
# the GCR block, disable the GIC and the CPC through the GCRs; stop the only
# CPU (CPC VP_STOP) and restart it at its reset vector (VP_RUN); read again.
# Expected: every read all ones with no exception, the guest still running
# after each write, `devices: refused` in the monitor's log.
    .include "prelude.S"
attack:
    move $s6, $ra
    li $s0, 0xb6100000              # CM global control registers
    li $s1, 0xb6200000              # CPC
    lw $t6, 0x0008($s0)             # GCR_BASE
    SHOW "gcr_base", $t6
    lw $t6, 0x0080($s0)             # GCR_GIC_BASE
    SHOW "gcr_gic_base", $t6
    li $t5, 0xb6120000
    lw $t6, 0($t5)                  # GIC_SH_CONFIG
    SHOW "gic_sh_config", $t6
    lw $t6, 0x2030($s1)             # core-local VP_RUNNING
    SHOW "cpc_vp_running", $t6
    EXC "reads"
    sw $zero, 0x0008($s0)           # GCR_BASE: the GCRs to physical 0
    sw $zero, 0x0080($s0)           # GCR_GIC_BASE: GIC disabled
    sw $zero, 0x0088($s0)           # GCR_CPC_BASE: CPC disabled
    SAY "hostile: gcr_writes_survived\n"
    li $t1, 1
    sw $t1, 0x2020($s1)             # core-local VP_STOP: VP 0
    SAY "hostile: vp_stop_survived\n"
    sw $t1, 0x2028($s1)             # core-local VP_RUN: VP 0 from its reset vector
    SAY "hostile: vp_run_survived\n"
    lw $t6, 0x0008($s0)
    SHOW "gcr_base_after", $t6
    lw $t6, 0x2030($s1)
    SHOW "cpc_vp_running_after", $t6
    EXC "writes"
    syscall
    EXC "syscall_after"
    jr $s6
    nop
