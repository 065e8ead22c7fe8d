"""WACZ packaging of one capture: the WARC, a CDXJ index, pages.jsonl and extra resources.

Layout (WACZ 1.2.0): ``archive/data.warc.gz`` (stored, not deflated),
``indexes/index.cdxj``, ``pages/pages.jsonl``, ``attachments/…`` (screenshot,
PDF, provenance), ``datapackage.json`` listing every file with its SHA-256 and
size, and ``datapackage-digest.json`` with the hash of the manifest.

Two values follow WACZ 1.1.1 on purpose: ``profile`` is ``data-package`` and
``wacz_version`` is ``1.1.1``, because the reference validator (py-wacz 0.6,
``wacz validate``) accepts nothing else and checks the manifest with
Frictionless, which cannot resolve the 1.2.0 ``wacz`` profile offline. Every
1.2.0 addition (``home``, ``created``, ``software``, attachments) is present.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from evidence_store.canonical import iso_utc


def surt(url: str) -> str:
    """Sort-friendly URL key (the form pywb and py-wacz use): ``com,example)/path?query``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    key = ",".join(reversed(host.split("."))) if not host.replace(".", "").isdigit() else host
    if parts.port and not ((parts.scheme == "http" and parts.port == 80) or
                           (parts.scheme == "https" and parts.port == 443)):
        key += f":{parts.port}"
    path = parts.path or "/"
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""
    return f"{key}){path.lower()}" + (f"?{query.lower()}" if query else "")


def cdxj_lines(exchanges: list[dict[str, Any]], warc_name: str) -> list[str]:
    lines = []
    for exchange in exchanges:
        response = exchange["response_record"]
        entry = {"url": exchange["url"], "mime": exchange["mime"] or "unk", "status": str(exchange["status"]),
                 "digest": exchange["payload_digest"], "length": str(response["length"]),
                 "offset": str(response["offset"]), "filename": warc_name}
        if exchange["method"] != "GET":
            entry["method"] = exchange["method"]
        lines.append(f"{surt(exchange['url'])} {exchange['warc_date']} {json.dumps(entry, ensure_ascii=False)}")
        request = exchange.get("request_record")
        if request:
            req = {**entry, "mime": "unk", "length": str(request["length"]), "offset": str(request["offset"])}
            req.pop("status", None)
            lines.append(f"urn:request:{exchange['url']} {exchange['warc_date']} {json.dumps(req, ensure_ascii=False)}")
    return sorted(lines)


def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return "sha256:" + digest.hexdigest(), size


def write_wacz(target: Path, *, warc: Path, exchanges: list[dict[str, Any]], page: dict[str, Any],
               attachments: list[tuple[Path, str]], title: str, software: str,
               description: str = "") -> dict[str, Any]:
    """Write the WACZ; returns its datapackage (the manifest)."""
    created = iso_utc()
    warc_name = "data.warc.gz"
    index = ("\n".join(cdxj_lines(exchanges, warc_name)) + "\n").encode("utf-8")
    pages = (json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}) + "\n"
             + json.dumps(page, ensure_ascii=False) + "\n").encode("utf-8")
    resources = []
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        archive.write(warc, f"archive/{warc_name}", compress_type=zipfile.ZIP_STORED)
        digest, size = _sha256_file(warc)
        resources.append({"name": warc_name, "path": f"archive/{warc_name}", "hash": digest, "bytes": size})
        for name, data in (("indexes/index.cdxj", index), ("pages/pages.jsonl", pages)):
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
            resources.append({"name": name.rsplit("/", 1)[1], "path": name,
                              "hash": "sha256:" + hashlib.sha256(data).hexdigest(), "bytes": len(data)})
        for path, arcname in attachments:
            archive.write(path, f"attachments/{arcname}", compress_type=zipfile.ZIP_STORED)
            digest, size = _sha256_file(path)
            resources.append({"name": arcname, "path": f"attachments/{arcname}", "hash": digest, "bytes": size})
        package = {
            "profile": "data-package",
            "wacz_version": "1.1.1",
            "title": title,
            "description": description,
            "created": created,
            "modified": created,
            "software": software,
            "home": {"url": page["url"], "ts": page["ts"]},
            "mainPageURL": page["url"],
            "mainPageDate": page["ts"],
            "resources": resources,
        }
        manifest = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
        archive.writestr("datapackage.json", manifest, compress_type=zipfile.ZIP_DEFLATED)
        digest_doc = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(manifest).hexdigest()}
        archive.writestr("datapackage-digest.json", json.dumps(digest_doc), compress_type=zipfile.ZIP_DEFLATED)
    return package
