# SDBBP from the guest kernel (CPU user mode). Expected: RI delivered, and the
# guest still unprivileged after it: EBase reads the guest's virtual value,
# not the host's (which it would in Debug Mode).
    .include "prelude.S"
attack:
    move $s6, $ra
    sdbbp
    EXC "sdbbp"
    mfc0 $t6, $15, 1
    SHOW "ebase_after", $t6
    jr $s6
    nop
