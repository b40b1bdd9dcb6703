#!/usr/bin/env python3
"""Seeded random instructions in guest kernel mode under the monitor (issue
9, item 6b): the guest of qemu-tests/random-guest executes N random words,
skipping each one that faults, then prints its end marker and stops with
WAIT; the monitor must still be in control (its stop report and exit
statistics follow) and must never stop the guest any other way. The monitor
boots from its flash image (so it owns the debug vector and a random SDBBP is
contained) with the isolation check on (`MIPSVISOR_CHECK`, default isolation).

    qemu-tests/random_guest_smoke.py [--words N] [--seed S] [--monitor-args "WORDS"] [board ...]
    (default: 20000 words, seed 1, on malta malta-el malta-i6500 boston-i6500;
    Boston has no flash boot: its monitor boots by -kernel and QEMU's generic
    loader places the guest, and on Release 6 SDBBP is contained either way)
"""
import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import harness

BOARDS = ["malta", "malta-el", "malta-i6500", "boston-i6500"]


def make_guest(name, out, words, seed):
    b = harness.board(name)
    endian = "EL" if b["qemu"].endswith("el") else "EB"
    isa = "r6" if "i6500" in name else "r2"
    subprocess.run([str(harness.ROOT / "qemu-tests" / "random-guest" / "make-random-guest"), str(out),
                    "--words", str(words), "--seed", str(seed), "--isa", isa, "--endian", endian,
                    "--platform", b["platform"]],
                   check=True, stdout=subprocess.DEVNULL)


def runs_to_its_end(name, elf, words, seed, monitor_args, log):
    # Generous: a trapping word costs a handful of exits (the handler's own CP0 accesses trap).
    timeout = 60 + words / 500
    append = harness.with_check(f"guest_mem=32 {monitor_args}".strip(), harness.suite_check())
    started = time.monotonic()
    if harness.board(name)["platform"] == "malta":
        image = harness.build_flash(name, out=str(Path(log).with_suffix(".flash")), guest_in_ram=str(elf),
                                    append=append)
        command = harness.flash_command(name, image, guest_in_ram=str(elf), log=log)
    else:
        guest_words, extra = harness.kernel_boot_guest(name, elf)
        command = harness.qemu_command(name, harness.build_monitor(name, guest=""),
                                       append=f"{guest_words} {append}", extra=extra, log=log)
    with harness.Console(command) as console:
        console.expect(r"^mipsvisor: starting the \w+ guest at 0x40100000 with 32 MiB", timeout=30)
        # A guest stop before the end marker is a failure, reported at once: the
        # monitor is in control, but the random words did not all run (a random
        # store can rewrite words still to come, e.g. into a WAIT).
        end = console.expect(rf"^(random-guest: done: {words} words, seed {seed}|mipsvisor: guest stopped .*)\s*$",
                             timeout=timeout)
        assert end.group(1).startswith("random-guest"), \
            f"the guest stopped before its end marker: {end.group(1)}\n" + console.transcript[-3000:]
        console.expect(r"^mipsvisor: guest stopped \(WAIT with every interrupt masked at 0x40[0-9a-f]{6}\)$",
                       timeout=10)
        m = console.expect(r"^exits\s+(\d+)", timeout=5)
        console.expect(r"^mipsvisor: halted$", timeout=5)
        console.expect_exit("wait-masked")
    print(f"  {name}: {words} random words, seed {seed}: {m.group(1)} exits, "
          f"{time.monotonic() - started:.1f} s")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--words", type=int, default=20000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--monitor-args", default="", help="extra monitor words, e.g. check=isolation")
    p.add_argument("boards", nargs="*")
    args = p.parse_args()
    runner = harness.Runner()
    with tempfile.TemporaryDirectory(prefix="mipsvisor-random-guest-") as tmp:
        for name in args.boards or BOARDS:
            elf = Path(tmp) / f"{name}.elf"
            make_guest(name, elf, args.words, args.seed)
            runner.check(f"{name}/random-guest-{args.words}-words-seed-{args.seed}", runs_to_its_end, name,
                         elf, args.words, args.seed, args.monitor_args, Path(tmp) / f"{name}-log.txt")
    runner.finish()


if __name__ == "__main__":
    main()
