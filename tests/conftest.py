"""Shared test set-up: real vaults (cheap KDF), the CLI, and the community fixtures.

QT_QPA_PLATFORM must be set before anything imports Qt (pytest.ini is too late).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["FORENSICS_KDF_PROFILE"] = "test"
os.environ.setdefault("FORENSICS_LOCK_TIMEOUT", "10")
if "FORENSICS_WITNESS_DIR" not in os.environ:  # checkpoints witnessed by test vaults stay out of the user's data dir
    import tempfile

    os.environ["FORENSICS_WITNESS_DIR"] = tempfile.mkdtemp(prefix="forensics-test-witness-")

import io  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import redirect_stderr, redirect_stdout  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from evidence_store import Case, Vault, verify_vault  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED = (ROOT / ".." / "shared").resolve()
PASSPHRASE = "correct horse battery"


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """``../shared/fixtures`` relative to the project root (CI has the same layout)."""
    path = SHARED / "fixtures"
    if not path.is_dir():
        pytest.fail(f"shared fixtures not found at {path}: the project must sit next to ../shared", pytrace=False)
    return path


@pytest.fixture(scope="session")
def repo_fixtures() -> Path:
    """``fixtures/`` in this repository: other projects' data kept unchanged with origin and licence beside it."""
    return ROOT / "fixtures"


def assert_verifies_clean(vault: Vault) -> None:
    report = verify_vault(vault, log=False)
    assert report.ok, "vault does not verify clean:\n" + "\n".join(
        f"  {p.code}: {p.message} (item {p.item_id})" for p in report.problems)


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    return tmp_path / "vault"


@pytest.fixture
def vault(vault_dir: Path, request: pytest.FixtureRequest) -> Iterator[Vault]:
    """A fresh vault; after the test it must verify clean (unless marked ``corrupts_vault``)."""
    v = Vault.create(vault_dir, PASSPHRASE, "Nguyễn Văn Kiểm", position="Điều tra viên",
                     agency="Công an tỉnh Thử Nghiệm", unit="Phòng An ninh mạng")
    try:
        yield v
        if v.conn is not None and request.node.get_closest_marker("corrupts_vault") is None:
            assert_verifies_clean(v)
    finally:
        v.close()


@pytest.fixture
def case(vault: Vault) -> Case:
    return vault.create_case("VV-2026-001", "Bài đăng sai sự thật / False post")


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> object:
        import json

        return json.loads(self.out)

    def one_line_error(self) -> str:
        """The contract for bad input: exit 2, no traceback, the last line of stderr ``error: …`` (returned)."""
        assert self.code == 2, (self.out, self.err)
        assert "Traceback" not in self.err
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert lines and lines[-1].startswith("error:"), self.err
        return lines[-1]


class Cli:
    """Runs ``forensics`` in-process (fast) or as a real process (exit codes, signals)."""

    def __init__(self, vault_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.vault_dir = vault_dir
        self.env = {"FORENSICS_VAULT": str(vault_dir), "FORENSICS_PASSPHRASE": PASSPHRASE,
                    "FORENSICS_KDF_PROFILE": "test"}
        for key, value in self.env.items():
            monkeypatch.setenv(key, value)
        self._monkeypatch = monkeypatch

    def items(self) -> list[dict[str, Any]]:
        """``items list --json`` of the vault."""
        result = self("items", "list", "--json")
        assert result.code == 0, result.err
        return result.json()  # type: ignore[return-value]

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> CliResult:
        from forensics_app.cli.main import main

        with self._monkeypatch.context() as patch:
            for key, value in (env or {}).items():
                patch.setenv(key, value)
            stdout, stderr = io.StringIO(), io.StringIO()
            with redirect_stdout(stdout), redirect_stderr(stderr):
                code = main(list(args))
        return CliResult(code, stdout.getvalue(), stderr.getvalue())

    def process(self, *args: str, env: dict[str, str] | None = None, timeout: float = 120,
                **kwargs: object) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **self.env, **(env or {})}
        return subprocess.run([sys.executable, "-m", "forensics_app.cli.main", *args], env=full_env,
                              capture_output=True, text=True, timeout=timeout, **kwargs)  # type: ignore[call-overload]


@pytest.fixture
def cli(vault_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(vault_dir, monkeypatch)


@pytest.fixture
def cli_vault(cli: Cli) -> Iterator[Cli]:
    """A vault created through the CLI; verified clean after the test."""
    result = cli("vault", "init", "--examiner-name", "Trần Thị Thu")
    assert result.code == 0, result.err
    yield cli
    check = cli("vault", "verify", "--json")
    assert check.code == 0, check.out + check.err


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "corrupts_vault: the test damages the vault on purpose")
