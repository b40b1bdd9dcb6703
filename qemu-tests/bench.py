#!/usr/bin/env python3
"""Benchmarks: the guest OS's `bench` natively and under mipsvisor, both
under `-icount shift=0` so Count is deterministic; prints native ticks,
monitor ticks and their ratio per benchmark and writes them as CSV. On
malta-el also the Linux guest's boot to its ready line (`linux-boot`), with
the monitor's exit counts for that boot printed below the table.

    qemu-tests/bench.py [board]      (default malta)
    qemu-tests/bench.py malta-el --check (also linux-boot with check=isolation)
    qemu-tests/bench.py BOARD --words=W (W among the monitor's words, e.g.
                                     fast_exit=off, for a before/after figure)
    qemu-tests/bench.py malta-el --no-linux-workloads (skip the Linux shell workloads)
    qemu-tests/bench.py BOARD --mmid (an I6500 board: under the patched QEMU of
                                      scripts/build-qemu-mmid, natively and under
                                      mipsvisor with ASIDs (mmid=off) and MMIDs)
A benchmark, not a test: it asserts nothing about the figures.

Exit costs. At halt the monitor prints `exit_cost KIND exits=N ticks=T`:
host Count ticks from its exception vector to the ERET back into the guest,
per kind of exit (src/vcpu/exit_cost.rs). Under `-icount shift=0` QEMU runs
one instruction per ns of virtual time (qemu-system(1), -icount: "one
instruction every 2^N ns") and MIPS Count is virtual ns scaled to the
Count clock (target/mips/sysemu/cp0_timer.c, cpu_mips_get_count_val), so a
tick is 1e9 / timer_hz instructions: 6.25 on Malta (160 MHz Count), not
one. The exit mix of each guest OS benchmark is the monitor's counts for
`bench NAME; halt` less those for `halt` alone (the guest OS's boot); of
each Linux workload, the counts for boot + workload + power-off less those
for boot + power-off.

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
EXIT_COST_LINE = re.compile(r"^exit_cost (\w+) exits=(\d+) ticks=(\d+)$", re.M)
# Shell lines stay shorter than the console's 80 columns (BusyBox's line
# editor redraws longer ones, and the echo would not match): `n` sets $t to
# Linux's monotonic clock in ns (the "now at" line of /proc/timer_list, read
# with builtins, no fork); each workload is a function `w`.
LINUX_NOW_FUNCTION = "n(){ { read a;read a;read a b t a;}</proc/timer_list;}"
LINUX_TIMED_RUN = "n;s=$t;w;n;echo elapsed_ns=$((t-s))"
# Linux workloads: name, ops, the definition of `w`.
LINUX_WORKLOADS = [
    ("linux-shell-loop", 20000, "w(){ i=0;while [ $i -lt 20000 ];do i=$((i+1));done;}"),
    ("linux-dd-md5sum", 4000, "w(){ dd if=/dev/zero bs=4096 count=4000 2>&1|md5sum;}"),
    ("linux-fork-exec", 300, "w(){ i=0;while [ $i -lt 300 ];do /bin/true;i=$((i+1));done;}"),
    ("linux-find", 3, "w(){ for i in 1 2 3;do find / -xdev>/dev/null;done;}"),
]


def monitor_words():
    """The words of --words=W, for every monitor run."""
    return " ".join(a[len("--words="):] for a in sys.argv[2:] if a.startswith("--words="))


def run(command, monitor=False):
    """Runs the guest OS to its halt: its bench lines, and (`monitor`) the
    monitor's exit costs, printed when it stops."""
    with harness.Console(command) as c:
        c.expect(r"^guest: halted", timeout=600)
        if monitor:
            c.expect(r"^mipsvisor: halted", timeout=60)
        benches = {m.group(1): (int(m.group(2)), int(m.group(3))) for m in BENCH_LINE.finditer(c.transcript)}
        return benches, exit_costs(c.transcript)


def exit_costs(text, start=0):
    """{kind: (exits, ticks)} from the monitor's exit_cost lines."""
    return {m.group(1): (int(m.group(2)), int(m.group(3))) for m in EXIT_COST_LINE.finditer(text, start)}


def minus(costs, baseline):
    """Per-kind difference, kinds that grew only."""
    out = {}
    for kind, (exits, ticks) in costs.items():
        base_exits, base_ticks = baseline.get(kind, (0, 0))
        if exits > base_exits:
            out[kind] = (exits - base_exits, ticks - base_ticks)
    return out


def print_mix(title, costs, ticks_to_insns, ops=None):
    """The exit mix: exits (and per op), Count ticks and instructions per exit, share of the ticks."""
    total = sum(t for _, t in costs.values()) or 1
    print(title)
    print(f"  {'kind':<18} {'exits':>9} {'per op':>8} {'ticks/exit':>11} {'insns/exit':>11} {'share':>6}")
    for kind, (exits, ticks) in sorted(costs.items(), key=lambda kv: -kv[1][1]):
        per_op = f"{exits / ops:.2f}" if ops else ""
        print(f"  {kind:<18} {exits:>9} {per_op:>8} {ticks / exits:>11.1f} {ticks / exits * ticks_to_insns:>11.0f} "
              f"{100 * ticks / total:>5.1f}%")


def linux_boot(mode, check="off"):
    """Boots the Linux guest to its ready line and powers it off; returns
    the boot in host Count ticks and, under the monitor (with `check=`, off
    by default), its exit counts."""
    with linux_smoke.console(mode, "console=ttyS0 bench_poweroff", qemu_extra=ICOUNT, check=check,
                             monitor_words=monitor_words()) as c:
        uptime_ns = int(c.expect(LINUX_BOOT_READY, timeout=600).group(1))
        c.expect(r"^reboot: Power down$", timeout=60)
        exits = {}
        if mode == "monitor":
            c.expect(r"^mipsvisor: guest powered off$", timeout=60)
            start = c.cursor
            c.read_to_exit(timeout=60)
            exits = {m.group(1): int(m.group(2)) for m in EXIT_COUNT_LINE.finditer(c.transcript, start)}
            exits.update({f"cost:{k}": v for k, v in exit_costs(c.transcript, start).items()})
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
    native, _ = run([qemu, *native_command[1:]])
    monitor_elf = harness.build_monitor(name, guest)
    both = {tags: run(harness.qemu_command(name, monitor_elf, append=f"{words} -- bench; halt", extra=ICOUNT,
                                           qemu=qemu), monitor=True)
            for tags, words in (("asid", "mmid=off"), ("mmid", ""))}
    runs = {tags: benches for tags, (benches, _) in both.items()}
    header = ["benchmark", "ops", "native_ticks", "asid_ticks", "mmid_ticks", "asid_ratio", "mmid_ratio"]
    print(" ".join(f"{h:>14}" for h in header))
    rows = []
    for bench, (ops, native_ticks) in native.items():
        asid, mmid = runs["asid"].get(bench, (ops, None))[1], runs["mmid"].get(bench, (ops, None))[1]
        ratios = [f"{t / native_ticks:.2f}" if t and native_ticks else "n/a" for t in (asid, mmid)]
        rows.append([bench, ops, native_ticks, asid or "", mmid or "", *ratios])
        print(" ".join(f"{str(v):>14}" for v in rows[-1]))
    write_csv(f"{name}-mmid", header, rows)
    # Where the taggings differ: the same exits, each costing what its flushes cost.
    ticks_to_insns = 1e9 / harness.board(name)["timer_hz"]
    asid_costs, mmid_costs = both["asid"][1], both["mmid"][1]
    print("instructions per exit, whole `bench` run (boot and halt included):")
    print(f"  {'kind':<18} {'exits ASIDs':>11} {'exits MMIDs':>11} {'insns ASIDs':>11} {'insns MMIDs':>11}")
    for kind in sorted(asid_costs, key=lambda k: -asid_costs[k][1]):
        (a_exits, a_ticks), (m_exits, m_ticks) = asid_costs[kind], mmid_costs.get(kind, (0, 0))
        m_insns = f"{m_ticks / m_exits * ticks_to_insns:.0f}" if m_exits else "n/a"
        print(f"  {kind:<18} {a_exits:>11} {m_exits:>11} {a_ticks / a_exits * ticks_to_insns:>11.0f} {m_insns:>11}")


def write_csv(stem, header, rows):
    out_dir = harness.ROOT / "target" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}-{datetime.date.today().isoformat()}.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    print(f"written: {path}")


def linux_workloads():
    """The LINUX_WORKLOADS timed by Linux's clock (as linux-boot): natively in
    one shell session, under mipsvisor in one session each (boot, workload,
    power-off) so each has its exit costs. Returns {name: (native_ticks,
    monitor_ticks, monitor exit costs)}."""
    native = linux_session("native", LINUX_WORKLOADS)[0]
    results = {}
    for workload in LINUX_WORKLOADS:
        ticks, costs = linux_session("monitor", [workload])
        results[workload[0]] = (native[workload[0]], ticks[workload[0]], costs)
    return results


def linux_session(mode, workloads):
    """Boots Linux, runs `workloads` at its shell, powers off: ({name: ticks}, exit costs)."""
    ticks, costs = {}, {}
    with linux_smoke.console(mode, qemu_extra=ICOUNT, check="off", monitor_words=monitor_words()) as c:
        c.expect(re.escape(linux_smoke.READY), timeout=600)
        c.expect(linux_smoke.PROMPT, timeout=60, partial=True)
        c.command(LINUX_NOW_FUNCTION, prompt=linux_smoke.PROMPT)
        for name, _, function in workloads:
            c.command(function, prompt=linux_smoke.PROMPT)
            out = c.command(LINUX_TIMED_RUN, prompt=linux_smoke.PROMPT, timeout=900)
            ns = int(re.search(r"^elapsed_ns=(\d+)", out, re.M).group(1))
            ticks[name] = linux_ticks(mode, ns)
        c.send("poweroff -f\n")
        if mode == "monitor":
            c.expect(r"^mipsvisor: guest powered off$", timeout=120)
            start = c.cursor
            c.read_to_exit(timeout=60)
            costs = exit_costs(c.transcript, start)
        else:
            c.read_to_exit(timeout=60)
    return ticks, costs


def linux_ticks(mode, ns):
    """Linux's clock (ns, from a Count it believes runs at 100 MHz) as ticks of the host's Count."""
    guest_ticks = ns * linux_smoke.LINUX_COUNT_HZ // 1_000_000_000
    if mode == "native":
        return guest_ticks
    return guest_ticks * harness.board(linux_smoke.BOARD)["timer_hz"] // linux_smoke.LINUX_COUNT_HZ


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "malta"
    if "--mmid" in sys.argv[2:]:
        return mmid_comparison(name)
    ticks_to_insns = 1e9 / harness.board(name)["timer_hz"]
    guest = harness.build_guest(name)
    native, _ = run(harness.native_guest_command(name, guest, append="bench; halt", extra=ICOUNT))
    monitor_elf = harness.build_monitor(name, guest)

    def monitor_run(commands):
        append = f"{monitor_words()} -- {commands}"
        return run(harness.qemu_command(name, monitor_elf, append=append, extra=ICOUNT), monitor=True)

    monitor, all_costs = monitor_run("bench; halt")
    _, idle_costs = monitor_run("halt")
    mixes = {bench: minus(monitor_run(f"bench {bench}; halt")[1], idle_costs) for bench in native}
    rows = []
    print(f"{'benchmark':<16} {'ops':>8} {'native ticks':>14} {'monitor ticks':>14} {'ratio':>8}")
    for bench, (ops, native_ticks) in native.items():
        monitor_ticks = monitor.get(bench, (ops, None))[1]
        ratio = f"{monitor_ticks / native_ticks:.2f}" if monitor_ticks and native_ticks else "n/a"
        rows.append([bench, ops, native_ticks, monitor_ticks if monitor_ticks is not None else "", ratio])
        print(f"{bench:<16} {ops:>8} {native_ticks:>14} {monitor_ticks if monitor_ticks is not None else '-':>14} {ratio:>8}")
    exits = {}
    boot_costs = {}
    if name == linux_smoke.BOARD:
        native_ticks, _ = linux_boot("native")
        monitor_ticks, exits = linux_boot("monitor")
        boot_costs = {k[len("cost:"):]: v for k, v in exits.items() if k.startswith("cost:")}
        exits = {k: v for k, v in exits.items() if not k.startswith("cost:")}
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
    if name == linux_smoke.BOARD and "--no-linux-workloads" not in sys.argv[2:]:
        workloads = linux_workloads()
        for (work, ops, _) in LINUX_WORKLOADS:
            native_ticks, monitor_ticks, _ = workloads[work]
            ratio = f"{monitor_ticks / native_ticks:.2f}"
            rows.append([work, ops, native_ticks, monitor_ticks, ratio])
            print(f"{work:<16} {ops:>8} {native_ticks:>14} {monitor_ticks:>14} {ratio:>8}")
    if exits:
        print("linux-boot exit counts under mipsvisor (boot to the ready line, then power-off):")
        for counter, value in exits.items():
            print(f"  {counter:<16} {value:>12}")
    print(f"\nExit costs under mipsvisor (1 Count tick = {ticks_to_insns:g} instructions at -icount shift=0):")
    print_mix("guest OS `bench`, all benchmarks (boot and halt included):", all_costs, ticks_to_insns)
    for bench, mix in mixes.items():
        print_mix(f"exit mix of {bench} ({native[bench][0]} ops; guest OS boot subtracted):", mix, ticks_to_insns,
                  ops=native[bench][0])
    if boot_costs:
        print_mix("linux-boot:", boot_costs, ticks_to_insns)
    if name == linux_smoke.BOARD and "--no-linux-workloads" not in sys.argv[2:]:
        for (work, ops, _) in LINUX_WORKLOADS:
            print_mix(f"exit mix of {work} ({ops} ops; a session's boot and power-off subtracted):",
                      minus(workloads[work][2], boot_costs), ticks_to_insns, ops=ops)
    write_csv(name, ["benchmark", "ops", "native_ticks", "monitor_ticks", "ratio"], rows)


if __name__ == "__main__":
    main()
