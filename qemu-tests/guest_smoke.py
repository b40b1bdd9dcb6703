#!/usr/bin/env python3
"""Our guest OS booted to its shell, natively on QEMU's CPU model (the
reference nobody here wrote) and under mipsvisor, on the same board; then
the selftest transcripts of both runs compared line by line.

    qemu-tests/guest_smoke.py [--native-only] [board ...]   (default: every board below)
"""
import os
import re
import sys

import console_smoke
import harness

# Each board with the modes its guest runs in. A board whose native CPU is
# the model the monitor gives the guest by default gets a differential
# against itself; the P5600 and the 34Kf run the 24Kf model (the P5600 is no
# QEMU model the monitor offers; the 34Kf's MT ASE is not emulated), so
# their monitor transcripts are compared with malta-el's native 24Kf. The
# I6500 boards run the MIPS32r6 build under the monitor only.
# Boston has no native run at all (QEMU's T&E-layout mode is Malta's): its
# transcript is compared with malta-i6500's, the same r6 guest (below).
BOARDS = {
    "malta": ("native", "monitor"),
    "malta-el": ("native", "monitor"),
    "malta-74kf": ("native", "monitor"),
    "malta-34kf": ("monitor",),
    "malta-p5600": ("monitor",),
    "malta-i6500": ("monitor",),
    "boston-i6500": ("monitor",),
}
# Boards whose monitor run is compared with another board's native run.
REFERENCE = {"malta-34kf": "malta-el", "malta-p5600": "malta-el"}
# What no instruction lets the monitor hide: the FPU's FIR and FCSR's
# NAN2008/ABS2008 are the host FPU's (CFC1 does not trap with CU1 set).
HOST_FPU_LINES = {"malta-p5600": ("SEEN fpu_fir ", "SEEN fpu_fcsr_"), "malta-34kf": ("SEEN fpu_fir ",)}
# The PRId the guest sees, natively and under the monitor (else a 24K's).
PRID = {"malta-74kf": "0x00019700"}
BENCHMARKS = ["compute", "cp0", "mmio", "syscall", "ctxsw", "tlb-refill", "guest-tlb-miss"]
# No selftest line is platform-dependent: checks that depend on the CPU
# model (TLB size, cache geometry) read it from Config1 and print only PASS
# or FAIL, so the native and monitor transcripts must match line for line.


def compared_model(name):
    """The vCPU model a monitor run must show to match its native reference
    (QEMU's CPU of the reference board), or None where there is none."""
    reference = REFERENCE.get(name, name if "native" in BOARDS.get(name, ()) else None)
    return harness.board(reference)["cpu"] if reference else None


def console(name, mode, guest_cmdline=""):
    guest = harness.build_guest(name)
    if mode == "native":
        return harness.Console(harness.native_guest_command(name, guest, append=guest_cmdline))
    monitor = harness.build_monitor(name, guest)
    model = compared_model(name)
    words = f"vcpu={model} " if model else ""
    return harness.Console(harness.qemu_command(name, monitor, append=words + "-- " + guest_cmdline,
                                                check=harness.suite_check()))


def shell_session(name, mode, selftests):
    with console(name, mode) as c:
        c.expect(r"guest> ", timeout=60, partial=True)
        out = c.command("echo hi")
        assert out.strip() == "hi", f"echo hi printed {out!r}"
        out = c.command("info")
        prid = PRID.get(name, "0x00019300")
        assert re.search(rf"PRId\s+{prid}", out), f"info: not PRId {prid} in {out!r}"
        out = c.command("run sieve", timeout=120)
        assert re.search(r"primes below 10000: 1229\b", out), f"run sieve: {out!r}"
        out = c.command("spawn spin")
        started = re.search(r"started pid (\d+)", out)
        assert started, f"spawn spin: {out!r}"
        pid = started.group(1)
        out = c.command("ps")
        assert re.search(rf"^\s+{pid}\s+ready\s+\d+\s+spin$", out, re.M), f"ps: {out!r}"
        out = c.command("kill " + pid)
        assert f"pid {pid} killed" in out, f"kill: {out!r}"
        out = c.command("pci")
        if harness.board(name)["platform"] == "boston":
            assert "pci: skipped on boston" in out, f"pci: {out!r}"
        else:
            listing = [line for line in out.splitlines() if line.startswith("pci ")]
            assert any(" id 8086:7111 " in line for line in listing), f"pci: no PIIX4 IDE in {out!r}"
            selftests[(name, mode, "pci")] = listing
        out = c.command("selftest", timeout=300)
        if harness.board(name)["platform"] == "boston":
            the_monitor_refused_bostons_blocks(out)
        summary = re.search(r"selftest: (\d+) passed, (\d+) failed", out)
        assert summary, "selftest printed no summary"
        selftests[(name, mode)] = [line for line in out.splitlines() if re.match(r"(PASS|FAIL|SEEN) ", line)]
        failures = [line for line in out.splitlines() if line.startswith("FAIL ")]
        assert summary.group(2) == "0" and not failures, "selftest failures:\n" + "\n".join(failures)
        if os.environ.get("MIPSVISOR_SHOW_SELFTEST"):
            print("\n".join(selftests[(name, mode)]))
        out = c.command("bench", timeout=300)
        names = re.findall(r"^bench (\S+) ops=\d+ count=\d+ per_op=\d+\.\d\d$", out, re.M)
        assert names == BENCHMARKS, f"bench printed {names}"
        c.send("halt\n")
        c.expect(r"guest: halted", timeout=30)
        if mode == "monitor":
            c.expect(r"^mipsvisor: guest stopped", timeout=30)
            c.expect(r"^exits\s+\d+", timeout=10)
            c.expect_exit("wait-masked")


# The Boston build's isolation checks (qemu-tests/guest/src/selftest/board.rs):
# the monitor's register blocks, each read refused (all ones) and logged.
BOSTON_REFUSED = {
    "cm_gcr_base_refused": "read 4 at physical 0x16100008: CM",
    "gic_sh_config_refused": "read 4 at physical 0x16120000: GIC",
    "cdmm_refused": "read 4 at physical 0x16140000: CDMM",
    "cpc_vp_running_refused": "read 4 at physical 0x16202030: CPC",
    "cpc_vp_stop_refused": "write 4 at physical 0x16202020: CPC",
}


def the_monitor_refused_bostons_blocks(out):
    """Each Boston-only check passed and the monitor logged its refusal on
    the console (Boston has no second UART for the log) just before it."""
    for check, refusal in BOSTON_REFUSED.items():
        assert re.search(rf"^mipsvisor: devices: refused {re.escape(refusal)}.*\nPASS {check}$", out, re.M), \
            f"no refusal of {refusal} logged before PASS {check} in:\n{out}"


def same_as_malta_i6500(selftests):
    """Boston's selftest against malta-i6500's (no native Boston run exists):
    the same r6 guest on the same I6500 and vCPU must print the same lines,
    except the Boston-only refusal checks (Malta's board group is a SKIP line)."""
    if ("malta-i6500", "monitor") not in selftests:
        selftests[("malta-i6500", "monitor")] = selftest_lines("malta-i6500")
    boston = [line for line in selftests[("boston-i6500", "monitor")]
              if line.split()[1] not in BOSTON_REFUSED]
    malta = selftests[("malta-i6500", "monitor")]
    assert len(boston) + len(BOSTON_REFUSED) == len(selftests[("boston-i6500", "monitor")]), \
        "a Boston-only check is missing"
    diff = [f"  malta-i6500:  {a}\n  boston-i6500: {b}" for a, b in zip(malta, boston) if a != b]
    assert len(malta) == len(boston), f"{len(malta)} lines on malta-i6500 vs {len(boston)} on boston-i6500"
    assert not diff, "transcripts differ:\n" + "\n".join(diff)


def selftest_lines(name):
    """The PASS/FAIL lines of the board's guest selftest under mipsvisor, run from the command line."""
    with console(name, "monitor", "selftest; halt") as c:
        c.expect(r"^selftest: \d+ passed, \d+ failed$", timeout=300)
        c.expect_exit("wait-masked")
        return re.findall(r"^(?:PASS|FAIL) .*$", c.transcript, re.M)


def board_reset(name):
    """The guest's `reset` writes its board's reset register (Malta FPGA
    SOFTRES, Boston SOFTRST_CTL): the monitor stops the run as a board reset."""
    with console(name, "monitor", "reset") as c:
        c.expect(rf"^guest: resetting the {harness.board(name)['platform']} board$", timeout=60)
        c.expect_exit("board-reset")
        assert "the board did not reset" not in c.transcript, "the guest ran on past its reset write"


def monitor_console(name):
    """Ctrl-] on the board's console UART (Boston's: 4-byte registers) opens
    the monitor's prompt; `c` gives the guest its console back."""
    with console(name, "monitor") as c:
        c.expect(r"guest> ", timeout=60, partial=True)
        console_smoke.open_console(c)
        out = console_smoke.type_command(c, "stats")
        assert re.search(r"^exits\s+[1-9]\d*$", out, re.M), f"stats: {out!r}"
        c.send("c\r")
        c.expect(r"resuming the guest", timeout=10)
        out = c.command("echo back")
        assert out.strip() == "back", f"echo back printed {out!r}"


def same_selftest_transcripts(name, selftests):
    native, monitor = selftests.get((name, "native")), selftests.get((name, "monitor"))
    assert native and monitor, "a selftest transcript is missing (see the session checks)"
    host_fpu = HOST_FPU_LINES.get(name, ())
    if host_fpu:
        native = [line for line in native if not line.startswith(host_fpu)]
        monitor = [line for line in monitor if not line.startswith(host_fpu)]
    diff = [f"  native:  {a}\n  monitor: {b}" for a, b in zip(native, monitor) if a != b]
    assert len(native) == len(monitor), f"{len(native)} native lines vs {len(monitor)} under the monitor"
    assert not diff, "transcripts differ:\n" + "\n".join(diff)
    assert len(native) >= 60, f"only {len(native)} selftest checks"


def native_pci_as_the_monitor_shows_it(line):
    """The native listing with the monitor's documented differences: Bus
    Master Enable never on, the PIIX4 IDE bus-master BAR (BAR4) hidden, the
    GT-64120 host bridge's BARs (how bus masters reach RAM) hidden."""
    command = re.search(r" command ([0-9a-f]{4})$", line)
    if command:
        return line[:command.start(1)] + f"{int(command.group(1), 16) & ~4:04x}"
    if line.startswith("pci 00:0a.1 bars"):
        bars = line.split()[3:]
        bars[4] = "00000000"
        return "pci 00:0a.1 bars " + " ".join(bars)
    if line.startswith("pci 00:00.0 bars"):
        return "pci 00:00.0 bars " + " ".join(["00000000"] * 6)
    return line


def same_pci_listings(name, selftests):
    native, monitor = selftests.get((name, "native", "pci")), selftests.get((name, "monitor", "pci"))
    assert native and monitor, "a pci listing is missing (see the session checks)"
    expected = [native_pci_as_the_monitor_shows_it(line) for line in native]
    assert expected == monitor, "pci listings differ:\n  native:  " + "\n  native:  ".join(native) + \
        "\n  monitor: " + "\n  monitor: ".join(monitor)


def main():
    args = sys.argv[1:]
    native_only = "--native-only" in args
    boards = [a for a in args if not a.startswith("--")] or list(BOARDS)
    runner = harness.Runner()
    selftests = {}
    for name in boards:
        modes = [m for m in BOARDS.get(name, ("native", "monitor")) if m == "native" or not native_only]
        for mode in modes:
            runner.check(f"{name}/{mode}/shell", shell_session, name, mode, selftests)
        reference = REFERENCE.get(name)
        if reference and not native_only:
            if (reference, "native") not in selftests:
                runner.check(f"{reference}/native/shell (reference for {name})", shell_session, reference,
                             "native", selftests)
            selftests[(name, "native")] = selftests.get((reference, "native"))
            runner.check(f"{name}/selftest-differential (against {reference} native)",
                         same_selftest_transcripts, name, selftests)
        if len(modes) == 2:
            runner.check(f"{name}/selftest-differential", same_selftest_transcripts, name, selftests)
            runner.check(f"{name}/pci-differential", same_pci_listings, name, selftests)
        if "monitor" in modes:
            runner.check(f"{name}/monitor/reset", board_reset, name)
        if name == "boston-i6500" and "monitor" in modes:
            runner.check(f"{name}/selftest-same-as-malta-i6500", same_as_malta_i6500, selftests)
            runner.check(f"{name}/monitor/console", monitor_console, name)
    runner.finish()


if __name__ == "__main__":
    main()
