#!/usr/bin/env python3
"""Benchmarks: the guest OS's `bench` natively and under mipsvisor, both
under `-icount shift=0` so Count is deterministic; prints native ticks,
monitor ticks and their ratio per benchmark and writes them as CSV. On
malta-el also the Linux guest's boot to its ready line (`linux-boot`), with
the monitor's exit counts for that boot printed below the table.

    qemu-tests/bench.py [board]      (default malta)
    qemu-tests/bench.py malta-el --check (also linux-boot with check=isolation)
    qemu-tests/bench.py BOARD --mmid (an I6500 board: under the patched QEMU of
                                      scripts/build-qemu-mmid, natively and under
                                      mipsvisor with ASIDs (mmid=off) and MMIDs)
A benchmark, not a test: it asserts nothing about the figures.

How `linux-boot` is measured. The ready line carries Linux's monotonic
clock in ns (from /proc/timer_list). Linux derives it from Count, believing
Count runs at LINUX_COUNT_HZ (100 MHz), so uptime_ns * 100e6 / 1e9 is the
number of Count ticks the guest saw. Natively those are the CPU's own Count
ticks (QEMU's Malta Count runs at 160 MHz, so native Linux time runs 1.6x
fast: `sleep 16` lasts 10 s of QEMU's virtual clock). Under mipsvisor the
guest's Count runs at exactly guest_timer_hz of host time, so one guest tick
is host_hz / guest_timer_hz host Count ticks (160/100). Both figures are
thus in ticks of the same 160 MHz Count, and their ratio is the slowdown.
The clock starts at Linux's timekeeping_init(): the kernel's earliest
setup (before that) and the monitor's own start are not in the figure.
"""
import csv
import datetime
import re
import sys

import harness
import linux_smoke

BENCH_LINE = re.compile(r"^bench (\S+) ops=(\d+) count=(\d+) per_op=(\S+)$", re.M)
ICOUNT = ["-icount", "shift=0"]
LINUX_BOOT_READY = re.escape(linux_smoke.READY) + r" uptime_ns=(\d+)$"
EXIT_COUNT_LINE = re.compile(r"^(\w+) +(\d+)$", re.M)


def run(command):
    with harness.Console(command) as c:
        c.expect(r"^guest: halted", timeout=600)
        return {m.group(1): (int(m.group(2)), int(m.group(3))) for m in BENCH_LINE.finditer(c.transcript)}


def linux_boot(mode, check="off"):
    """Boots the Linux guest to its ready line and powers it off; returns
    the boot in host Count ticks and, under the monitor (with `check=`, off
    by default), its exit counts."""
    with linux_smoke.console(mode, "console=ttyS0 bench_poweroff", qemu_extra=ICOUNT, check=check) as c:
        uptime_ns = int(c.expect(LINUX_BOOT_READY, timeout=600).group(1))
        c.expect(r"^reboot: Power down$", timeout=60)
        exits = {}
        if mode == "monitor":
            c.expect(r"^mipsvisor: guest powered off$", timeout=60)
            start = c.cursor
            c.read_to_exit(timeout=60)
            exits = {m.group(1): int(m.group(2)) for m in EXIT_COUNT_LINE.finditer(c.transcript, start)}
        else:
            c.read_to_exit(timeout=60)
    guest_ticks = uptime_ns * linux_smoke.LINUX_COUNT_HZ // 1_000_000_000
    if mode == "native":
        return guest_ticks, exits
    host_hz = harness.board(linux_smoke.BOARD)["timer_hz"]
    return guest_ticks * host_hz // linux_smoke.LINUX_COUNT_HZ, exits


def mmid_comparison(name):
    """The guest OS's benchmarks under the patched QEMU: native, and under
    mipsvisor with guest address spaces tagged by ASIDs and by MMIDs."""
    qemu = harness.mmid_qemu()
    guest = harness.build_guest(name)
    native_command = harness.native_guest_command(name, guest, append="bench; halt", extra=ICOUNT)
    native = run([qemu, *native_command[1:]])
    monitor_elf = harness.build_monitor(name, guest)
    runs = {tags: run(harness.qemu_command(name, monitor_elf, append=f"{words} -- bench; halt", extra=ICOUNT,
                                           qemu=qemu))
            for tags, words in (("asid", "mmid=off"), ("mmid", ""))}
    header = ["benchmark", "ops", "native_ticks", "asid_ticks", "mmid_ticks", "asid_ratio", "mmid_ratio"]
    print(" ".join(f"{h:>14}" for h in header))
    rows = []
    for bench, (ops, native_ticks) in native.items():
        asid, mmid = runs["asid"].get(bench, (ops, None))[1], runs["mmid"].get(bench, (ops, None))[1]
        ratios = [f"{t / native_ticks:.2f}" if t and native_ticks else "n/a" for t in (asid, mmid)]
        rows.append([bench, ops, native_ticks, asid or "", mmid or "", *ratios])
        print(" ".join(f"{str(v):>14}" for v in rows[-1]))
    write_csv(f"{name}-mmid", header, rows)


def write_csv(stem, header, rows):
    out_dir = harness.ROOT / "target" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}-{datetime.date.today().isoformat()}.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    print(f"written: {path}")


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "malta"
    if "--mmid" in sys.argv[2:]:
        return mmid_comparison(name)
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
    exits = {}
    if name == linux_smoke.BOARD:
        native_ticks, _ = linux_boot("native")
        monitor_ticks, exits = linux_boot("monitor")
        ratio = f"{monitor_ticks / native_ticks:.2f}"
        rows.append(["linux-boot", 1, native_ticks, monitor_ticks, ratio])
        print(f"{'linux-boot':<16} {1:>8} {native_ticks:>14} {monitor_ticks:>14} {ratio:>8}")
        if "--check" in sys.argv[2:]:
            checked_ticks, _ = linux_boot("monitor", check="isolation")
            ratio = f"{checked_ticks / native_ticks:.2f}"
            rows.append(["linux-boot-check-isolation", 1, native_ticks, checked_ticks, ratio])
            print(f"{'linux-boot, check=isolation':<16} {1:>8} {native_ticks:>14} {checked_ticks:>14} {ratio:>8}")
    else:
        print(f"linux-boot: skipped (the Linux guest runs on {linux_smoke.BOARD})")
    if exits:
        print("linux-boot exit counts under mipsvisor (boot to the ready line, then power-off):")
        for counter, value in exits.items():
            print(f"  {counter:<16} {value:>12}")
    write_csv(name, ["benchmark", "ops", "native_ticks", "monitor_ticks", "ratio"], rows)


if __name__ == "__main__":
    main()
