"""Web capture fixtures: the test site over HTTP and HTTPS, shared per session; vaults per module.

A module that captures many pages does it in one batch (one browser) into a
module vault, then its tests read the stored items; the vault must verify clean.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collectors.web import CaptureOptions
from evidence_store import Item, Vault
from tests.conftest import PASSPHRASE, assert_verifies_clean
from tests.web.site import SiteServer, Tls, make_certificate, make_video


@pytest.fixture(scope="session")
def site_material(tmp_path_factory: pytest.TempPathFactory) -> tuple[Tls, bytes]:
    folder = tmp_path_factory.mktemp("site")
    return make_certificate(folder), make_video(folder)


#: The running servers by base URL (a test that must watch requests finds its server here).
SERVERS: dict[str, SiteServer] = {}


@pytest.fixture(scope="session")
def http_site(site_material: tuple[Tls, bytes]) -> Iterator[str]:
    server = SiteServer(site_material[1])
    url = f"http://127.0.0.1:{server.port}"
    SERVERS[url] = server
    yield url
    server.stop()


@pytest.fixture(scope="session")
def https_site(site_material: tuple[Tls, bytes]) -> Iterator[str]:
    server = SiteServer(site_material[1], tls=site_material[0])
    yield f"https://localhost:{server.port}"
    server.stop()


@pytest.fixture(scope="session")
def site_tls(site_material: tuple[Tls, bytes]) -> Tls:
    return site_material[0]


def fast_options(**changes: Any) -> CaptureOptions:
    """Options for the local site: short waits, loopback allowed (tests only), no NTP server."""
    base = CaptureOptions(allow_private_addresses=True, load_timeout=8, idle_timeout=3, scroll_time_limit=4,
                          page_timeout=40, ntp_server="127.0.0.1:9", ntp_timeout=1)
    return base.with_changes(**changes)


class ModuleVault:
    def __init__(self, root: Path) -> None:
        os.environ["FORENSICS_KDF_PROFILE"] = "test"
        self.vault = Vault.create(root, PASSPHRASE, "Nguyễn Văn Kiểm", position="Điều tra viên")
        self.case = self.vault.create_case("VV-WEB-001", "Thu thập trang web / Web capture")

    def children(self, item: Item) -> dict[str, list[Item]]:
        out: dict[str, list[Item]] = {}
        for child in self.vault.list_items(parent_id=item.id):
            out.setdefault(child.kind, []).append(child)
        return out

    def content(self, item: Item) -> bytes:
        return b"".join(self.vault.read_item(item))

    def export(self, item: Item, folder: Path) -> Path:
        return self.vault.export_item(item, folder)


@pytest.fixture(scope="module")
def module_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleVault]:
    holder = ModuleVault(tmp_path_factory.mktemp("vault") / "vault")
    yield holder
    assert_verifies_clean(holder.vault)
    holder.vault.close()
