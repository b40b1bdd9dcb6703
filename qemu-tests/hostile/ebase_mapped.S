# EBase in mapped guest KSEG3 (0x7FFFF000) with no TLB entry there: every
# vector fetch misses again. Expected: the monitor stops the guest
# (exception loop) with a report.
    .set EBASE_VALUE, 0x7ffff000
    .include "ebase.inc"
