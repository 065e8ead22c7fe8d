"""Web captures through a login profile: the account is used and recorded, its session never reaches the evidence.

The test site has a login (a session cookie and a bearer token the page keeps in
localStorage and sends to its API). The server must receive the real values; the
WARC, the WACZ and every other stored file must not hold them.
"""

from __future__ import annotations

import gzip
import io
import json
import secrets
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from collectors.web.redact import MARKER_ALWAYS, MARKER_PROFILE, RedactionPolicy, redact_request
from evidence_store import Case, Vault
from evidence_store.profiles import LoginProfiles
from forensics_app.services.web import capture_web
from tests.conftest import Cli
from tests.web.conftest import SERVERS, fast_options
from tests.web.site import ACCOUNT_NAME, GZ_CSS

pytestmark = pytest.mark.slow
WARCIO_CHECK = ("import sys, collectors.web.warcio_compat; from warcio.cli import main; "
                "main(['check', '-v', sys.argv[1]])")
FAST = ["--allow-private-addresses", "--timeout", "30"]


def _children(vault: Vault, item_id: int) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for child in vault.list_items(parent_id=item_id):
        out.setdefault(child.kind, []).append(child)
    return out


def _requests(warc: bytes) -> dict[str, Any]:
    """Request records by path: their HTTP headers as written."""
    found = {}
    for record in ArchiveIterator(io.BytesIO(warc)):
        if record.rec_type == "request":
            found[record.rec_headers.get_header("WARC-Target-URI").split("/", 3)[-1]] = record.http_headers
    return found


def _logged_in(site: str) -> tuple[str, str]:
    server = SERVERS[site]
    session, token = secrets.token_hex(16), secrets.token_hex(16)
    server.sessions[session] = ACCOUNT_NAME
    server.tokens.add(token)
    return session, token


def test_login_profile_session_redacted_in_warc_and_wacz(vault: Vault, case: Case, http_site: str,
                                                         tmp_path: Path) -> None:
    session, token = _logged_in(http_site)
    state = {"cookies": [{"name": "phien", "value": session, "domain": "127.0.0.1", "path": "/", "expires": -1,
                          "httpOnly": True, "secure": False, "sameSite": "Lax"}],
             "origins": [{"origin": http_site, "localStorage": [{"name": "token", "value": token}]}]}
    LoginProfiles(vault).save("tk-dieu-tra", state, account={"label": "Tài khoản điều tra số 7 (Đội 2)"})
    (outcome,) = capture_web(vault, case.id, [http_site + "/account"],
                             options=fast_options(profile="tk-dieu-tra")).outcomes
    assert outcome.status == "captured" and outcome.item is not None, outcome.error
    item = outcome.item
    kinds = _children(vault, item.id)
    text = b"".join(vault.read_item(kinds["page_text"][0])).decode()
    assert f"Đã đăng nhập: {ACCOUNT_NAME}" in text and "API: true" in text  # the page saw the account
    seen = SERVERS[http_site].credentials_seen
    assert f"Cookie: phien={session}" in seen and f"Authorization: Bearer {token}" in seen  # real values sent

    warc = b"".join(vault.read_item(kinds["warc"][0]))
    plain = gzip.decompress(warc)
    assert session.encode() not in plain and token.encode() not in plain
    requests = _requests(warc)
    assert requests["account"].get_header("Cookie") == MARKER_PROFILE
    assert requests["api/me"].get_header("Authorization") == MARKER_PROFILE
    assert requests["api/me"].get_header("Cookie") == MARKER_PROFILE
    assert b"redaction: values of the request headers Cookie" in plain  # the warcinfo record says so
    for record in ArchiveIterator(io.BytesIO(warc)):  # responses untouched: the gzip bytes as the server sent them
        if record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI").endswith("style.css"):
            assert record.raw_stream.read() == GZ_CSS
            break
    else:
        pytest.fail("the stylesheet response is not in the WARC")
    warc_path = vault.export_item(kinds["warc"][0], tmp_path)
    check = subprocess.run([sys.executable, "-c", WARCIO_CHECK, str(warc_path)], capture_output=True, text=True,
                           timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr

    wacz_path = vault.export_item(kinds["wacz"][0], tmp_path)
    check = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(wacz_path)], capture_output=True,
                           text=True, timeout=120)
    assert check.returncode == 0 and "valid" in check.stdout, check.stdout + check.stderr
    with zipfile.ZipFile(wacz_path) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            data = gzip.decompress(data) if name.endswith(".gz") else data
            assert session.encode() not in data and token.encode() not in data, name
        assert MARKER_PROFILE.encode() in gzip.decompress(archive.read("archive/data.warc.gz"))
    for children in kinds.values():  # nor any other stored file (HTML, MHTML, PDF, provenance …)
        for child in children:
            data = b"".join(vault.read_item(child))
            data = gzip.decompress(data) if child.kind == "warc" else data
            assert session.encode() not in data and token.encode() not in data, child.kind

    provenance = json.loads(b"".join(vault.read_item(kinds["provenance"][0])))
    (change,) = provenance["changes_made_by_collection"]
    assert change["change"] == "request_header_values_redacted" and change["headers"] == ["Authorization", "Cookie"]
    assert change["request_records"] >= 2 and change["marker"] == MARKER_PROFILE and change["vi"]
    assert provenance["account"]["label"] == "Tài khoản điều tra số 7 (Đội 2)"
    assert provenance["account"]["profile"] == "tk-dieu-tra"
    warning = next(w for w in item.warnings if w.code == "credentials_redacted")
    assert warning.details["request_records"] == change["request_records"] and warning.message_vi
    assert item.metadata["complete"] is True  # a documented redaction is not a gap in the capture
    assert item.metadata["provenance"]["changes_made_by_collection"][0]["change"] == "request_header_values_redacted"
    uses = [e.record for e in vault.custody.entries() if e.record["action"] == "login_profile.use"]
    assert uses and uses[-1]["case"]["id"] == case.id


def test_profile_and_redaction_from_the_command_line(cli_vault: Cli, http_site: str) -> None:
    assert cli_vault("case", "new", "--number", "VV-TK-1", "--title", "Tài khoản").code == 0
    login = cli_vault("profile", "login", "tk-cli", "--url", http_site + "/login", "--headless",
                      "--until-cookie", "phien", "--account", "Tài khoản CLI", "--json")
    assert login.code == 0, login.err
    result = cli_vault("capture", "web", http_site + "/account", "--case", "VV-TK-1", "--profile", "tk-cli",
                       "--json", *FAST)
    assert result.code == 0, result.err
    (entry,) = result.json()["results"]  # type: ignore[index]
    assert entry["complete"] is True and "credentials_redacted" in [w["code"] for w in entry["warnings"]]
    shown = cli_vault("items", "show", str(entry["item_id"]), "--json").json()
    account = shown["metadata"]["provenance"]["account"]  # type: ignore[index]
    assert account["label"] == "Tài khoản CLI" and account["profile"] == "tk-cli"
    assert "no login profile named 'khong-co'" in (
        cli_vault("capture", "web", http_site + "/account", "--case", "VV-TK-1", "--profile", "khong-co", *FAST).one_line_error())
    custody = cli_vault("custody", "log", "--json")
    assert custody.out.count("login_profile.use") == 1  # loaded once, for the capture that used it


def test_redact_always_without_a_profile(vault: Vault, case: Case, http_site: str) -> None:
    urls = [http_site + "/api-client"]
    (kept,) = capture_web(vault, case.id, urls, options=fast_options()).outcomes
    (redacted,) = capture_web(vault, case.id, urls, options=fast_options(redact_credentials=True),
                              batch_id="redact-always").outcomes
    headers = {}
    for outcome in (kept, redacted):
        assert outcome.item is not None, outcome.error
        warc = b"".join(vault.read_item(_children(vault, outcome.item.id)["warc"][0]))
        headers[outcome is redacted] = _requests(warc)["api/me"].get_header("Authorization")
    assert headers == {False: "Bearer public-api-key", True: MARKER_ALWAYS}
    assert "credentials_redacted" not in [w.code for w in kept.item.warnings]  # type: ignore[union-attr]
    assert "credentials_redacted" in [w.code for w in redacted.item.warnings]  # type: ignore[union-attr]


def test_redact_request_keeps_names_body_and_other_headers() -> None:
    policy = RedactionPolicy.for_capture(profile="p", always=False)
    raw = (b"POST /x HTTP/1.1\r\nHost: a.test\r\ncookie: a=1;\r\n b=2\r\nAuthorization: Basic Zm9v\r\n"
           b"X-Cookie: keep\r\nContent-Length: 9\r\n\r\nCookie: 1")
    out, names = redact_request(raw, policy)
    marker = MARKER_PROFILE.encode()
    assert names == ["cookie", "Authorization"]
    assert out == (b"POST /x HTTP/1.1\r\nHost: a.test\r\ncookie: " + marker + b"\r\nAuthorization: " + marker +
                   b"\r\nX-Cookie: keep\r\nContent-Length: 9\r\n\r\nCookie: 1")
    assert redact_request(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", policy) == (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", [])
    assert redact_request(raw, RedactionPolicy.for_capture(profile="", always=False)) == (raw, [])


