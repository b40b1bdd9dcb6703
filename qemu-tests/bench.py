#!/usr/bin/env python3
"""Benchmarks: the guest OS's `bench` natively and under mipsvisor, both
under `-icount shift=0` so Count is deterministic; prints native ticks,
monitor ticks and their ratio per benchmark and writes them as CSV.

    qemu-tests/bench.py [board]      (default malta)
A benchmark, not a test: it asserts nothing about the figures.
"""
import csv
import datetime
import re
import sys

import harness

BENCH_LINE = re.compile(r"^bench (\S+) ops=(\d+) count=(\d+) per_op=(\S+)$", re.M)
ICOUNT = ["-icount", "shift=0"]


def run(command):
    with harness.Console(command) as c:
        c.expect(r"^guest: halted", timeout=600)
        return {m.group(1): (int(m.group(2)), int(m.group(3))) for m in BENCH_LINE.finditer(c.transcript)}


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "malta"
    guest = harness.build_guest(name)
    native = run(harness.native_guest_command(name, guest, append="bench; halt", extra=ICOUNT))
    monitor_elf = harness.build_monitor(name, guest)
    monitor = run(harness.qemu_command(name, monitor_elf, append="-- bench; halt", extra=ICOUNT))
    rows = []
    print(f"{'benchmark':<16} {'ops':>8} {'native ticks':>14} {'monitor ticks':>14} {'ratio':>8}")
    for bench, (ops, native_ticks) in native.items():
        monitor_ticks = monitor.get(bench, (ops, None))[1]
        ratio = f"{monitor_ticks / native_ticks:.2f}" if monitor_ticks and native_ticks else "n/a"
        rows.append([bench, ops, native_ticks, monitor_ticks if monitor_ticks is not None else "", ratio])
        print(f"{bench:<16} {ops:>8} {native_ticks:>14} {monitor_ticks if monitor_ticks is not None else '-':>14} {ratio:>8}")
    out_dir = harness.ROOT / "target" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}-{datetime.date.today().isoformat()}.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["benchmark", "ops", "native_ticks", "monitor_ticks", "ratio"])
        w.writerows(rows)
    print(f"written: {path}")


if __name__ == "__main__":
    main()
