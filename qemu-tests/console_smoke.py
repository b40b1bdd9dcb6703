#!/usr/bin/env python3
"""The monitor console: Ctrl-] typed on the guest's console opens the
monitor's prompt; each command is typed at it and its answer checked; the
guest resumes, the board resets, and `poweroff` ends QEMU with status 0.
Our guest OS from the flash image on malta-el (as scripts/run boots it), a
guest spinning with interrupts masked that never reads its console, and
Linux on malta-el unless --os-only.

    qemu-tests/console_smoke.py [--os-only]
"""
import re
import sys
import tempfile
from pathlib import Path

import harness
import hostile_smoke
import linux_smoke

BOARD = "malta-el"
ESCAPE = "\x1d"  # Ctrl-]
PROMPT = r"mipsvisor> "
USAGE = r"usage: regs \| tlb \| walk ADDRESS \| stats \| reset \| poweroff \| continue \(c\) \| help"
BANNER = r"^mipsvisor \S+ on malta-el: "


def type_command(c, line, timeout=10):
    """Types `line` at the monitor's prompt; what it printed up to the next prompt."""
    c.send(line + "\r")
    c.expect(re.escape(line) + r"\n", timeout=timeout)
    start = c.cursor
    m = c.expect(PROMPT, timeout=timeout, partial=True)
    return c.transcript[start:m.start()]


def open_console(c):
    c.send(ESCAPE)
    c.expect(r"^mipsvisor console \(guest stopped; `help`, `c` to resume\)$", timeout=10)
    c.expect(PROMPT, timeout=10, partial=True)


def check_commands(c, kernel_va, kernel_phys):
    out = type_command(c, "regs")
    assert re.search(r"^guest pc [0-9a-f]{8}  Cause ", out, re.M), f"regs: {out!r}"
    assert re.search(r"\bsp [0-9a-f]{8}\b", out) and "EBase" in out and "mode " in out, f"regs: {out!r}"
    out = type_command(c, "tlb")
    assert re.search(r"^\d+ of 64 guest TLB entries map something$", out, re.M), f"tlb: {out!r}"
    out = type_command(c, f"walk {kernel_va:#x}")
    assert re.search(rf"^walk {kernel_va:08x} \(\w+ mode, ASID [0-9a-f]{{2}}\): guest physical {kernel_phys:08x}$",
                     out, re.M), f"walk: {out!r}"
    assert re.search(r"^  kernel GVA table: (PTE [0-9a-f]{8} host physical 0x[0-9a-f]+|no PTE)", out, re.M), out
    out = type_command(c, "walk nowhere")
    assert "`nowhere` is not an address" in out, f"walk nowhere: {out!r}"
    out = type_command(c, "stats")
    exits = re.search(r"^exits\s+(\d+)$", out, re.M)
    assert exits and int(exits.group(1)) > 0, f"stats: {out!r}"
    for bad in ("frobnicate", "regs now"):
        out = type_command(c, bad)
        assert re.search(USAGE, out), f"{bad}: no usage line in {out!r}"
    out = type_command(c, "help")
    assert re.search(USAGE, out), f"help: {out!r}"
    return int(exits.group(1))


def guest_os_session():
    image = harness.build_flash(BOARD, out=str(harness.ROOT / "target" / "flash" / f"{BOARD}-console.bin"),
                                guest=harness.build_guest(BOARD), append=harness.with_check("", harness.suite_check()))
    with harness.Console(harness.flash_command(BOARD, image)) as c:
        c.expect(r"guest> ", timeout=120, partial=True)
        open_console(c)
        first = check_commands(c, 0x40100000, 0x00100000)
        # A second look: the statistics are live (the prompt itself made no exits, the guest's polling did).
        c.send("c\r")
        c.expect(r"^mipsvisor: console: resuming the guest$", timeout=10)
        out = c.command("info", timeout=30)
        assert "PRId" in out, f"the guest's shell after resuming: {out!r}"
        open_console(c)
        second = int(re.search(r"^exits\s+(\d+)$", type_command(c, "stats"), re.M).group(1))
        assert second > first, f"exit count {first} then {second}: not live"
        # Ctrl-] as the prompt's first key: one reaches the guest, the prompt closes.
        c.send("c\r")
        c.expect(r"resuming the guest", timeout=10)
        open_console(c)
        c.send(ESCAPE)
        c.expect(r"\(Ctrl-\] sent to the guest\)$", timeout=10)
        c.send("\n")
        c.expect(r"guest> ", timeout=30, partial=True)  # the guest's shell still answers
        # Reset: the board boots the monitor and the guest again.
        open_console(c)
        c.send("reset\r")
        c.expect(r"^mipsvisor: console: resetting the board", timeout=10)
        c.expect(BANNER, timeout=60)
        c.expect(r"guest> ", timeout=120, partial=True)
        open_console(c)
        c.send("poweroff\r")
        c.expect(r"^mipsvisor: guest powered off from the monitor console$", timeout=10)
        c.expect_exit("power-off")


def spinning_guest_session():
    """A guest looping with interrupts masked, never reading its console
    (qemu-tests/hostile/spin.S): the escape still opens the prompt."""
    with tempfile.TemporaryDirectory(prefix="mipsvisor-console-") as tmp:
        elf = hostile_smoke.assemble(BOARD, "spin", Path(tmp))
        image = harness.build_flash(BOARD, out=str(Path(tmp) / "spin.bin"), guest=str(elf))
        with harness.Console(harness.flash_command(BOARD, image)) as c:
            c.expect(r"^hostile: spinning$", timeout=60)
            open_console(c)
            out = type_command(c, "regs")
            pc = int(re.search(r"^guest pc ([0-9a-f]{8})", out, re.M).group(1), 16)
            assert 0x40100000 <= pc < 0x40200000, f"the spinning guest's pc {pc:#x}"
            c.send("poweroff\r")
            c.expect_exit("power-off")


def linux_session():
    with linux_smoke.console("monitor", check=harness.suite_check()) as c:
        c.expect(linux_smoke.PROMPT, timeout=600, partial=True)
        open_console(c)
        # A KVM-guest kernel runs at guest KSEG0 0x40000000: its image starts at guest physical 1 MiB.
        check_commands(c, 0x40100000, 0x00100000)
        c.send("c\r")
        c.expect(r"resuming the guest", timeout=10)
        c.send("echo still-here\n")
        c.expect(r"^still-here$", timeout=60)
        c.expect(linux_smoke.PROMPT, timeout=60, partial=True)
        open_console(c)
        c.send("poweroff\r")
        c.expect_exit("power-off")


def main():
    runner = harness.Runner()
    runner.check(f"{BOARD}/guest-os-console-session", guest_os_session)
    runner.check(f"{BOARD}/spinning-guest-console-session", spinning_guest_session)
    if "--os-only" not in sys.argv[1:]:
        runner.check(f"{BOARD}/linux-console-session", linux_session)
    runner.finish()


if __name__ == "__main__":
    main()
