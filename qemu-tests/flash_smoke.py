#!/usr/bin/env python3
"""The monitor booted as each Malta board's flash firmware (-bios): it owns
the reset and debug vectors, so a guest SDBBP comes back to it.

Per board: the flash boot reaches the banner and says SDBBP is contained;
our guest OS, stored in the flash, runs its selftest to the end;
`selftest=sdbbp` from flash passes; a -kernel boot says SDBBP is not
contained (Release 2 CPUs; Release 6 contains it with Config5.SBRI, and its
selftest passes there too); corrupt images stop in the stub with a clear
line. On malta-el, Linux placed beside the flash in RAM boots to its shell.
On boston-i6500 the boot image is a U-Boot FIT (`scripts/image
boston-i6500`): QEMU's Boston boots it through -kernel, as U-Boot's bootm
would, to our guest OS's shell. The S-records for YAMON (`scripts/image
malta-el --srec`) are decoded by GNU objcopy and booted through QEMU's
-kernel, whose boot stub passes arguments as YAMON's `go` does.

    qemu-tests/flash_smoke.py [board ...]
"""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import harness

BOARDS = ["malta", "malta-el", "malta-34kf", "malta-74kf", "malta-p5600", "malta-i6500"]
RELEASE6 = {"malta-i6500"}
CONTAINED = r"^sdbbp: contained: "
SDBBP_PASS = r"^selftest sdbbp: .*: PASS$"
# Offsets in mipsvisor::flash: the header, the first payload (the monitor).
HEADER_OFFSET = 0x800
PAYLOAD_OFFSET = 0x1000


def guest_os_from_flash(name):
    image = harness.build_flash(name, guest=harness.build_guest(name))
    with harness.Console(harness.flash_command(name, image)) as c:
        c.expect(rf"^mipsvisor \S+ on {name}: ", timeout=60)
        c.expect(CONTAINED, timeout=10)
        c.expect(r"guest> ", timeout=60, partial=True)
        out = c.command("selftest", timeout=300)
        summary = re.search(r"selftest: (\d+) passed, (\d+) failed", out)
        assert summary and summary.group(2) == "0", "guest selftest from flash:\n" + out


def sdbbp_selftest_from_flash(name):
    image = harness.build_flash(name, out=str(harness.ROOT / "target" / "flash" / f"{name}-sdbbp.bin"),
                                append="selftest=sdbbp")
    with harness.Console(harness.flash_command(name, image)) as c:
        c.expect(CONTAINED, timeout=60)
        c.expect(SDBBP_PASS, timeout=30)


def sdbbp_in_the_monitor_is_reported(name):
    image = harness.build_flash(name, out=str(harness.ROOT / "target" / "flash" / f"{name}-sdbbp-monitor.bin"),
                                append="selftest=sdbbp-monitor")
    with harness.Console(harness.flash_command(name, image)) as c:
        c.expect(r"^mipsvisor: debug exception \(SDBBP\) in the monitor itself at 0x[0-9a-f]+", timeout=60)
        c.expect(r"exception: .* via debug vector \(SDBBP\)", timeout=10)
        c.expect(r"^mipsvisor: halted", timeout=10)
        c.expect_exit("monitor-fault")
    assert "FAIL" not in c.transcript, c.transcript


def kernel_boot_says_whether_sdbbp_is_contained(name):
    elf = harness.build_monitor(name, guest="")
    with harness.Console(harness.qemu_command(name, elf, append="selftest=sdbbp")) as c:
        if name in RELEASE6:
            c.expect(r"^sdbbp: contained: Config5\.SBRI set.*not the monitor's", timeout=60)
            c.expect(SDBBP_PASS, timeout=30)
        else:
            line = c.expect(r"^sdbbp: .*$", timeout=60).group(0)
            assert line.startswith("sdbbp: NOT contained: debug vector 0xbfc00480 is not the monitor's"), line
            # The selftest must see it: SDBBP ran QEMU's flash code, not the monitor's.
            c.expect(r"^selftest sdbbp: FAIL: ", timeout=30)


def corrupt_image_is_refused(name, offset, message):
    image = Path(harness.build_flash(name, out=str(harness.ROOT / "target" / "flash" / f"{name}-good.bin")))
    data = bytearray(image.read_bytes())
    data[offset] ^= 0x5a
    bad = image.with_name(f"{name}-bad.bin")
    bad.write_bytes(data)
    with harness.Console(harness.flash_command(name, str(bad))) as c:
        c.expect(rf"^mipsvisor flash: {message}; halted", timeout=30)
    assert "mipsvisor 0" not in c.transcript, "the monitor started from a corrupt image"


def linux_from_flash():
    sys.path.insert(0, str(Path(__file__).parent))
    import linux_smoke
    kernel = linux_smoke.linux_images()["vmlinux_with_initramfs"]
    image = harness.build_flash("malta-el", out=str(harness.ROOT / "target" / "flash" / "malta-el-linux.bin"),
                                guest_in_ram=kernel,
                                append=f"{linux_smoke.MONITOR_OPTIONS} -- console=ttyS0")
    command = harness.flash_command("malta-el", image, guest_in_ram=kernel, extra=linux_smoke.QEMU_EXTRA)
    with harness.Console(command) as c:
        c.expect(CONTAINED, timeout=60)
        c.expect(re.escape(linux_smoke.READY), timeout=300)
        c.expect(linux_smoke.PROMPT, timeout=60, partial=True)
        linux_smoke.run(c, "uname -r", r"^5\.10\.")


def shell_then_halt(c):
    """Our guest OS's shell answers, and its halt ends QEMU with its status."""
    c.expect(r"guest> ", timeout=60, partial=True)
    out = c.command("echo hi")
    assert out.strip() == "hi", f"echo hi printed {out!r}"
    c.send("halt\n")
    c.expect(r"guest: halted", timeout=30)
    c.expect_exit("wait-masked")


def guest_os_from_fit(name):
    image = harness.build_fit(name, guest=harness.build_guest(name))
    with harness.Console(harness.qemu_command(name, image)) as c:
        c.expect(rf"^mipsvisor \S+ on {name}: ", timeout=60)
        c.expect(r'^cmdline: "on_halt=exit"$', timeout=10)
        shell_then_halt(c)


def guest_os_from_srec(name, tmp_dir):
    """YAMON's view of the S-records: GNU objcopy decodes them (the data and
    the S7 start address) and ld places the bytes at their address; QEMU's
    -kernel then starts them with YAMON's argument protocol."""
    srec = harness.build_srec(name, guest=harness.build_guest(name))
    binary, elf = Path(tmp_dir) / "monitor.bin", Path(tmp_dir) / "monitor.elf"
    start = re.search(r"^S7[0-9A-F]{2}([0-9A-F]{8})", Path(srec).read_text(), re.M)
    assert start, "no S7 start-address record"
    first = re.search(r"^S3[0-9A-F]{2}([0-9A-F]{8})", Path(srec).read_text(), re.M).group(1)
    little = harness.board(name)["target"].startswith("mipsel")
    subprocess.run(["mips-linux-gnu-objcopy", "-I", "srec", "-O", "binary", srec, str(binary)], check=True)
    subprocess.run(["mips-linux-gnu-ld", "-EL" if little else "-EB", "-b", "binary",
                    f"--section-start=.data=0x{first}", "-e", f"0x{start.group(1)}", str(binary), "-o", str(elf)],
                   check=True)
    with harness.Console(harness.qemu_command(name, str(elf))) as c:
        c.expect(rf"^mipsvisor \S+ on {name}: ", timeout=60)
        shell_then_halt(c)


# Boards whose boot image is a U-Boot FIT.
FIT_BOARDS = ["boston-i6500"]


def main():
    asked = sys.argv[1:] or BOARDS + FIT_BOARDS
    boards = [name for name in asked if name not in FIT_BOARDS]
    runner = harness.Runner()
    for name in [name for name in asked if name in FIT_BOARDS]:
        runner.check(f"{name}/guest-os-from-fit", guest_os_from_fit, name)
    for name in boards:
        runner.check(f"{name}/sdbbp-from-flash", sdbbp_selftest_from_flash, name)
        runner.check(f"{name}/sdbbp-in-monitor", sdbbp_in_the_monitor_is_reported, name)
        runner.check(f"{name}/kernel-boot-sdbbp-line", kernel_boot_says_whether_sdbbp_is_contained, name)
        runner.check(f"{name}/guest-os-from-flash", guest_os_from_flash, name)
    if not boards:
        runner.finish()
        return
    first = boards[0]
    runner.check(f"{first}/bad-magic", corrupt_image_is_refused, first, HEADER_OFFSET,
                 r"no mipsvisor image header \(bad magic\)")
    runner.check(f"{first}/bad-header", corrupt_image_is_refused, first, HEADER_OFFSET + 4 * 6,
                 "image header checksum mismatch")
    runner.check(f"{first}/corrupt-monitor", corrupt_image_is_refused, first, PAYLOAD_OFFSET + 0x40,
                 r"image segment checksum mismatch \(corrupt image\)")
    if "malta-el" in boards:
        runner.check("malta-el/linux-from-flash", linux_from_flash)
        with tempfile.TemporaryDirectory() as tmp:
            runner.check("malta-el/guest-os-from-srec", guest_os_from_srec, "malta-el", tmp)
    runner.finish()


if __name__ == "__main__":
    main()
