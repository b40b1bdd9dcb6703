#!/usr/bin/env python3
"""The hostile-guest suite: one small freestanding guest per attack class
(qemu-tests/hostile/*.S, see hostile/README.md) runs under the monitor as the
guest kernel, attacks, and prints what it observed; each check asserts the
class's containment (the guest got the architectural exception, the access
was ignored and logged, or the monitor stopped the guest with a report).

    qemu-tests/hostile_smoke.py [--only CLASS] [--board BOARD]
        (default: every class on malta malta-el malta-74kf malta-p5600 malta-i6500 boston-i6500;
         the Malta-specific classes on the Malta boards, the Boston ones on Boston)

A watchdog fails a run that is silent for 30 s or lasts over 300 s, and one
in which the monitor's banner appears twice (the board rebooted).
"""
import argparse
import inspect
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness

BOARDS = ["malta", "malta-el", "malta-74kf", "malta-p5600", "malta-i6500", "boston-i6500"]
HOSTILE = harness.ROOT / "qemu-tests" / "hostile"
SILENCE_S = 30
TOTAL_S = 300
BANNER = re.compile(r"^mipsvisor \S+ on \S+: ", re.M)
HALTED = re.compile(r"^mipsvisor: halted$", re.M)
WAIT_STOP = r"^mipsvisor: guest stopped \(WAIT with every interrupt masked"
REFUSED = r"devices: refused"
EXC_DBE, EXC_ADEL, EXC_ADES, EXC_RI, EXC_SYS, EXC_TLBL, EXC_TLBS = 7, 4, 5, 10, 8, 2, 3


def is_r6(name):
    return harness.board(name)["cpu"] == "I6500"


def is_boston(name):
    return harness.board(name)["platform"] == "boston"


def big_endian(name):
    return not harness.board(name)["qemu"].endswith("el")


def assemble(name, cls, directory):
    """GNU as/ld output of hostile/CLASS.S for the board's byte order and ISA."""
    prefix, order = ("mips-linux-gnu-", "-EB") if big_endian(name) else ("mipsel-linux-gnu-", "-EL")
    march = ["-march=mips32r6", "--defsym", "R6=1"] if is_r6(name) else ["-march=mips32r2"]
    defs = ["--defsym", "BE=1"] if order == "-EB" else []
    defs += ["--defsym", "BOSTON=1"] if is_boston(name) else []
    obj, elf = directory / f"{cls}.o", directory / f"{cls}.elf"
    subprocess.run([f"{prefix}as", *march, *defs, "-mabi=32", order, "-I", str(HOSTILE),
                    str(HOSTILE / f"{cls}.S"), "-o", str(obj)], check=True)
    subprocess.run([f"{prefix}ld", order, "-T", str(HOSTILE / "guest.ld"), "-o", str(elf), str(obj)], check=True)
    return elf


def flash_boot_available():
    """Whether the monitor can boot as the board's flash firmware (the flash
    helper's scripts/lib.sh build_flash)."""
    return hasattr(harness, "flash_command") or "build_flash()" in (harness.ROOT / "scripts" / "lib.sh").read_text()


def check_word():
    """The isolation check word (isocheck helper), where the harness has it."""
    if hasattr(harness, "suite_check"):
        return harness.suite_check()
    return "isolation" if "check" in inspect.signature(harness.qemu_command).parameters else None


def command(name, monitor, elf, log, directory):
    """The monitor booted as the board's flash firmware with the guest in the
    flash where it can be (flash helper), else by -kernel with the guest as
    -initrd; with the isolation check where the monitor has it (isocheck)."""
    check = check_word()
    if is_boston(name):
        # QEMU's Boston boots only by -kernel (and loads no -initrd).
        words, extra = harness.kernel_boot_guest(name, elf)
        return harness.qemu_command(name, monitor, append=words, extra=extra, check=check)
    if flash_boot_available():
        append = f"check={check}" if check and check != "off" else ""
        image = harness.build_flash(name, out=str(directory / f"{elf.stem}.bin"), guest=str(elf), append=append)
        return harness.flash_command(name, image, log=log)
    wanted = {"extra": ["-initrd", str(elf)], "log": log, "check": check}
    accepted = inspect.signature(harness.qemu_command).parameters
    return harness.qemu_command(name, monitor, **{k: v for k, v in wanted.items() if k in accepted and v})


class Run:
    """One guest's run to the monitor's `halted`: console text, log text."""

    def __init__(self, console, log):
        self.text = console.transcript
        self.log = Path(log).read_text(errors="replace") if Path(log).exists() else ""
        # SHOW lines carry `value=`, EXC lines `n= cause= epc= bad=`; a key may have both.
        self.values, self.excs = {}, {}
        for m in re.finditer(r"^hostile: (\S+) (.*)$", self.text, re.M):
            fields = dict(kv.split("=", 1) for kv in m.group(2).split())
            (self.values if "value" in fields else self.excs)[m.group(1)] = fields

    def value(self, key):
        assert key in self.values, f"the guest never printed `{key}`"
        return int(self.values[key]["value"], 16)

    def exc(self, key):
        """(count, ExcCode) of the exceptions the guest recorded under `key`."""
        assert key in self.excs, f"the guest never printed the exceptions of `{key}`"
        f = self.excs[key]
        return int(f["n"], 16), (int(f["cause"], 16) >> 2) & 0x1f

    def has(self, pattern):
        return re.search(pattern, self.text, re.M) is not None

    def ended(self):
        assert self.has(r"^hostile: end$"), "the guest did not reach its end"
        assert self.has(WAIT_STOP), "the monitor did not report the guest's final WAIT"


def run_guest(name, monitor, elf, log, directory, stop):
    """Boots the guest; reads the console until the monitor's `halted`,
    with the watchdog, then until QEMU exits with the code of halt kind
    `stop` (src/exit_status.rs). Returns the Run."""
    with harness.Console(command(name, monitor, elf, log, directory)) as console:
        last_output, started, seen = time.monotonic(), time.monotonic(), 0
        while True:
            now = time.monotonic()
            if now - started > TOTAL_S:
                raise harness.ConsoleTimeout(f"watchdog: still running after {TOTAL_S}s", console.transcript)
            if now - last_output > SILENCE_S:
                raise harness.ConsoleTimeout(f"watchdog: silent for {SILENCE_S}s", console.transcript)
            try:
                got = console._read_some(min(now + 1, last_output + SILENCE_S + 0.1))
            except harness.ConsoleTimeout as e:
                raise harness.ConsoleTimeout("QEMU exited before the monitor halted", e.transcript) from None
            if got:
                last_output = time.monotonic()
            if len(BANNER.findall(console.transcript)) > 1:
                raise harness.ConsoleTimeout("watchdog: the board rebooted (banner seen twice)", console.transcript)
            if HALTED.search(console.transcript):
                console.expect_exit(stop, timeout=SILENCE_S)
                return Run(console, log)


# Each check takes the Run and the board name and raises AssertionError.

def expect_faults(run, keys, codes=(EXC_DBE, EXC_ADEL, EXC_ADES)):
    for key in keys:
        n, code = run.exc(key)
        loaded = f", loaded {run.value(key):#010x}" if key in run.values else ""
        assert n == 1 and code in codes, \
            f"{key}: {n} exceptions, last ExcCode {code}{loaded}; expected one fault, ExcCode in {codes}"


def check_top_of_phys(run, name):
    offsets = ["0xffc", "0xffd", "0xffe", "0xfff"]
    keys = ["lw_ffc", "lbu_fff"]
    if not is_r6(name):
        keys += [f"{op}_{o}" for op in ("lwl", "lwr", "swl", "swr") for o in offsets]
    expect_faults(run, keys)
    for key in keys:
        if key in run.values:
            assert run.value(key) == 0x5a5a5a5a, f"{key} loaded {run.value(key):#x} from no memory"
    run.ended()


def check_sdbbp(run, name):
    n, code = run.exc("sdbbp")
    assert (n, code) == (1, EXC_RI), f"SDBBP gave {n} exceptions, ExcCode {code}; expected one RI"
    assert run.value("ebase_after") & 0xfffff000 == 0x40101000, \
        f"after SDBBP the guest read EBase {run.value('ebase_after'):#x}: the host's, so it has privilege"
    run.ended()


def check_exception_loop(run, name):
    assert run.has(r"^mipsvisor: guest stopped: an exception loop, \d+ exceptions in a row"), \
        "the monitor did not stop the exception storm"
    assert not run.has(r"^hostile: (storm|syscall) returned$"), "the storm returned to the attack"


def check_ebase_out(run, name):
    assert run.value("ebase") == 0x4f000000, f"EBase reads {run.value('ebase'):#x}"
    assert run.has(r"^mipsvisor: guest stopped: its exception vector 0x4f000180 is guest physical "
                   r"0x0f000180, not RAM"), "the monitor did not stop the guest at its unfetchable vector"


def check_ebase_mapped(run, name):
    assert run.value("ebase") == 0x7ffff000, f"EBase reads {run.value('ebase'):#x}"
    check_exception_loop(run, name)


def check_cache_ops(run, name):
    allowed = (EXC_TLBL, EXC_TLBS, EXC_ADEL, EXC_ADES, EXC_RI, EXC_DBE)
    for base in ("0x40100000", "0x7ffff000", "0x80000000", "0xfffff000"):
        n, code = run.exc(f"cache_{base}")
        assert n == 0 or code in allowed, f"CACHE at {base}: ExcCode {code}"
    assert run.exc("syscall_after") == (1, EXC_SYS), "the monitor no longer delivers SYSCALL after the CACHE ops"
    run.ended()


def check_refault(run, name):
    assert run.value("pagemask_all_ones") & ~0x1fffe000 & 0xffffffff == 0, "PageMask kept bits outside 28:13"
    expect_faults(run, ["huge_top_lw", "beyond_ram_lw", "beyond_ram_sw"])
    assert run.value("huge_top_lw") == 0x5a5a5a5a and run.value("beyond_ram_lw") == 0x5a5a5a5a
    assert run.exc("ram_last_word")[0] == 0, "the last word of guest RAM was not readable"
    assert run.value("remap_second") & 0xfffff000 == 0x40101000, \
        f"after the remap the trapping MFC0 still ran the old page: {run.value('remap_second'):#x}"
    assert run.value("remap_first") != run.value("remap_second")
    assert run.exc("refault_end")[0] == 0
    run.ended()


def check_pci_bme(run, name):
    for key in run.values:
        if key.startswith(("ide_", "pcnet_")):
            value = run.value(key)
            assert value & 0x04000004 == 0, f"{key}: PCI Command reads {value:#010x}, Bus Master Enable set"
    assert run.exc("pci_bme_end")[0] == 0
    run.ended()


def check_unchanged(run, names):
    for reg in names:
        before, after = run.value(f"{reg}_before"), run.value(f"{reg}_after")
        assert before == after or re.search(REFUSED, run.log), \
            f"{reg} moved: {before:#010x} -> {after:#010x}, and nothing refused in the log"


def check_pci_window(run, name):
    check_unchanged(run, ["pci0_io_low", "pci0_mem0_low", "pci0_mem0_high", "pci0_mem1_low", "pci0_mem0_remap",
                          "pcnet_bar1"])
    assert run.exc("syscall_after") == (1, EXC_SYS)
    run.ended()


def check_gt_isd(run, name):
    assert run.value("isd_before") == run.value("isd_after"), "the GT register block moved"
    assert run.exc("syscall_after") == (1, EXC_SYS)
    run.ended()


def check_isa_dma(run, name):
    assert run.value("page2") == 0xff and run.value("dma2_addr") == 0xff, "the i8237 registers answered"
    assert run.value("dma1_word") == 0xffffffff, "the i8237 answered a word access"
    assert re.search(REFUSED, run.log), f"no refused access in the monitor's log:\n{run.log}"
    run.ended()


def check_piix4(run, name):
    check_unchanged(run, ["pmba", "bmiba", "xbcs"])
    run.ended()


def check_flash_write(run, name):
    for what in ("flash", "bootrom"):
        before, after = run.value(f"{what}_before"), run.value(f"{what}_after")
        assert before == after, f"{what} word changed: {before:#010x} -> {after:#010x}"
    run.ended()


def check_unmapped_views(run, name):
    assert run.exc("kseg1_write")[0] == 0
    assert run.value("kseg1_write_seen") == 0x600dcafe, "a real-KSEG1 write did not land in the guest's own RAM"
    n, code = run.exc("erl_useg")
    if n == 0:
        assert run.value("erl_readback") == 0x0badf00d
        assert run.value("erl_write_seen") == 0x0badf00d, "with ERL, a kuseg write did not land at its guest physical"
    else:
        assert code in (EXC_TLBL, EXC_TLBS, EXC_ADEL, EXC_ADES), f"with ERL, kuseg gave ExcCode {code}"
    assert run.exc("syscall_after") == (1, EXC_SYS)
    run.ended()


def check_board_reset(run, name):
    assert run.has(r"^mipsvisor: .*reset"), "the monitor did not report the reset"
    assert not run.has(r"^hostile: (cf9|reset) ignored$"), "the reset write was silently ignored"
    assert not run.has(r"^hostile: end$")


def check_boston_blocks(run, name):
    for key in ("gcr_base", "gcr_gic_base", "gic_sh_config", "cpc_vp_running", "gcr_base_after",
                "cpc_vp_running_after"):
        assert run.value(key) == 0xffffffff, f"{key} reads {run.value(key):#010x}: the guest reached the block"
    assert run.exc("reads")[0] == 0 and run.exc("writes")[0] == 0, "a refused access raised an exception"
    for write in ("gcr_writes", "vp_stop", "vp_run"):
        assert run.has(rf"^hostile: {write}_survived$"), f"the guest did not run on after its {write}"
    for block in ("CM", "GIC", "CPC"):
        assert re.search(rf"{REFUSED} \w+ 4 at physical 0x\w+: {block} ", run.text + run.log), \
            f"no refusal of the {block} in the monitor's log"
    assert run.exc("syscall_after") == (1, EXC_SYS)
    run.ended()


def check_boston_reset(run, name):
    assert run.has(r"^hostile: no_sysreset_survived$"), "a SOFTRST_CTL write without SYSRESET stopped the guest"
    check_board_reset(run, name)


def check_r6_forms(run, name):
    expect_faults(run, ["r2_lwl", "r2_cache", "sigrie", "ginvi", "ginvt"], codes=(EXC_RI,))
    assert run.exc("r6_cache")[0] == 0, "the r6 CACHE was not emulated"
    assert run.exc("syscall_after") == (1, EXC_SYS)
    run.ended()


def check_asid_cycle(run, name):
    run.ended()
    assert run.value("asid_switches") == 1024
    assert (run.value("kernel_mismatches"), run.value("user_mismatches")) == (0, 0), \
        "a read through the guest's own mapping saw another page"
    # Every switch missed the user-table cache and recycled a table.
    m = re.search(r"^mipsvisor: guest MMU: .* (\d+) evictions", run.text, re.M)
    assert m and int(m.group(1)) >= 1000, f"guest MMU line: {m and m.group(0)}"


ALL, R2, R6 = BOARDS, ["malta", "malta-el", "malta-74kf", "malta-p5600"], ["malta-i6500", "boston-i6500"]
# Malta's chipset, south bridge, FPGA and flash; the flash boot (sdbbp) is Malta's too.
MALTA, BOSTON = [b for b in BOARDS if not is_boston(b)], [b for b in BOARDS if is_boston(b)]
# class: (boards, check, the helper's work it depends on or None)
CLASSES = {
    "top_of_phys": (ALL, check_top_of_phys, "fuzz"),
    "sdbbp": (MALTA, check_sdbbp, "flash"),
    "r6_forms": (R6, check_r6_forms, None),
    "storms": (ALL, check_exception_loop, None),
    "ebase_out": (ALL, check_ebase_out, None),
    "ebase_mapped": (ALL, check_ebase_mapped, None),
    "cache_ops": (ALL, check_cache_ops, None),
    "refault": (ALL, check_refault, None),
    "pci_bme": (MALTA, check_pci_bme, "vpci"),
    "pci_window": (MALTA, check_pci_window, "vpci"),
    "gt_isd": (MALTA, check_gt_isd, "vpci"),
    "isa_dma": (MALTA, check_isa_dma, "vpci"),
    "piix4": (MALTA, check_piix4, "vpci"),
    "unmapped_views": (ALL, check_unmapped_views, None),
    "flash_write": (MALTA, check_flash_write, None),
    "board_cf9": (MALTA, check_board_reset, "vpci"),
    "board_fpga_reset": (MALTA, check_board_reset, None),
    "boston_blocks": (BOSTON, check_boston_blocks, None),
    "board_boston_reset": (BOSTON, check_boston_reset, None),
    "asid_cycle": (ALL, check_asid_cycle, None),
}


# How the monitor stops each class's guest (halt kinds of src/exit_status.rs);
# every other class ends with its final WAIT.
STOP = {"storms": "exception-loop", "ebase_mapped": "exception-loop", "ebase_out": "vector-not-ram",
        "board_cf9": "board-reset", "board_fpga_reset": "board-reset", "board_boston_reset": "board-reset"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(CLASSES), help="run only this class (repeatable)")
    parser.add_argument("--board", action="append", choices=BOARDS, help="run only on this board (repeatable)")
    args = parser.parse_args()
    classes = args.only or list(CLASSES)
    boards = args.board or BOARDS
    runner = harness.Runner()
    print(f"hostile: boot {'flash (-bios)' if flash_boot_available() else '-kernel, guest as -initrd'}, "
          f"check={check_word() or 'none'}", flush=True)
    skipped = []
    with tempfile.TemporaryDirectory(prefix="mipsvisor-hostile-") as tmp:
        for name in boards:
            directory = Path(tmp) / name
            directory.mkdir()
            monitor = None
            for cls in classes:
                applies, check, helper = CLASSES[cls]
                if name not in applies:
                    continue
                if cls == "sdbbp" and not flash_boot_available():
                    # -kernel boot: the debug vector is QEMU's, so SDBBP cannot be contained there.
                    skipped.append(f"{name}/{cls} (needs the flash boot: scripts/lib.sh build_flash)")
                    continue
                monitor = monitor or harness.build_monitor(name, guest="")
                elf = assemble(name, cls, directory)
                log = directory / f"{cls}-log.txt"
                label = f"{name}/{cls}" + (f" [needs {helper}]" if helper else "")
                stop = STOP.get(cls, "wait-masked")
                runner.check(label, lambda: check(run_guest(name, monitor, elf, log, directory, stop), name))
    for s in skipped:
        print(f"SKIP {s}")
    runner.finish()


if __name__ == "__main__":
    main()
