#!/usr/bin/env python3
"""The isolation check (`check=isolation`) fires for each kind of violation:
the monitor plants one on purpose (`isolation_plant=`) under our guest OS and
must stop the guest with a report naming it.

    qemu-tests/isolation_smoke.py [board ...]   (default: every board)
"""
import re
import sys

import harness

BOARDS = ["malta", "malta-el", "malta-p5600", "malta-i6500", "boston-i6500"]
# What the report must say for each plant.
EXPECTED = {
    "tlb": r"isolation check: host TLB entry \d+ \(EntryHi 0x10000000, .*\) maps VA 0x10000000 to PA 0x[0-9a-f]+: "
           r"it maps a page outside guest RAM",
    "pte": r"isolation check: GVA table \d+ PTE at 0x[0-9a-f]+ \(word 0x[0-9a-f]+\) maps VA 0x[0-9a-f]+ "
           r"to PA 0x[0-9a-f]+: it maps a page outside guest RAM",
    "rodata": r"isolation check: the monitor's \.rodata changed within 0x[0-9a-f]+\.\.0x[0-9a-f]+ \(checksum\)",
    "vectors": r"isolation check: the monitor's exception vectors changed within 0x[0-9a-f]+\.\.0x[0-9a-f]+",
}


def planted_violation_is_reported(name, monitor, plant, qemu=None):
    # The selftest makes thousands of exits on every CPU, whatever the idle guest would.
    append = f"check=isolation isolation_plant={plant} -- selftest"
    with harness.Console(harness.qemu_command(name, monitor, append=append, qemu=qemu)) as c:
        c.expect(r"mipsvisor: isolation check on: ", timeout=30)
        c.expect(rf"mipsvisor: isolation_plant: changed .* at exit \d+", timeout=120)
        # Nothing else may stop the guest first (the report may follow a guest's unfinished line).
        m = c.expect(r"mipsvisor: .*$", timeout=60)
        assert re.search(EXPECTED[plant], m.group(0)), f"the run stopped with {m.group(0)!r}"
        c.expect(r"^exits\s+\d+$", timeout=10)
        c.expect(r"^mipsvisor: halted$", timeout=10)
        c.expect_exit("isolation")


def bad_words_are_refused(name, monitor):
    for words, answer in [("check=everything", r"check=everything: say check=isolation or check=off"),
                          ("check=isolation isolation_plant=heap", r"isolation_plant=heap: say tlb, pte")]:
        with harness.Console(harness.qemu_command(name, monitor, append=words + " --")) as c:
            c.expect(answer, timeout=30)
            c.expect(r"^mipsvisor: halted$", timeout=10)
            c.expect_exit("monitor-stop")


def main():
    boards = sys.argv[1:] or BOARDS
    runner = harness.Runner()
    for name in boards:
        monitor = harness.build_monitor(name)
        for plant in EXPECTED:
            runner.check(f"{name}/plant-{plant}", planted_violation_is_reported, name, monitor, plant)
        runner.check(f"{name}/bad-words", bad_words_are_refused, name, monitor)
    runner.finish()


if __name__ == "__main__":
    main()
