"""A real RabbitMQ (Debian's rabbitmq-server) for the tests: its own ports, folders and node, nothing left running.

The node gets free ports (AMQP, distribution, and a private epmd started here in
the foreground), its own Mnesia, log and config folders and a throw-away HOME
for the Erlang cookie, so it never meets a system broker or another test's. Ready
means an AMQP handshake succeeds (not a fixed sleep). ``stop``/``kill`` and
``start`` again on the same folders: durable queues and persistent messages
survive, as after a real broker restart.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def available() -> str:
    """'' when rabbitmq-server can run here, else why not."""
    if not (RABBIT_BIN / "rabbitmq-server").is_file():
        return "rabbitmq-server is not installed (installer/debian-packages.txt lists it)"
    if shutil.which("epmd") is None:
        return "epmd (Erlang) is not installed"
    return ""


class RabbitBroker:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.node = f"forensics-test-{uuid.uuid4().hex[:8]}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self.epmd_port = free_port()
        for sub in ("home", "mnesia", "log"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        (folder / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            "loopback_users = none\n"
            "consumer_timeout = 3600000\n"  # above the longest capture (see deploy/rabbitmq.conf)
            "log.console = false\n", "utf-8")
        (folder / "enabled_plugins").write_text("[].\n", "utf-8")
        self.env = {**os.environ, "HOME": str(folder / "home"), "ERL_EPMD_PORT": str(self.epmd_port),
                    "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_PORT": str(self.port),
                    "RABBITMQ_DIST_PORT": str(self.dist_port), "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
                    "RABBITMQ_LOG_BASE": str(folder / "log"), "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq"),
                    "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
                    "RABBITMQ_PID_FILE": str(folder / "rabbit.pid"), "RABBITMQ_USE_LONGNAME": "false"}
        self.epmd: subprocess.Popen[bytes] | None = None
        self.server: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def start(self, timeout: float = 120) -> RabbitBroker:
        if self.epmd is None:
            self.epmd = subprocess.Popen(["epmd", "-port", str(self.epmd_port)], env=self.env,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log = open(self.folder / "server.out", "ab")  # noqa: SIM115 - handed to the process
        self.server = subprocess.Popen([str(RABBIT_BIN / "rabbitmq-server")], env=self.env, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        """Until an AMQP connection opens (the broker accepts clients), or the server exits."""
        from kombu import Connection

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.server is not None
            if self.server.poll() is not None:
                raise RuntimeError(f"rabbitmq-server exited ({self.server.returncode}): "
                                   + (self.folder / "server.out").read_text(errors="replace")[-2000:])
            try:
                with Connection(self.url, connect_timeout=2) as conn:
                    conn.ensure_connection(max_retries=0)
                    return
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.2)
        raise TimeoutError(f"RabbitMQ did not accept connections within {timeout} s")

    def ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(RABBIT_BIN / "rabbitmqctl"), "-n", self.node, *args], env=self.env,
                              capture_output=True, text=True, timeout=120)

    def queue_depths(self) -> dict[str, int]:
        done = self.ctl("list_queues", "-q", "--no-table-headers", "name", "messages")
        depths = {}
        for line in done.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                depths[parts[0]] = int(parts[1])
        return depths

    def kill(self) -> None:
        """The broker goes away at once (SIGKILL to its whole process group), its data stays."""
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait(30)
        self.server = None
        self._wait_port_closed()

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.ctl("stop")
            try:
                self.server.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait(30)
        self.server = None

    def _wait_port_closed(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.1)

    def close(self) -> None:
        try:
            self.stop()
        finally:
            if self.server is not None and self.server.poll() is None:
                os.killpg(self.server.pid, signal.SIGKILL)
            if self.epmd is not None:
                self.epmd.kill()
                self.epmd.wait(10)
                self.epmd = None
