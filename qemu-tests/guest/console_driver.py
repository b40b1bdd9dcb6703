"""Drives a QEMU guest's serial console like `expect`: start QEMU with the
console on stdin/stdout pipes, wait for text with a deadline, type lines.

Synchronisation is always on console output; the deadlines only bound how
long a broken guest can stall a test.
"""

import os
import re
import select
import signal
import subprocess
import time


class ConsoleTimeout(Exception):
    pass


class GuestConsole:
    def __init__(self, command):
        self.argv = command
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.transcript = ""
        self._seen = 0  # transcript offset already consumed by expect()

    @property
    def pid(self):
        return self.process.pid

    def _read_some(self, deadline):
        remaining = max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([self.process.stdout], [], [], remaining)
        if not ready:
            return False
        data = os.read(self.process.stdout.fileno(), 65536)
        if not data:
            raise ConsoleTimeout("QEMU closed its console (exit code %s)" % self.process.poll())
        self.transcript += data.decode("utf-8", "replace").replace("\r", "")
        return True

    def expect(self, pattern, timeout=30.0):
        """Waits until `pattern` (a regex) appears after the last match;
        returns the text from the last match up to and including this one."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.transcript, self._seen)
            if match:
                text = self.transcript[self._seen:match.end()]
                self._seen = match.end()
                return text
            if time.monotonic() >= deadline or not self._read_some(deadline):
                if time.monotonic() >= deadline:
                    raise ConsoleTimeout("no %r within %.0f s" % (pattern, timeout))

    def send_line(self, line):
        self.process.stdin.write(line.encode() + b"\r")
        self.process.stdin.flush()

    def command(self, line, prompt=r"guest> ", timeout=30.0):
        """Types a command at the prompt; returns its output (prompt excluded)."""
        self.send_line(line)
        self.expect(re.escape(line) + r"\n", timeout)
        output = self.expect(prompt, timeout)
        return output[: -len("guest> ")] if output.endswith("guest> ") else output

    def kill(self):
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
