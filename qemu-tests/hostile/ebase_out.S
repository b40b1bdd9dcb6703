# EBase beyond the guest's RAM (guest KSEG0 0x4F000000 = guest physical
# 0x0F000000, past 224 MiB). Expected: the monitor stops the guest, its
# exception vector is not RAM.
    .set EBASE_VALUE, 0x4f000000
    .include "ebase.inc"
