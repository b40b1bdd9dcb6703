# Not an attack class: console_smoke.py's guest that never reads its console
# again. It says it spins, then loops with every interrupt masked; the
# monitor console's escape must still be seen (the monitor's own look at a
# UART left unread for a tenth of a second).
    .include "prelude.S"
attack:
    SAY "hostile: spinning\n"
1:  b 1b
    nop
