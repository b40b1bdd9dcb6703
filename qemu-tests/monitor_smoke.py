#!/usr/bin/env python3
"""Monitor smoke tests on every board: the banner states the CPU facts the
platform notes give, and a deliberate fault produces a register dump and a
known halt instead of a hang.

    qemu-tests/monitor_smoke.py [board ...]
"""
import subprocess
import sys

import harness

# Facts from shared/docs/platforms.md (CPU models of QEMU 7.2), not from our probe.
EXPECTED_BANNER = {
    "malta": ["24Kf PRId 0x00019300 MIPS32r2 BE", "TLB 16,", "KScratch none"],
    "malta-el": ["24Kf PRId 0x00019300 MIPS32r2 LE", "TLB 16,", "KScratch none"],
    "malta-34kf": ["34Kf PRId 0x00019500 MIPS32r2 LE", "TLB 64,", "KScratch none"],
    "malta-74kf": ["74Kf PRId 0x00019700 MIPS32r2 LE", "TLB 16,", "KScratch none"],
    "malta-p5600": ["P5600", " LE,", "TLB 64,", "KScratch sel 2,3,4,", "SegCtl yes", "PW yes"],
    "malta-i6500": ["I6500", "MIPS64r6 LE", "TLB 16,", "KScratch sel 2,3,4,5,6,7,", "MMID no"],
    "boston-i6500": ["I6500", "MIPS64r6 LE", "TLB 16,", "KScratch sel 2,3,4,5,6,7,", "MMID no"],
}


def boot_banner(name, elf):
    with harness.Console(harness.qemu_command(name, elf)) as console:
        banner = console.expect(rf"^mipsvisor \S+ on {name}: (.*)$", timeout=30).group(1)
        for fact in EXPECTED_BANNER[name]:
            assert fact in banner, f"banner lacks '{fact}': {banner}"
        console.expect(r"^memory: RAM \d+ MiB;.*guest window", timeout=10)


def fault_dump(name, elf):
    with harness.Console(harness.qemu_command(name, elf, append="selftest=fault")) as console:
        console.expect(r"unexpected exception: TLBL .* via (TLB refill|general exception) vector", timeout=30)
        console.expect(r"EPC 0x[0-9a-f]+\s+BadVAddr 0x(ffffffff)?c0001230", timeout=5)
        console.expect(r"\bra [0-9a-f]{8}", timeout=5)
        console.expect(r"^mipsvisor: halted", timeout=5)
        console.expect_exit("monitor-fault")


# The budget: at most 22 instructions without KScratch, 20 with it.
REFILL_BUDGET = {"malta": 22, "malta-el": 22, "malta-34kf": 22, "malta-74kf": 22, "malta-p5600": 20, "malta-i6500": 20, "boston-i6500": 20}


def refill_selftest(name, elf):
    with harness.Console(harness.qemu_command(name, elf, append="selftest=refill")) as console:
        length = int(console.expect(r"^refill: (\d+) instructions, scratch", timeout=30).group(1))
        assert length <= REFILL_BUDGET[name], f"refill handler is {length} instructions"
        m = console.expect(r"^selftest refill: (\d+) pages \(host TLB (\d+)\), pass 1: (\d+) slow-path entries, "
                           r"pass 2: (\d+) slow-path entries, checksum (\S+) \(expected (\S+)\): (PASS|FAIL)$", timeout=60)
        pages, tlb, first, second, got, want, verdict = m.groups()
        assert int(pages) > int(tlb), f"{pages} pages do not exceed the {tlb}-entry TLB"
        assert int(first) > 0, "the first pass never took the slow path"
        assert int(second) == 0, f"second pass took {second} slow-path entries"
        assert got == want and verdict == "PASS", m.group(0)
        console.expect_exit("selftest-passed")


def unknown_board_is_refused():
    out = subprocess.run([str(harness.ROOT / "scripts" / "run"), "no-such-board"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2, f"exit status {out.returncode}"
    assert "unknown board 'no-such-board'; known boards:" in out.stderr, out.stderr
    for known in harness.board_names():
        assert known in out.stderr, f"{known} not listed: {out.stderr}"


def main():
    boards = sys.argv[1:] or harness.board_names()
    runner = harness.Runner()
    runner.check("unknown-board-is-refused", unknown_board_is_refused)
    for name in boards:
        elf = harness.build_monitor(name)
        runner.check(f"{name}/banner", boot_banner, name, elf)
        runner.check(f"{name}/fault-dump", fault_dump, name, elf)
        runner.check(f"{name}/refill-selftest", refill_selftest, name, elf)
    runner.finish()


if __name__ == "__main__":
    main()
