"""RFC 3161 timestamps against a real TSA on 127.0.0.1: obtained, stored with chains, verified, reported."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from evidence_store import Case, UsageError, Vault
from forensics_app.services.custody import take_checkpoint
from forensics_app.services.reports import ReportOptions, generate_report
from forensics_app.services.timestamps import (
    configured_roots,
    logged_tokens,
    request_token,
    timestamp_checkpoint,
    verify_token,
)

from .conftest import custody_actions, pdf_pages, use_tsa
from .tsa_server import TimestampAuthority


def test_checkpoint_token_is_verified_and_logged_with_its_chain(vault: Vault, case: Case,
                                                                 tsa: TimestampAuthority) -> None:
    use_tsa(vault, tsa)
    point = take_checkpoint(vault)
    before = len(tsa.requests)
    tokens = timestamp_checkpoint(vault, point)
    assert len(tsa.requests) == before + 1
    [token] = tokens
    assert token.verified and not token.problem
    assert token.data_sha256 == hashlib.sha256(point["checkpoint"].encode()).hexdigest()
    assert "Local TSA" in token.tsa_name and token.hash_algorithm == "SHA-256"
    assert any("Local Root CA" in pem or "BEGIN CERTIFICATE" in pem for pem in token.chain)
    assert len(token.chain) == 2  # the TSA's certificate and the configured root that verified it
    assert token.clock_offset_ms is not None and abs(token.clock_offset_ms) < 5000
    [(seq, stored, details)] = logged_tokens(vault)
    assert stored.der == token.der and details["checkpoint_note"] == point["checkpoint"]
    assert details["checkpoint_size"] == point["size"]
    # re-verification later, without the vault: over the exact checkpoint text, against the root
    again, problem = verify_token(stored.der, point["checkpoint"].encode(), configured_roots(vault))
    assert not problem and again is not None and again.serial == token.serial
    _, problem = verify_token(stored.der, point["checkpoint"].encode() + b" ", configured_roots(vault))
    assert "Mismatch" in problem or "message" in problem.lower()


def test_untrusted_authority_is_reported_not_hidden(vault: Vault, case: Case, tsa: TimestampAuthority,
                                                    rogue_tsa: TimestampAuthority, tmp_path: Path) -> None:
    use_tsa(vault, tsa, rogue_tsa, trust=(tsa,))
    out = tmp_path / "r.pdf"
    result = generate_report(vault, case.number, out, ReportOptions(kind="court", lang="en"))
    by_url = {t.tsa_url: t for t in result.tokens}
    assert by_url[tsa.url].verified
    assert not by_url[rogue_tsa.url].verified and "verify" in by_url[rogue_tsa.url].problem.lower()
    text = "\n".join(pdf_pages(out))
    assert "Local TSA" in text and "Rogue TSA" in text
    assert "NOT verified" in text and "valid: signature and certificate chain verified" in text
    assert re.search(r"Clock source\s+RFC 3161: .*Local TSA", text)  # the report host's clock, measured
    assert re.search(r"Clock offset\s+[+−]\d\.\d{3} s against the timestamp authority", text)


def test_unreachable_authority_is_logged_and_the_report_still_made(vault: Vault, case: Case, tmp_path: Path) -> None:
    vault.set_setting("tsa_urls", ["http://127.0.0.1:9/tsa"])  # discard port: nothing listens
    out = tmp_path / "r.pdf"
    result = generate_report(vault, case.number, out, ReportOptions(kind="court", lang="vi"))
    [token] = result.tokens
    assert not token.verified and "cannot be reached" in token.problem
    assert [a for _, a, _ in custody_actions(vault) if a == "custody.timestamp_failed"]
    assert "CHƯA kiểm tra được" in "\n".join(pdf_pages(out))


def test_bad_settings_are_clear_errors(vault: Vault, case: Case, tsa: TimestampAuthority) -> None:
    vault.set_setting("tsa_urls", ["ftp://example.org/tsa"])
    with pytest.raises(UsageError, match="not an http"):
        timestamp_checkpoint(vault, take_checkpoint(vault))
    vault.set_setting("tsa_urls", [tsa.url])
    vault.set_setting("tsa_roots", ["-----BEGIN CERTIFICATE-----\nnonsense\n-----END CERTIFICATE-----\n"])
    with pytest.raises(UsageError, match="PEM"):
        timestamp_checkpoint(vault, take_checkpoint(vault))
    vault.set_setting("tsa_roots", ["/nonexistent/root.pem"])
    with pytest.raises(UsageError, match="cannot read"):
        timestamp_checkpoint(vault, take_checkpoint(vault))


def test_garbage_from_a_tsa_is_an_error_not_a_crash(tmp_path: Path) -> None:
    import http.server
    import threading

    class Liar(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<html>not a token</html>")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Liar)
    threading.Thread(target=server.handle_request, daemon=True).start()
    from forensics_app.services.timestamps import TimestampError

    with pytest.raises(TimestampError, match="RFC 3161"):
        request_token(f"http://127.0.0.1:{server.server_port}/", b"data", [])
    server.server_close()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_verifies_an_exported_token(vault: Vault, case: Case, tsa: TimestampAuthority, tmp_path: Path) -> None:
    use_tsa(vault, tsa)
    point = take_checkpoint(vault)
    [token] = timestamp_checkpoint(vault, point)
    (tmp_path / "checkpoint.txt").write_text(point["checkpoint"], "utf-8")
    (tmp_path / "token.tsr").write_bytes(token.der)
    (tmp_path / "root.pem").write_text(tsa.pki.root_pem, "ascii")
    ok = subprocess.run(["openssl", "ts", "-verify", "-data", "checkpoint.txt", "-in", "token.tsr", "-CAfile",
                         "root.pem"], cwd=tmp_path, capture_output=True, text=True)
    assert ok.returncode == 0 and "Verification: OK" in ok.stdout
    (tmp_path / "checkpoint.txt").write_text(point["checkpoint"].replace("\n", " \n", 1), "utf-8")
    bad = subprocess.run(["openssl", "ts", "-verify", "-data", "checkpoint.txt", "-in", "token.tsr", "-CAfile",
                          "root.pem"], cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode != 0
    assert base64.b64decode(token.to_json()["token"]) == token.der
