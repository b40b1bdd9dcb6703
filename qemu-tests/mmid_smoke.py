#!/usr/bin/env python3
"""MemoryMapIDs and GINVT on the I6500 boards: `selftest=mmid` passes under the
QEMU built by scripts/build-qemu-mmid (qemu/patches/), and under stock QEMU,
whose I6500 has neither, says it is skipped and why; our guest OS's selftest
gives the same transcript with guest address spaces tagged by MMIDs as by
ASIDs (`mmid=off`), with the isolation check on, and a host TLB entry planted
under MMIDs is caught by it; the hostile guest `asid_cycle` (all 256 guest
ASIDs, four times) never reads another address space's page under MMIDs, with
MMIDs narrowed to 4 bits too (`host_id_bits=4`: generations roll over).

    qemu-tests/mmid_smoke.py [board ...]   (default: malta-i6500 boston-i6500)
"""
import re
import sys
import tempfile
from pathlib import Path

import harness
import hostile_smoke
import isolation_smoke

BOARDS = ["malta-i6500", "boston-i6500"]
HALTED = r"^mipsvisor: (selftest done; )?halted$"


def selftest_passes(name, elf, qemu):
    with harness.Console(harness.qemu_command(name, elf, append="selftest=mmid", qemu=qemu)) as console:
        banner = console.expect(rf"^mipsvisor \S+ on {name}: (.*)$", timeout=30).group(1)
        assert "MMID yes, GINVT yes" in banner, f"banner: {banner}"
        verdict = console.expect(r"^selftest mmid: (PASS|FAIL) \((\d+) failed\)$", timeout=30)
        assert verdict.group(1) == "PASS", f"selftest mmid failed:\n{console.transcript}"
        checks = console.transcript.count(": ok\n")
        assert checks >= 12, f"only {checks} checks passed:\n{console.transcript}"
        console.expect(HALTED, timeout=5)


def skipped_without_mmids(name, elf):
    with harness.Console(harness.qemu_command(name, elf, append="selftest=mmid")) as console:
        console.expect(r"MMID no, GINVT no", timeout=30, partial=True)
        console.expect(r"^selftest mmid: skipped: this CPU has no MemoryMapIDs \(Config5\.MI does not stick\) "
                       r"and no GINVT \(Config5\.GI < 3\)", timeout=30)
        console.expect(HALTED, timeout=5)


def guest_selftest(name, elf, qemu, words):
    """The guest OS's selftest transcript with the monitor's `words`, and
    the monitor's guest MMU line after the guest's `halt`."""
    command = harness.qemu_command(name, elf, append=words, qemu=qemu, check=harness.suite_check())
    with harness.Console(command) as console:
        tags = console.expect(r"^mipsvisor: guest address spaces are tagged with (\S+)", timeout=60).group(1)
        console.expect(r"guest> ", timeout=120, partial=True)
        transcript = console.command("selftest", timeout=300).strip()
        console.send("halt\n")
        mmu = console.expect(r"^mipsvisor: guest MMU: (.*)$", timeout=60).group(1)
        console.expect_exit("wait-masked")
        return tags, transcript, mmu


def guest_os_same_under_mmids(name, elf, qemu):
    mmid_tags, with_mmids, mmid_mmu = guest_selftest(name, elf, qemu, "")
    asid_tags, with_asids, asid_mmu = guest_selftest(name, elf, qemu, "mmid=off")
    assert (mmid_tags, asid_tags) == ("MemoryMapIDs", "ASIDs"), f"tagged with {mmid_tags} and {asid_tags}"
    assert with_mmids.endswith(" 0 failed"), f"selftest under MMIDs:\n{with_mmids}"
    assert with_mmids == with_asids, f"MMIDs:\n{with_mmids}\n--- ASIDs:\n{with_asids}"
    # QEMU's MemoryMapID keeps 32 bits; the monitor uses 16.
    assert mmid_mmu.startswith("host MMIDs of 16 bits"), mmid_mmu
    assert asid_mmu.startswith("host ASIDs of 8 bits"), asid_mmu
    print(f"  MMIDs: {mmid_mmu}\n  ASIDs: {asid_mmu}")


def asid_cycle_contained(name, qemu, words, rollovers_at_least):
    with tempfile.TemporaryDirectory(prefix="mipsvisor-mmid-") as tmp:
        elf = hostile_smoke.assemble(name, "asid_cycle", Path(tmp))
        monitor = harness.build_monitor(name, guest="")
        guest_words, guest_args = harness.kernel_boot_guest(name, elf)
        command = harness.qemu_command(name, monitor, append=f"{guest_words} {words}".strip(), extra=guest_args,
                                       qemu=qemu, check=harness.suite_check())
        with harness.Console(command) as console:
            console.expect(r"^mipsvisor: guest address spaces are tagged with MemoryMapIDs", timeout=30)
            console.expect(r"^hostile: end$", timeout=240)
            mmu = console.expect(r"^mipsvisor: guest MMU: .*$", timeout=30).group(0)
            console.expect_exit("wait-masked")
            run = hostile_smoke.Run(console, Path(tmp) / "no-log")
    hostile_smoke.check_asid_cycle(run, name)
    invalidated = int(re.search(r"(\d+) tables invalidated by MMID", mmu).group(1))
    rollovers = int(re.search(r"\((\d+) rollovers\)", mmu).group(1))
    assert invalidated >= 1000 and rollovers >= rollovers_at_least, mmu
    print(f"  {mmu}")


def main():
    names = sys.argv[1:] or BOARDS
    qemu = harness.mmid_qemu()
    runner = harness.Runner()
    for name in names:
        elf = harness.build_monitor(name)
        runner.check(f"{name}: selftest=mmid passes under the patched QEMU", selftest_passes, name, elf, qemu)
        runner.check(f"{name}: selftest=mmid is skipped under stock QEMU", skipped_without_mmids, name, elf)
        if harness.board(name).get("guest_target"):
            runner.check(f"{name}: guest OS selftest the same under MMIDs as under ASIDs",
                         guest_os_same_under_mmids, name, elf, qemu)
            runner.check(f"{name}: a host TLB entry planted under MMIDs is caught by check=isolation",
                         isolation_smoke.planted_violation_is_reported, name, elf, "tlb", qemu)
        if name in hostile_smoke.CLASSES["asid_cycle"][0]:
            runner.check(f"{name}: a guest cycling through all 256 ASIDs sees only its own pages under MMIDs",
                         asid_cycle_contained, name, qemu, "", 0)
            runner.check(f"{name}: the same with 4-bit MMIDs, whose generations roll over",
                         asid_cycle_contained, name, qemu, "host_id_bits=4", 100)
    runner.finish()


if __name__ == "__main__":
    main()
