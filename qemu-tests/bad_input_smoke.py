#!/usr/bin/env python3
"""Bad input is refused with a clear message and the monitor stays in
control: malformed guest ELFs given as -initrd, bad command-line options, and
guests that do something illegal once running.

    qemu-tests/bad_input_smoke.py [board ...]   (default: malta malta-el)

The guest ELFs come from qemu-tests/make-bad-elves (GNU as/ld output).
"""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import harness

BOARDS = ["malta", "malta-el"]
HALTED = r"^mipsvisor: halted$"
REFUSAL = r"^mipsvisor: refusing the initrd guest image: "

# The loader's ImageError messages (src/loader/error.rs) for each bad ELF.
BAD_ELVES = {
    "truncated.elf": r"guest ELF truncated: segment 0 needs bytes 0x[0-9a-f]+\.\.0x[0-9a-f]+ of a 0x[0-9a-f]+-byte file",
    "wrong-endian.elf": None,  # filled in per board: the opposite byte order
    "outside-ram.elf": r"guest ELF segment 0 \(vaddr 0x5f000000, 0x[0-9a-f]+ bytes\) ends past guest RAM \(\d+ MiB\)",
}


def endian_refusal(name):
    ours = "little-endian" if harness.board(name)["qemu"].endswith("el") else "big-endian"
    other = "big-endian" if ours == "little-endian" else "little-endian"
    return rf"guest ELF is {other} but board {re.escape(name)} is {ours}"


def boot(name, monitor, elf, append="", log=None):
    return harness.Console(harness.qemu_command(name, monitor, append=append, extra=["-initrd", str(elf)], log=log))


def refused(name, monitor, elf, message):
    with boot(name, monitor, elf) as console:
        console.expect(REFUSAL + message + "$", timeout=30)
        console.expect(HALTED, timeout=5)
        console.expect_exit("monitor-stop")


def good_guest_starts(name, monitor, elves):
    with boot(name, monitor, elves / "good.elf") as console:
        console.expect(r"^mipsvisor: starting the initrd guest at 0x40100000 with \d+ MiB", timeout=30)


def option_refused(name, monitor, elves, append, message):
    with boot(name, monitor, elves / "good.elf", append=append) as console:
        console.expect(message, timeout=30)
        console.expect(HALTED, timeout=5)
        console.expect_exit("monitor-stop")


def unknown_selftest(name, monitor):
    with harness.Console(harness.qemu_command(name, monitor, append="selftest=nonsense")) as console:
        m = console.expect(r"^mipsvisor: unknown selftest `nonsense`; known: (.+)$", timeout=30)
        known = m.group(1).split(", ")
        # The list grows with the monitor; the two oldest selftests must stay in it.
        if not {"fault", "refill"} <= set(known):
            raise AssertionError(f"selftest list {known} lacks fault or refill")
        console.expect(HALTED, timeout=5)
        console.expect_exit("selftest-failed")


def bus_error_stops_the_guest(name, monitor, elves, log):
    # The load is real KSEG1 0xAF000000 = physical 0x0F000000, where no Malta
    # device answers: DBE for the guest, at its BEV vector 0xBFC00380 (guest
    # view 0x5FC00380), which is boot ROM, never guest RAM.
    with boot(name, monitor, elves / "bus-error.elf", log=log) as console:
        console.expect(r"^mipsvisor: guest stopped: its exception vector 0x5fc00380 is guest physical "
                       r"0x1fc00380, not RAM, so it cannot take exceptions$", timeout=30)
        console.expect(r"^guest pc 5fc00380  Cause [0-9a-f]{6}1c \(ExcCode DBE ", timeout=5)
        console.expect(r"EPC 40100004  ", timeout=5)
        console.expect(r"\bt0 af000000\b", timeout=5)
        console.expect(r"^exits\s+\d+", timeout=5)
        console.expect(HALTED, timeout=5)
        console.expect_exit("vector-not-ram")
    text = Path(log).read_text(errors="replace")
    assert re.search(r"vcpu: 40100004: 8d090000: .*at guest physical 0f000000: no RAM or device; guest gets DBE",
                     text), f"log UART lacks the bus error:\n{text}"


def board_reset_stops_the_guest(name, monitor, elves):
    with boot(name, monitor, elves / "board-reset.elf") as console:
        console.expect(r"^mipsvisor: guest wrote the board reset register$", timeout=30)
        console.expect(r"^guest pc 4010000c  ", timeout=5)
        console.expect(r"\bt1 00000042\b", timeout=5)
        console.expect(r"^exits\s+\d+", timeout=5)
        console.expect(HALTED, timeout=5)
        console.expect_exit("board-reset")


def make_elves(name, directory):
    subprocess.run([str(harness.ROOT / "qemu-tests" / "make-bad-elves"), str(directory), name],
                   check=True, stdout=subprocess.DEVNULL)


def main():
    boards = sys.argv[1:] or BOARDS
    runner = harness.Runner()
    with tempfile.TemporaryDirectory(prefix="mipsvisor-bad-input-") as tmp:
        for name in boards:
            elves = Path(tmp) / name
            make_elves(name, elves)
            monitor = harness.build_monitor(name, guest="")
            for elf, message in BAD_ELVES.items():
                message = message or endian_refusal(name)
                runner.check(f"{name}/refuses-{elf}", refused, name, monitor, elves / elf, message)
            runner.check(f"{name}/starts-good.elf", good_guest_starts, name, monitor, elves)
            runner.check(f"{name}/guest_mem-too-large", option_refused, name, monitor, elves, "guest_mem=100000",
                         r"^mipsvisor: no RAM window for the guest: 100000 MiB of guest RAM asked for, "
                         r"\d+ MiB free above the monitor$")
            runner.check(f"{name}/guest_mem-not-a-number", option_refused, name, monitor, elves, "guest_mem=abc",
                         r"^mipsvisor: guest_mem=abc is not a whole number of MiB \(e\.g\. guest_mem=64\)$")
            runner.check(f"{name}/mmid-word-refused", option_refused, name, monitor, elves, "mmid=maybe",
                         r"^mipsvisor: mmid=maybe: say mmid=on or mmid=off$")
            runner.check(f"{name}/host_id_bits-too-narrow", option_refused, name, monitor, elves, "host_id_bits=3",
                         r"^mipsvisor: host_id_bits=3: say a width from 4 to 8$")
            runner.check(f"{name}/unknown-selftest", unknown_selftest, name, monitor)
            runner.check(f"{name}/bus-error-stops-the-guest", bus_error_stops_the_guest, name, monitor, elves,
                         Path(tmp) / f"{name}-log.txt")
            runner.check(f"{name}/board-reset-stops-the-guest", board_reset_stops_the_guest, name, monitor, elves)
    runner.finish()


if __name__ == "__main__":
    main()
