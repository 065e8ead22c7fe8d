"""WACZ packaging of one capture: the WARC, a CDXJ index, pages.jsonl and extra resources, signed.

Layout (WACZ 1.2.0): ``archive/data.warc.gz`` (stored, not deflated),
``indexes/index.cdxj``, ``pages/pages.jsonl``, ``attachments/…`` (screenshot,
PDF, provenance), ``datapackage.json`` listing every file with its SHA-256 and
size, and ``datapackage-digest.json`` with the hash of the manifest and its
signature (WACZ Signing and Verification 0.1.0, anonymous form).

- The index is the field's own (``cdxj-indexer``, the one py-wacz uses, with its
  ``surt`` keys), so viewers and pywb find what they look for: IP hosts, ``www2.``,
  percent-escapes as they expect. POST bodies are not appended to keys (the indexer
  would spool every decoded body to a plaintext temporary file to do it). A request
  record never gets a line of its own (a viewer keeps one entry per URL and time,
  and a request line winning over its response is a page that does not replay),
  and two responses of the same URL in the same second keep one line, the first.
- ``pages.jsonl`` carries the page's visible text, so the viewer's search finds content.
- The signature: ECDSA over the manifest's hash (SHA-256) with a P-384 key made for this
  one package, its public key embedded (``signedData.publicKey``, SPKI, base64), the form
  ArchiveWeb.page writes and ReplayWeb.page checks (it imports every anonymous key as P-384).
  It proves the package has not changed since it was signed, not who signed it: the public
  key is also in the vault's record of the WACZ, inside the custody log.

Two values follow WACZ 1.1.1 on purpose: ``profile`` is ``data-package`` and
``wacz_version`` is ``1.1.1``, because the reference validator (py-wacz 0.6,
``wacz validate``) accepts nothing else and checks the manifest with
Frictionless, which cannot resolve the 1.2.0 ``wacz`` profile offline. Every
1.2.0 addition (``home``, ``created``, ``software``, attachments) is present.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from typing import Any

from evidence_store.canonical import iso_utc

WARC_NAME = "data.warc.gz"
SIGNATURE_SOFTWARE = "forensics-toolkit wacz signer"


def preload_indexer() -> None:
    """Import the indexer (surt, tldextract, pyamf: ~0.2 s) while the browser starts, not when packaging."""
    import cdxj_indexer.main  # noqa: F401


def cdxj_lines(warc: Any, warc_name: str = WARC_NAME) -> list[str]:
    """The CDXJ index of a WARC (a readable, seekable binary file), by ``cdxj-indexer``, sorted, one line per
    URL key and second."""
    from cdxj_indexer.main import CDXJIndexer

    out = io.StringIO()
    # Without post_append: with it the indexer copies every record's decoded body into a temporary file
    # (plaintext on disk past 64 KiB) to append POST bodies to keys. Keys are then plain URL keys.
    CDXJIndexer(out, [warc], filename=warc_name).process_all()
    return unique_keys(sorted(out.getvalue().splitlines(), key=_sort_key))


def _sort_key(line: str) -> tuple[str, str]:
    key, ts, _ = line.split(" ", 2)
    return key, ts  # stable: lines with the same key and time stay in WARC order


def unique_keys(lines: Iterable[str]) -> list[str]:
    """The first line of each (URL key, 14-digit time); the WARC keeps every record."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for line in lines:
        key, ts, _ = line.split(" ", 2)
        if (key, ts) not in seen:
            seen.add((key, ts))
            kept.append(line)
    return kept


def surt(url: str) -> str:
    """The index key of ``url`` as the indexer makes it."""
    import surt as surt_package

    return str(surt_package.surt(url))


def sign_digest(manifest_hash: str, created: str) -> dict[str, Any]:
    """``signedData`` of the anonymous form: a fresh P-384 key signs the hash with ECDSA/SHA-256 (IEEE P1363
    r||s, what the viewers' WebCrypto verifies); the private key is never kept."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    key = ec.generate_private_key(ec.SECP384R1())
    r, s = decode_dss_signature(key.sign(manifest_hash.encode("utf-8"), ec.ECDSA(hashes.SHA256())))
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"hash": manifest_hash, "created": created, "software": SIGNATURE_SOFTWARE, "version": "1",
            "signature": base64.b64encode(r.to_bytes(48, "big") + s.to_bytes(48, "big")).decode("ascii"),
            "publicKey": base64.b64encode(public).decode("ascii")}


def verify_signed_digest(digest_doc: dict[str, Any], manifest: bytes) -> bool:
    """The check a verifier makes: the manifest's hash, then the signature with the embedded key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    expected = "sha256:" + hashlib.sha256(manifest).hexdigest()
    signed = digest_doc.get("signedData") or {}
    if digest_doc.get("hash") != expected or signed.get("hash") != expected:
        return False
    raw = base64.b64decode(signed["signature"])
    key = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
    assert isinstance(key, ec.EllipticCurvePublicKey)
    half = len(raw) // 2
    signature = encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))
    try:
        key.verify(signature, expected.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def _copy_into(archive: zipfile.ZipFile, source: Any, size_before: int, arcname: str) -> tuple[str, int]:
    """Stream ``source`` (a binary file of ``size_before`` bytes) into the archive, hashing it in the same pass.

    The size is given up front so that the local header needs no data descriptor and ZIP64 only past 4 GiB:
    viewers read entries through their local headers.
    """
    digest, size = hashlib.sha256(), 0
    info = zipfile.ZipInfo(arcname, date_time=_zip_time())
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = size_before
    with archive.open(info, "w") as out:
        while block := source.read(1 << 20):
            digest.update(block)
            out.write(block)
            size += len(block)
    return "sha256:" + digest.hexdigest(), size


def _zip_time() -> tuple[int, int, int, int, int, int]:
    import time

    now = time.gmtime()
    return (now.tm_year, now.tm_mon, now.tm_mday, now.tm_hour, now.tm_min, now.tm_sec)


def write_wacz(target: Any, *, warc: Any, page: dict[str, Any], attachments: list[Any], title: str,
               software: str, description: str = "", exchanges: Any = None) -> dict[str, Any]:
    """Write the WACZ into ``target`` (a writable, seekable binary file: a sealed file); ``warc`` (a sealed
    file) and each attachment (a :class:`.state.CaptureFile`) are opened with ``.open()``. Returns the datapackage
    (the manifest) with ``signedData``."""
    created = iso_utc()
    with warc.open() as handle:
        index = ("\n".join(cdxj_lines(handle)) + "\n").encode("utf-8")
    pages = (json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages", "hasText": True}) + "\n"
             + json.dumps(page, ensure_ascii=False) + "\n").encode("utf-8")
    resources = []
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        with warc.open() as handle:
            digest, size = _copy_into(archive, handle, warc.size, f"archive/{WARC_NAME}")
        resources.append({"name": WARC_NAME, "path": f"archive/{WARC_NAME}", "hash": digest, "bytes": size})
        for name, data in (("indexes/index.cdxj", index), ("pages/pages.jsonl", pages)):
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
            resources.append({"name": name.rsplit("/", 1)[1], "path": name,
                              "hash": "sha256:" + hashlib.sha256(data).hexdigest(), "bytes": len(data)})
        for attachment in attachments:
            with attachment.open() as handle:
                digest, size = _copy_into(archive, handle, attachment.size(), f"attachments/{attachment.name}")
            resources.append({"name": attachment.name, "path": f"attachments/{attachment.name}", "hash": digest,
                              "bytes": size})
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
        manifest_hash = "sha256:" + hashlib.sha256(manifest).hexdigest()
        signed = sign_digest(manifest_hash, created)
        digest_doc = {"path": "datapackage.json", "hash": manifest_hash, "signedData": signed}
        archive.writestr("datapackage-digest.json", json.dumps(digest_doc), compress_type=zipfile.ZIP_DEFLATED)
    return {**package, "signedData": signed}
