"""Console harness for QEMU smoke tests: start QEMU with its console on a
pipe, wait for text with a timeout, type, and always stop QEMU by its PID.

Failures raise ConsoleTimeout carrying the transcript, which the runner
prints, so a failed boot shows what the console said.
"""
import os
import re
import select
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Terminal control sequences (BusyBox's line editor asks for the cursor
# position after each prompt); nobody answers them and checks ignore them.
ESCAPE_SEQUENCE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def board(name):
    """The board file as a dict (the same file build.rs and scripts/ read)."""
    path = ROOT / "boards" / f"{name}.toml"
    if not path.exists():
        known = sorted(p.stem for p in (ROOT / "boards").glob("*.toml"))
        raise SystemExit(f"unknown board '{name}'; known boards: {' '.join(known)}")
    with open(path, "rb") as f:
        return tomllib.load(f)


def board_names():
    return sorted(p.stem for p in (ROOT / "boards").glob("*.toml"))


def _lib(function, *args):
    """Runs a scripts/lib.sh function; returns the last line it printed."""
    out = subprocess.run(["bash", "-c", f'source "{ROOT}/scripts/lib.sh" && {function} "$@"', function, *args],
                         stdout=subprocess.PIPE, check=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def mmid_qemu():
    """The qemu-system-mips64el whose I6500 has MemoryMapIDs and GINVT
    (scripts/build-qemu-mmid: built once, then cached)."""
    out = subprocess.run([str(ROOT / "scripts" / "build-qemu-mmid")], stdout=subprocess.PIPE, check=True, text=True)
    return out.stdout.strip().splitlines()[-1].removeprefix("qemu=")


def build_guest(name):
    """Release-builds our guest OS for a board; returns the ELF path."""
    return _lib("build_guest", name)


def build_monitor(name, guest=None):
    """Release-builds the monitor for a board with `guest` built in (by
    default the board's own guest OS, where it has one); returns the ELF."""
    if guest is None and board(name).get("guest_target"):
        guest = build_guest(name)
    return _lib("build_monitor", name, guest or "")


def native_guest_command(name, guest, append="", extra=()):
    """The guest alone on the board's QEMU model (QEMU's T&E-layout mode)."""
    b = board(name)
    return [b["qemu"], "-M", b["machine"], "-cpu", b["cpu"], "-m", str(b["ram_mib"]),
            "-display", "none", "-monitor", "none", "-serial", "stdio",
            "-kernel", guest, "-append", append, *extra]


def suite_check(default="isolation"):
    """The check the guest-running suites turn on: MIPSVISOR_CHECK if set
    (`off` for none), else `default`."""
    return os.environ.get("MIPSVISOR_CHECK", default)


def with_check(append, check):
    """`append` with `check=CHECK` among the monitor's words (before any `--`); unchanged for `off`."""
    if check == "off":
        return append
    monitor, sep, guest = append.partition("--")
    return " ".join(part for part in (f"check={check}", monitor.strip(), sep, guest.strip()) if part)


# What ends QEMU with the run's exit status: the monitor's UHI semihosting
# exit (SDBBP 1, taken by QEMU only from kernel mode, so never the guest's).
SEMIHOSTING = ["-semihosting-config", "enable=on,target=native"]


def with_on_halt(append, policy="exit"):
    """`append` with `on_halt=POLICY` first among the monitor's words (a later one in `append` wins)."""
    return f"on_halt={policy} {append}".strip()


def exit_status(kind):
    """The exit code of a halt kind, from the monitor's one table (src/exit_status.rs)."""
    table = dict((name, int(code)) for code, name in re.findall(
        r'^\s*\(HaltKind::\w+, (\d+), "([a-z-]+)"\),$', (ROOT / "src" / "exit_status.rs").read_text(), re.M))
    if kind not in table:
        raise AssertionError(f"no halt kind '{kind}' in src/exit_status.rs: {sorted(table)}")
    return table[kind]


def qemu_command(name, kernel, append="", extra=(), log=None, qemu=None, check=None):
    """The monitor on a board's QEMU model, console on stdio; with `log`, the
    board's log UART (Malta: the third serial port) goes to that file; with
    `qemu`, that QEMU binary instead of the board's (e.g. the patched one);
    `check` (e.g. "isolation", "off"; the suites pass `suite_check()`), when
    given, puts that `check=` word among the monitor's words. A halt ends
    QEMU with its exit status (`on_halt=exit`, semihosting on)."""
    if check is not None:
        append = with_check(append, check)
    append = with_on_halt(append)
    b = board(name)
    serials = ["-serial", "stdio"]
    if log is not None and "log_uart" in b:
        serials += ["-serial", "null", "-serial", f"file:{log}"]
    return [qemu or b["qemu"], "-M", b["machine"], "-cpu", b["cpu"], "-m", str(b["ram_mib"]),
            "-display", "none", "-monitor", "none", *serials,
            *SEMIHOSTING, "-kernel", kernel, "-append", append, *extra]


# Where the board's loader puts a guest too big for the flash (flash::GUEST_LOAD_PHYS).
GUEST_LOAD_PHYS = 0x04000000


def build_flash(name, out=None, guest=None, guest_in_ram=None, append=""):
    """The monitor for a Malta board as its flash image (scripts/lib.sh
    build_flash): `guest` stored in the flash, or `guest_in_ram` only named
    for the loader to place; returns the image's path. A halt ends QEMU
    with its exit status (`on_halt=exit`; flash_command turns semihosting on)."""
    out = out or str(ROOT / "target" / "flash" / f"{name}-test.bin")
    options = ["--append", with_on_halt(append)]
    if guest:
        options += ["--guest", guest]
    if guest_in_ram:
        options += ["--guest-in-ram", guest_in_ram]
    return _lib("build_flash", name, out, *options)


def build_fit(name, guest=None, out=None):
    """The monitor for a Boston board, with `guest` built in, as a U-Boot FIT
    (scripts/lib.sh build_fit); returns the image's path."""
    out = out or str(ROOT / "target" / "fit" / f"{name}-test.fit")
    return _lib("build_fit", name, out, guest or "")


def build_bundle(out, kernel, initramfs="", cmdline=""):
    """A guest bundle (scripts/lib.sh build_bundle); returns its path."""
    return _lib("build_bundle", out, kernel, initramfs, cmdline)


def build_srec(name, guest=None, out=None):
    """The monitor for a Malta board, with `guest` built in, as S-records
    for YAMON (scripts/lib.sh build_srec); returns the file's path."""
    out = out or str(ROOT / "target" / "srec" / f"{name}-test.srec")
    return _lib("build_srec", name, out, guest or "")


def loader_args(guest):
    """QEMU's generic loader putting the file `guest` in RAM where the
    monitor looks for a guest too big for the flash (or on Boston, whose
    QEMU loads no -initrd)."""
    return ["-device", f"loader,file={guest},addr={GUEST_LOAD_PHYS:#x},force-raw=on"]


def guest_in_ram_words(guest):
    """The monitor words naming a guest that loader_args placed (a KSEG0 address, as QEMU's Malta loader writes them)."""
    return f"rd_start={0x8000_0000 + GUEST_LOAD_PHYS:#x} rd_size={Path(guest).stat().st_size}"


def kernel_boot_guest(name, guest):
    """How a -kernel-booted monitor gets the guest ELF `guest` on board
    `name`: (monitor words, QEMU arguments). Malta: QEMU's -initrd; Boston,
    whose QEMU loads no initrd: the generic loader and rd_start/rd_size."""
    if board(name)["platform"] == "malta":
        return "", ["-initrd", str(guest)]
    return guest_in_ram_words(guest), loader_args(guest)


def flash_command(name, image, guest_in_ram=None, log=None, extra=(), qemu=None):
    """The board booting `image` as its firmware (-bios), console on stdio;
    `guest_in_ram` is put where the flash image says (QEMU's generic loader);
    `log` as in qemu_command."""
    b = board(name)
    serials = ["-serial", "stdio"]
    if log is not None and "log_uart" in b:
        serials += ["-serial", "null", "-serial", f"file:{log}"]
    loader = loader_args(guest_in_ram) if guest_in_ram else []
    return [qemu or b["qemu"], "-M", b["machine"], "-cpu", b["cpu"], "-m", str(b["ram_mib"]),
            "-display", "none", "-monitor", "none", *serials, *SEMIHOSTING, "-bios", image, *loader, *extra]


class ConsoleTimeout(Exception):
    def __init__(self, what, transcript):
        super().__init__(what)
        self.what = what
        self.transcript = transcript


class Console:
    def __init__(self, command, name="qemu"):
        self.name = name
        self.argv = command
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        self.raw = ""
        self.transcript = ""  # raw, without CRs and escape sequences
        self.cursor = 0  # expect() matches only text after the previous match
        self.started = time.monotonic()

    def _read_some(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        ready, _, _ = select.select([self.proc.stdout], [], [], remaining)
        if not ready:
            return False
        data = os.read(self.proc.stdout.fileno(), 65536)
        if not data:
            raise ConsoleTimeout("QEMU exited (console closed)", self.transcript)
        # Cleaned as a whole: a CR LF pair or an escape sequence may straddle reads.
        self.raw += data.decode("utf-8", "replace")
        self.transcript = ESCAPE_SEQUENCE.sub("", self.raw.replace("\r", ""))
        return True

    def expect(self, pattern, timeout=30, partial=False):
        """Waits until `pattern` (a regex) appears after the last match, in
        complete lines only unless `partial` (for prompts that end no line)."""
        regex = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        while True:
            end = len(self.transcript) if partial else self.transcript.rfind("\n") + 1
            m = regex.search(self.transcript, self.cursor, max(end, self.cursor))
            if m:
                self.cursor = m.end()
                return m
            if not self._read_some(deadline) and time.monotonic() >= deadline:
                raise ConsoleTimeout(f"no /{pattern}/ within {timeout}s", self.transcript)

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def command(self, line, prompt=r"guest> ", timeout=30):
        """Types `line` at a shell and returns what it printed before the
        next prompt (the echoed command line excluded)."""
        self.send(line + "\n")
        self.expect(re.escape(line) + r"\n", timeout=timeout)
        start = self.cursor
        m = self.expect(prompt, timeout=timeout, partial=True)
        return self.transcript[start:m.start()]

    def wait_exit(self, timeout):
        """Waits for QEMU to exit by itself (a guest power-off); its status."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ConsoleTimeout(f"QEMU still running {timeout}s later", self.transcript) from None

    def read_to_exit(self, timeout):
        """Reads the console until QEMU exits by itself (a guest power-off),
        so the transcript holds all it printed; its exit status."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self._read_some(deadline)
        except ConsoleTimeout:  # the console closed: QEMU is exiting
            return self.wait_exit(timeout=10)
        raise ConsoleTimeout(f"QEMU still running {timeout}s later", self.transcript)

    def exit_code(self, timeout=30):
        """Reads the console until QEMU exits by itself; its exit code. If it
        is still running after `timeout`, it is killed by its PID and that is
        a failure (ConsoleTimeout)."""
        try:
            return self.read_to_exit(timeout)
        except ConsoleTimeout as e:
            self.stop()
            raise ConsoleTimeout(f"{e.what}; killed by its PID", e.transcript) from None

    def expect_exit(self, kind, timeout=30):
        """Waits for the run to end with halt kind `kind` (src/exit_status.rs):
        the monitor's status line, then QEMU's exit with that code."""
        code = exit_status(kind)
        status = self.exit_code(timeout)
        line = re.escape(f"mipsvisor: exit status {code} ({kind})")
        if not re.search(rf"^{line}\s*\Z", self.transcript, re.M):
            raise ConsoleTimeout(f"the last line is not the status line for {kind} ({code})", self.transcript)
        if status != code:
            raise ConsoleTimeout(f"QEMU exited with {status}, not {code} ({kind})", self.transcript)

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.pid, 15)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, 9)
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Runner:
    """Runs named checks, prints PASS/FAIL lines and a closing summary line."""

    def __init__(self):
        self.passed = 0
        self.failed = []

    def check(self, name, fn, *args):
        started = time.monotonic()
        try:
            fn(*args)
        except ConsoleTimeout as e:
            self.failed.append(name)
            print(f"FAIL {name}: {e.what}\n--- console transcript ---\n{e.transcript}\n--- end ---", flush=True)
        except AssertionError as e:
            self.failed.append(name)
            print(f"FAIL {name}: {e}", flush=True)
        else:
            self.passed += 1
            print(f"PASS {name} ({time.monotonic() - started:.1f}s)", flush=True)

    def finish(self):
        print(f"smoke: {self.passed} passed, {len(self.failed)} failed")
        if self.failed:
            print("failed: " + " ".join(self.failed))
        sys.exit(1 if self.failed else 0)
