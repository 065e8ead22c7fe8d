"""Real messages nobody here wrote: CPython's e-mail test corpus (shipped with the interpreter), messages
signed by OpenDKIM (Debian's opendkim-tools, an independent DKIM implementation), mboxes written by Python's
own :mod:`mailbox`, and the outside samples in ``fixtures/messages`` (PST, MSG)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

STDLIB_EMAIL = Path(sysconfig.get_path("stdlib")) / "test" / "test_email" / "data"


@pytest.fixture(scope="session")
def email_data() -> Path:
    """CPython's Lib/test/test_email/data (msg_01.txt … msg_47.txt): PSF licence, shipped with the interpreter."""
    if not (STDLIB_EMAIL / "msg_01.txt").is_file():
        pytest.fail(f"CPython's e-mail test messages are not at {STDLIB_EMAIL}: this interpreter was built "
                    "without its test suite (Debian: install libpython3.11-testsuite)", pytrace=False)
    return STDLIB_EMAIL


SAMPLES_README = Path(__file__).resolve().parents[2] / "fixtures" / "messages" / "README.md"


@pytest.fixture(scope="session")
def outside_samples(repo_fixtures: Path) -> Path:
    """PST and MSG samples from other projects' test data, kept in ``fixtures/messages`` (its README names each
    origin and licence; ``FORENSICS_MESSAGE_SAMPLES`` names another copy). Missing, the tests fail and say where
    the list of samples is."""
    folder = Path(os.environ.get("FORENSICS_MESSAGE_SAMPLES") or repo_fixtures / "messages")
    if not (folder / "pst").is_dir() or not (folder / "msg").is_dir():
        pytest.fail(f"outside message samples not found at {folder} (list and origins: {SAMPLES_README})",
                    pytrace=False)
    return folder


class DkimSigner:
    """OpenDKIM's own signer (opendkim-genkey, opendkim-testmsg): keys and signatures we did not compute."""

    def __init__(self, folder: Path, domain: str = "example.org", selector: str = "sel2024") -> None:
        for tool in ("opendkim-genkey", "opendkim-testmsg"):
            if shutil.which(tool) is None:
                pytest.fail(f"{tool} is missing: install opendkim-tools (installer/debian-packages.txt)",
                            pytrace=False)
        self.folder, self.domain, self.selector = folder, domain, selector
        subprocess.run(["opendkim-genkey", "-D", str(folder), "-d", domain, "-s", selector, "-b", "2048"],
                       check=True, capture_output=True)
        text = (folder / f"{selector}.txt").read_text()
        self.record = "".join(re.findall(r'"([^"]*)"', text))
        self.dns_name = f"{selector}._domainkey.{domain}"

    def sign(self, message: bytes) -> bytes:
        done = subprocess.run(["opendkim-testmsg", "-d", self.domain, "-k", str(self.folder / f"{self.selector}.private"),
                               "-s", self.selector, "-C", "-t", str(self.folder)], input=message,
                              capture_output=True, check=True)
        return done.stdout


@pytest.fixture(scope="session")
def dkim_signer(tmp_path_factory: pytest.TempPathFactory) -> DkimSigner:
    return DkimSigner(tmp_path_factory.mktemp("opendkim"))
