#!/usr/bin/env python3
"""Linux 5.10 (CONFIG_KVM_GUEST, built by scripts/build-linux-guest) booted
to its BusyBox shell on malta-el: natively in QEMU's T&E-layout mode (the
reference) and under mipsvisor; the issue's commands checked in both; and
a guest asking for more RAM than it has must fail loudly, not hang.

    qemu-tests/linux_smoke.py [--native-only | --monitor-only]
"""
import hashlib
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import harness

BOARD = "malta-el"
READY = "mipsvisor-linux-guest: ready"
PROMPT = r"guest:/# $"
# The kernel assumes a 100 MHz Count under CONFIG_KVM_GUEST (linux-guest.md).
LINUX_COUNT_HZ = 100_000_000
MONITOR_OPTIONS = f"guest_timer_hz={LINUX_COUNT_HZ}"
# The Cirrus VGA would make most of the boot's device traps (linux-guest.md).
QEMU_EXTRA = ["-vga", "none"]


def linux_images():
    out = subprocess.run([str(harness.ROOT / "scripts" / "build-linux-guest")], stdout=subprocess.PIPE,
                         check=True, text=True).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def console(mode, guest_cmdline="console=ttyS0", log=None, qemu_extra=(), check=None, monitor_words=""):
    kernel = linux_images()["vmlinux_with_initramfs"]
    if mode == "native":
        command = harness.native_guest_command(BOARD, kernel, append=guest_cmdline,
                                               extra=[*QEMU_EXTRA, *qemu_extra])
    else:
        monitor = harness.build_monitor(BOARD, guest="")
        command = harness.qemu_command(BOARD, monitor, append=f"{MONITOR_OPTIONS} {monitor_words} -- {guest_cmdline}",
                                       extra=["-initrd", kernel, *QEMU_EXTRA, *qemu_extra], log=log,
                                       check=check or harness.suite_check())
    return harness.Console(command)


def run(c, command, answer, timeout=60):
    out = c.command(command, prompt=PROMPT, timeout=timeout)
    assert re.search(answer, out, re.M), f"{command!r} printed {out!r}"
    return out


# Refused device accesses Linux makes: its i8237 set-up unmasks the second
# DMA controller's cascade channel (the ISA DMA ports are refused by design).
# Any other "refused" line in the monitor's log fails the run.
EXPECTED_REFUSALS = [r"refused write 1 at physical 0x180000d4: i8237 ISA DMA controller$"]


def unexpected_refusals(log):
    lines = [line for line in log.read_text(errors="replace").splitlines() if "devices: refused" in line]
    return [line for line in lines if not any(re.search(p, line) for p in EXPECTED_REFUSALS)]


def shell_session(mode):
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "monitor.log" if mode == "monitor" else None
        shell_session_logged(mode, log)
        if log is not None:
            refused = unexpected_refusals(log)
            assert not refused, f"the monitor refused Linux's device accesses: {refused}"


def shell_session_logged(mode, log):
    with console(mode, log=log) as c:
        c.expect(re.escape(READY), timeout=300)
        c.expect(PROMPT, timeout=60, partial=True)
        run(c, "uname -a", r"^Linux \S+ 5\.10\.\S+ .* mips GNU/Linux$")
        run(c, "cat /proc/cpuinfo", r"^cpu model\s+: MIPS 24K")
        # The timer interrupt is counted on the CPU's timer line.
        out = run(c, "cat /proc/interrupts", r"^\s*\d+:\s+\d+\s+MIPS\s+\d+\s+timer")
        ticks = int(re.search(r"^\s*\d+:\s+(\d+)\s+MIPS\s+\d+\s+timer", out, re.M).group(1))
        assert ticks > 0, "no timer interrupts counted"
        listing = set(run(c, "ls /", r"\bproc\b").split())
        assert {"bin", "dev", "etc", "init", "proc", "sbin", "sys", "usr"} <= listing, f"ls / gave {listing}"
        # The shell's terminal is ttyS0 itself, so job control works: ^C
        # reaches the foreground job (announced first: the line editor reads
        # raw, and a ^C typed too early is just a byte to it).
        run(c, "tty", r"^/dev/ttyS0$")
        c.send("sh -c 'echo sleeping; exec sleep 60'\n")
        c.expect(r"^sleeping$", timeout=60)
        c.send("\x03")
        c.expect(PROMPT, timeout=30, partial=True)
        # The virtual PCI bus shows the real devices (PIIX4 functions, PCnet).
        run(c, "cat /proc/bus/pci/devices", r"^0051\s+80867111")
        run(c, "seq 1 1000 | sort -n | tail -1", r"^1000$")
        zeros_md5 = hashlib.md5(bytes(4096 * 1024)).hexdigest()
        run(c, "dd if=/dev/zero bs=1k count=4096 | md5sum", rf"^{zeros_md5}\s+-$", timeout=300)
        # FP user code: with the guest FPU (Config1.FP) it runs on the
        # hardware, so 300000 FP operations cost a handful of CpU exits.
        run(c, "awk 'BEGIN{print 1/3}'", r"^0\.333333$")
        run(c, "awk 'BEGIN{for(i=0;i<100000;i++)s+=i/3;print s}'", r"^1666650000$", timeout=120)
        # BusyBox's poweroff; the kernel powers off through the PIIX4, and
        # QEMU exits by itself (under the monitor: its exit status, 0).
        c.send("poweroff\n")
        c.expect(r"reboot: Power down", timeout=60)
        if mode == "monitor":
            granted = int(c.expect(r"^fpu_granted\s+(\d+)$", timeout=30).group(1))
            assert granted >= 1, f"fpu_granted {granted}: the guest never got the FPU"
            # Without the FPU each of the awk loop's FP instructions is a CpU(1) exit.
            unusable = c.expect(r"^(fpu_unusable\s+(\d+)|tlbmod\s)", timeout=10).group(2)
            assert int(unusable or 0) < 2000, f"fpu_unusable {unusable}: FP instructions trap one by one"
            c.expect_exit("power-off")
        else:
            status = c.exit_code(timeout=30)
            assert status == 0, f"QEMU exited with status {status} after power-off"


def more_ram_than_the_window_fails_clearly():
    # The guest window on malta-el is 224 MiB; mem=512M makes Linux believe
    # in RAM that is not there. Filling RAM must end in a bus error the
    # guest reports and the monitor logs, not in a hang.
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "monitor.log"
        with console("monitor", guest_cmdline="console=ttyS0 mem=512M", log=log) as c:
            c.expect(PROMPT, timeout=300, partial=True)
            c.send("dd if=/dev/zero of=/fill bs=1M count=400\n")
            c.expect(r"[Bb]us error|Kernel panic|Oops", timeout=300)
            logged = log.read_text()
            assert re.search(r"beyond the guest's RAM; guest gets [DI]BE", logged), f"monitor log: {logged!r}"


def split_kernel_and_initramfs(mode):
    """A stock split Linux: vmlinux without a built-in initramfs and its
    initramfs apart. Natively QEMU's -initrd hands it over (the reference);
    under the monitor one guest bundle (scripts/bundle) carries both and the
    monitor names the initramfs with rd_start=/rd_size=."""
    with tempfile.TemporaryDirectory() as tmp:
        split_session(mode, Path(tmp))


def split_session(mode, tmp):
    images = linux_images()
    if mode == "native":
        command = harness.native_guest_command(BOARD, images["vmlinux"], append="console=ttyS0",
                                               extra=["-initrd", images["initramfs"], *QEMU_EXTRA])
    else:
        bundle = harness.build_bundle(str(tmp / "linux.bundle"), images["vmlinux"], images["initramfs"],
                                      "console=ttyS0")
        monitor = harness.build_monitor(BOARD, guest="")
        command = harness.qemu_command(BOARD, monitor, append=f"{MONITOR_OPTIONS} --",
                                       extra=["-initrd", bundle, *QEMU_EXTRA], check=harness.suite_check())
    with harness.Console(command) as c:
        if mode == "monitor":
            size = Path(images["initramfs"]).stat().st_size
            c.expect(rf"^mipsvisor: guest initramfs at guest physical 0x[0-9a-f]+, {size} bytes$", timeout=60)
        c.expect(re.escape(READY), timeout=300)
        c.expect(PROMPT, timeout=60, partial=True)
        run(c, "cat /proc/cmdline", r"rd_start=0x4[0-9a-f]{7} rd_size=\d+" if mode == "monitor" else r"console=ttyS0")
        run(c, "ls /", r"\bproc\b")
        c.send("poweroff\n")
        c.expect(r"reboot: Power down", timeout=60)
        if mode == "monitor":
            c.expect_exit("power-off")


def corrupt_bundle_is_refused():
    """A bundle whose initramfs was damaged is refused, naming the part."""
    images = linux_images()
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(harness.build_bundle(str(Path(tmp) / "linux.bundle"), images["vmlinux"], images["initramfs"]))
        data = bytearray(bundle.read_bytes())
        data[-100] ^= 0xff
        bundle.write_bytes(bytes(data))
        monitor = harness.build_monitor(BOARD, guest="")
        command = harness.qemu_command(BOARD, monitor, append=f"{MONITOR_OPTIONS} --", extra=["-initrd", str(bundle)])
        with harness.Console(command) as c:
            c.expect(r"^mipsvisor: refusing the initrd guest bundle: part 1 \(initramfs\) fails its checksum",
                     timeout=60)
            c.expect_exit("monitor-stop")


def main():
    args = sys.argv[1:]
    modes = ["native", "monitor"]
    if "--native-only" in args:
        modes = ["native"]
    if "--monitor-only" in args:
        modes = ["monitor"]
    runner = harness.Runner()
    for mode in modes:
        runner.check(f"linux/{mode}/shell", shell_session, mode)
        runner.check(f"linux/{mode}/split-kernel-and-initramfs", split_kernel_and_initramfs, mode)
    if "monitor" in modes:
        runner.check("linux/monitor/corrupt-bundle-refused", corrupt_bundle_is_refused)
        runner.check("linux/monitor/too-much-ram-fails-clearly", more_ram_than_the_window_fails_clearly)
    runner.finish()


if __name__ == "__main__":
    main()
