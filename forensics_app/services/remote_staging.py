"""Where workers leave capture bundles for the desk: a shared folder, or an S3-compatible object store.

Both hold only bundles sealed to the desk (ciphertext, :mod:`.remote_bundle`), each named by the SHA-256 of
its bytes (``<sha256>.age``), one sub-folder (prefix) per desk; refused bundles are kept under ``refused/``
beside them with the reason. The worker and the desk use the same few operations, whichever the store:

- the setting ``remote_staging`` (desk) and ``--staging`` (worker) name it: a folder path, or
  ``s3://bucket/prefix`` for an object store (MinIO, Ceph, AWS S3);
- an object store's endpoint comes from ``FORENSICS_S3_ENDPOINT`` or the setting ``remote_s3_endpoint``
  (worker: ``--s3-endpoint``), its region from ``FORENSICS_S3_REGION``; its credentials only from
  ``FORENSICS_S3_ACCESS_KEY`` / ``FORENSICS_S3_SECRET_KEY`` (or systemd credentials ``s3-access-key`` /
  ``s3-secret-key``, or boto3's own chain: ``AWS_*``, ``~/.aws``), never from a setting, so they never
  reach the vault, its custody log, a message or a log line;
- a worker streams a bundle up with bounded memory: a small bundle in one request under its final name;
  a big one (a long video's WARC) in multipart parts of :data:`PART_SIZE` under a temporary name, then
  copied within the store to its content-hash name (a reader never sees half a bundle);
- the desk streams it down, re-hashes every byte (:mod:`.remote_ingest`), and deletes it once stored.
"""

from __future__ import annotations

import errno
import io
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, cast
from urllib.parse import urlsplit

from evidence_store import UsageError, iso_utc

from .remote_bundle import SUFFIX, ContentFile, Manifest, WrittenBundle, bundle_names, seal_bundle, write_bundle

S3_SCHEME = "s3://"
PART_SIZE = 16 * 1024 * 1024  # one part in memory at a time; 10 000 parts: bundles up to 160 GB
REFUSED = "refused"
_AUTH_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken",
               "InvalidClientTokenId", "AuthorizationHeaderMalformed", "403", "Forbidden", "AllAccessDisabled"}


class StagingStore:
    """One staging store (folder or object store); ``desk`` is a desk's sub-folder (:func:`desk_folder`)."""

    kind = ""
    delivered = ""  # as the custody log records how a bundle arrived

    def describe(self, desk: str = "") -> str:
        raise NotImplementedError

    def check_writable(self) -> None:
        """Before a worker takes any task: the store is there and this worker may write to it."""
        raise NotImplementedError

    def check_readable(self) -> None:
        """Before the desk collects: the store answers and lets the desk list it."""
        raise NotImplementedError

    def write(self, desk: str, manifest: Manifest, signature: bytes, files: Sequence[tuple[ContentFile, Any]],
              recipient: str) -> WrittenBundle:
        raise NotImplementedError

    def names(self, desk: str) -> list[str]:
        """The complete bundles waiting for ``desk``, oldest first."""
        raise NotImplementedError

    def exists(self, desk: str, name: str) -> bool:
        raise NotImplementedError

    def open(self, desk: str, name: str) -> BinaryIO:
        """The bundle's bytes as a stream (OSError if it cannot be read)."""
        raise NotImplementedError

    def remove(self, desk: str, name: str) -> None:
        raise NotImplementedError

    def set_aside(self, desk: str, name: str, note: dict[str, Any]) -> str:
        """Keep a refused bundle (still sealed) under ``refused/`` with the reason; returns where it is now."""
        raise NotImplementedError

    def bundle(self, desk: str, name: str) -> StagedBundle:
        return StagedBundle(self, desk, name)


@dataclass(frozen=True)
class StagedBundle:
    """One bundle in a staging store (what :func:`.remote_bundle.open_bundle` and the ingest read)."""

    staging: StagingStore
    desk: str
    name: str

    def open(self) -> BinaryIO:
        return self.staging.open(self.desk, self.name)

    def exists(self) -> bool:
        return self.staging.exists(self.desk, self.name)

    def remove(self) -> None:
        self.staging.remove(self.desk, self.name)

    def set_aside(self, note: dict[str, Any]) -> str:
        return self.staging.set_aside(self.desk, self.name, note)

    @property
    def where(self) -> str:
        return self.staging.describe(self.desk)


def staged(path: Path) -> StagedBundle:
    """A bundle file in a staging folder (``<staging>/<desk>/<sha256>.age``)."""
    return StagedBundle(FolderStaging(path.parent.parent), path.parent.name, path.name)


# -- a shared folder -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FolderStaging(StagingStore):
    root: Path
    kind = "folder"
    delivered = "staging folder, age-sealed"

    def describe(self, desk: str = "") -> str:
        return str(self.root / desk) if desk else str(self.root)

    def check_writable(self) -> None:
        if not self.root.is_dir():
            raise UsageError(f"the staging folder {self.root} does not exist (mount the shared folder first)",
                             message_vi=f"thư mục trung chuyển {self.root} không tồn tại (hãy gắn thư mục dùng chung "
                             "trước)")
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise UsageError(f"the staging folder {self.root} is not writable by this user",
                             message_vi=f"người dùng này không ghi được vào thư mục trung chuyển {self.root}")

    def check_readable(self) -> None:
        pass  # a folder not mounted yet simply holds no bundles (a missing announced one is reported by name)

    def write(self, desk: str, manifest: Manifest, signature: bytes, files: Sequence[tuple[ContentFile, Any]],
              recipient: str) -> WrittenBundle:
        return write_bundle(self.root / desk, manifest, signature, files, recipient)

    def names(self, desk: str) -> list[str]:
        return [p.name for p in bundle_names(self.root / desk)]

    def exists(self, desk: str, name: str) -> bool:
        return (self.root / desk / name).exists()

    def open(self, desk: str, name: str) -> BinaryIO:
        return open(self.root / desk / name, "rb")  # noqa: SIM115 - the caller closes it

    def remove(self, desk: str, name: str) -> None:
        (self.root / desk / name).unlink(missing_ok=True)

    def set_aside(self, desk: str, name: str, note: dict[str, Any]) -> str:
        path = self.root / desk / name
        kept = path.parent / REFUSED / name
        if path.exists():
            kept.parent.mkdir(exist_ok=True)
            shutil.move(str(path), kept)
            kept.with_name(kept.name + ".json").write_text(json.dumps(note, ensure_ascii=False, indent=1), "utf-8")
        return str(kept)


# -- an S3-compatible object store -----------------------------------------------------------------------------------
@dataclass
class S3Access:
    """Where the store is and how to sign requests (the secret is never shown: ``repr`` leaves it out)."""

    endpoint: str = ""
    region: str = "us-east-1"
    access_key: str = field(default="", repr=False)
    secret_key: str = field(default="", repr=False)

    @classmethod
    def from_environment(cls, endpoint: str = "") -> S3Access:
        from .remote_engine import _credential

        endpoint = os.environ.get("FORENSICS_S3_ENDPOINT") or endpoint
        parts = urlsplit(endpoint)
        if endpoint and (parts.scheme not in ("http", "https") or parts.username or parts.password):
            shown = f"{parts.scheme}://{parts.hostname}" if parts.hostname else "(not an address)"
            raise UsageError(f"the S3 endpoint must be an http:// or https:// address without credentials, not {shown}",
                             message_vi="địa chỉ kho S3 phải là địa chỉ http:// hoặc https:// không kèm thông tin "
                             f"đăng nhập, không phải {shown}")
        return cls(endpoint=endpoint, region=os.environ.get("FORENSICS_S3_REGION") or "us-east-1",
                   access_key=os.environ.get("FORENSICS_S3_ACCESS_KEY") or _credential("s3-access-key"),
                   secret_key=os.environ.get("FORENSICS_S3_SECRET_KEY") or _credential("s3-secret-key"))


class S3Staging(StagingStore):
    kind = "s3"
    delivered = "S3 object store, age-sealed"

    def __init__(self, bucket: str, prefix: str, access: S3Access) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.access = access
        self._client: Any = None

    def __repr__(self) -> str:
        return f"S3Staging({self.describe()!r})"

    def describe(self, desk: str = "") -> str:
        where = f"s3://{self.bucket}/{self.prefix}{desk}".rstrip("/")
        return where + (f" at {self.access.endpoint}" if self.access.endpoint else "")

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            credentials = {}
            if self.access.access_key and self.access.secret_key:
                credentials = {"aws_access_key_id": self.access.access_key,
                               "aws_secret_access_key": self.access.secret_key}
            self._client = boto3.session.Session().client(
                "s3", endpoint_url=self.access.endpoint or None, region_name=self.access.region,
                config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, connect_timeout=10,
                              read_timeout=60, retries={"max_attempts": 5, "mode": "standard"}),
                **credentials)
        return self._client

    def key(self, desk: str, name: str) -> str:
        return f"{self.prefix}{desk}/{name}"

    # -- checks ------------------------------------------------------------------------------------------------
    def check_readable(self) -> None:
        with self._answering():
            self._call("list the bundles", self.client.list_objects_v2, Bucket=self.bucket, Prefix=self.prefix,
                       MaxKeys=1)

    def check_writable(self) -> None:
        self.check_readable()
        probe = self.key(".probe", secrets.token_hex(8))
        with self._answering():
            self._call("write a bundle", self.client.put_object, Bucket=self.bucket, Key=probe, Body=b"")
            self._call("delete a probe", self.client.delete_object, Bucket=self.bucket, Key=probe)

    @contextmanager
    def _answering(self) -> Iterator[None]:
        """At start, a store that does not answer is a clear error too (later it is waited for)."""
        try:
            yield
        except OSError as exc:
            raise UsageError(f"{exc.strerror or exc} (is the endpoint right and the store running?)",
                             message_vi=f"kho trung chuyển S3 {self.describe()} không trả lời (địa chỉ có đúng và "
                             "kho có đang chạy không?)") from exc

    # -- the worker --------------------------------------------------------------------------------------------
    def write(self, desk: str, manifest: Manifest, signature: bytes, files: Sequence[tuple[ContentFile, Any]],
              recipient: str) -> WrittenBundle:
        started = time.monotonic()
        upload = _Upload(self, self.key(desk, f".part-{secrets.token_hex(8)}"))
        try:
            sha256, size = seal_bundle(cast(BinaryIO, upload), manifest, signature, files, recipient)
            name = f"{sha256}{SUFFIX}"
            upload.finish(self.key(desk, name))
        except BaseException:
            upload.abort()
            raise
        return WrittenBundle(name, sha256, size, manifest.sha256, time.monotonic() - started)

    # -- the desk ----------------------------------------------------------------------------------------------
    def names(self, desk: str) -> list[str]:
        found: list[tuple[Any, str]] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.key(desk, ""),
                                                                       Delimiter="/")
        try:
            for page in pages:
                for entry in page.get("Contents") or []:
                    name = str(entry["Key"]).rsplit("/", 1)[-1]
                    if name.endswith(SUFFIX) and not name.startswith("."):
                        found.append((entry.get("LastModified"), name))
        except Exception as exc:
            raise self._error("list the bundles", exc) from exc
        return [name for _when, name in sorted(found)]

    def exists(self, desk: str, name: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(desk, name))
        except ClientError as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise self._error("look for a bundle", exc) from exc
        except Exception as exc:
            raise self._error("look for a bundle", exc) from exc
        return True

    def open(self, desk: str, name: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.key(desk, name))["Body"]
        except ClientError as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(errno.ENOENT, f"no object {self.key(desk, name)} in bucket {self.bucket}") from exc
            raise self._error("read a bundle", exc) from exc
        return cast(BinaryIO, _Download(body))

    def remove(self, desk: str, name: str) -> None:
        self._call("delete a stored bundle", self.client.delete_object, Bucket=self.bucket, Key=self.key(desk, name))

    def set_aside(self, desk: str, name: str, note: dict[str, Any]) -> str:
        kept = self.key(f"{desk}/{REFUSED}", name)
        if self.exists(desk, name):
            self._copy(self.key(desk, name), kept)
            self._call("keep a refused bundle", self.client.put_object, Bucket=self.bucket, Key=kept + ".json",
                       Body=json.dumps(note, ensure_ascii=False, indent=1).encode("utf-8"),
                       ContentType="application/json")
            self.remove(desk, name)
        return f"s3://{self.bucket}/{kept}"

    # -- plumbing ----------------------------------------------------------------------------------------------
    def _copy(self, source: str, target: str) -> None:
        from boto3.s3.transfer import TransferConfig

        self._call("copy a bundle", self.client.copy, {"Bucket": self.bucket, "Key": source}, self.bucket, target,
                   Config=TransferConfig(multipart_threshold=PART_SIZE * 256, multipart_chunksize=PART_SIZE * 32,
                                         max_concurrency=2))

    def _call(self, doing: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            raise self._error(doing, exc) from exc

    def _error(self, doing: str, exc: BaseException) -> BaseException:
        """A clear error naming the store and what was refused, never the credentials.

        Refused credentials or a missing bucket: a usage error (exit 2, fix the settings). A store that does not
        answer: an OSError (the desk waits and tries again; a worker's task fails and is retried)."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        where = self.describe()
        if isinstance(exc, NoCredentialsError):
            return UsageError(f"no credentials for the S3 staging store {where}: set FORENSICS_S3_ACCESS_KEY and "
                              "FORENSICS_S3_SECRET_KEY",
                              message_vi=f"chưa có thông tin đăng nhập kho trung chuyển S3 {where}: đặt "
                              "FORENSICS_S3_ACCESS_KEY và FORENSICS_S3_SECRET_KEY")
        if isinstance(exc, ClientError):
            code = _code(exc)
            if code in _AUTH_CODES:
                return UsageError(f"the S3 staging store {where} refused this machine's credentials ({code}) when "
                                  f"asked to {doing}: check FORENSICS_S3_ACCESS_KEY and FORENSICS_S3_SECRET_KEY",
                                  message_vi=f"kho trung chuyển S3 {where} từ chối thông tin đăng nhập của máy này "
                                  f"({code}): kiểm tra FORENSICS_S3_ACCESS_KEY và FORENSICS_S3_SECRET_KEY")
            if code in ("NoSuchBucket",):
                return UsageError(f"the S3 staging store has no bucket {self.bucket} ({where}): create it first",
                                  message_vi=f"kho trung chuyển S3 không có bucket {self.bucket} ({where}): hãy tạo "
                                  "trước")
            return OSError(errno.EIO, f"the S3 staging store {where} could not {doing}: {code}")
        if isinstance(exc, BotoCoreError):
            return OSError(errno.EIO, f"the S3 staging store {where} could not {doing}: {type(exc).__name__}")
        return exc


def _code(exc: Any) -> str:
    error = getattr(exc, "response", {}).get("Error", {})
    return str(error.get("Code") or getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode", ""))


class _Upload(io.RawIOBase):
    """The sealed bundle streamed to the store: held in memory up to one part; beyond that, a multipart upload
    under a temporary key, copied to its content-hash name when complete."""

    def __init__(self, store: S3Staging, temporary: str) -> None:
        super().__init__()
        self.store, self.temporary = store, temporary
        self.buffer = bytearray()
        self.upload_id = ""
        self.parts: list[dict[str, Any]] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.buffer += view
        while len(self.buffer) >= PART_SIZE:
            with memoryview(self.buffer) as whole:
                chunk = bytes(whole[:PART_SIZE])
            del self.buffer[:PART_SIZE]
            self._send(chunk)
        return len(view)

    def _send(self, chunk: bytes) -> None:
        client, bucket = self.store.client, self.store.bucket
        if not self.upload_id:
            self.upload_id = self.store._call("start an upload", client.create_multipart_upload, Bucket=bucket,
                                              Key=self.temporary)["UploadId"]
        number = len(self.parts) + 1
        sent = self.store._call("upload a part", client.upload_part, Bucket=bucket, Key=self.temporary,
                                PartNumber=number, UploadId=self.upload_id, Body=chunk)
        self.parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    def finish(self, key: str) -> None:
        client, bucket = self.store.client, self.store.bucket
        if not self.upload_id:  # small: one request, under its final name
            self.store._call("upload a bundle", client.put_object, Bucket=bucket, Key=key, Body=bytes(self.buffer))
            self.buffer.clear()
            return
        if self.buffer:
            self._send(bytes(self.buffer))
            self.buffer.clear()
        self.store._call("complete an upload", client.complete_multipart_upload, Bucket=bucket, Key=self.temporary,
                         UploadId=self.upload_id, MultipartUpload={"Parts": self.parts})
        self.upload_id = ""
        self.store._copy(self.temporary, key)
        self.store._call("delete a temporary upload", client.delete_object, Bucket=bucket, Key=self.temporary)

    def abort(self) -> None:
        """Best effort: nothing of a failed upload stays in the store (its parts, its temporary object)."""
        client, bucket = self.store.client, self.store.bucket
        try:
            if self.upload_id:
                client.abort_multipart_upload(Bucket=bucket, Key=self.temporary, UploadId=self.upload_id)
            client.delete_object(Bucket=bucket, Key=self.temporary)
        except Exception:  # noqa: BLE001 - the store is gone; the bucket's lifecycle rule removes stale parts
            pass


class _Download(io.RawIOBase):
    """An object's body read as it arrives; a broken connection is an OSError (the desk tries again later)."""

    def __init__(self, body: Any) -> None:
        super().__init__()
        self.body = body

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        try:
            return bytes(self.body.read(None if size is None or size < 0 else size))
        except Exception as exc:
            raise OSError(errno.EIO, f"reading from the S3 staging store failed: {type(exc).__name__}") from exc

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self.body.close()
        finally:
            super().close()


# -- choosing ---------------------------------------------------------------------------------------------------
def open_staging(value: str | Path, *, endpoint: str = "") -> StagingStore:
    """The store a ``remote_staging`` setting or ``--staging`` option names (``s3://bucket/prefix`` or a folder)."""
    text = str(value).strip()
    if not text.startswith(S3_SCHEME):
        return FolderStaging(Path(text).expanduser())
    bucket, _, prefix = text[len(S3_SCHEME):].partition("/")
    if not bucket or any(c in bucket for c in ":@?#"):
        shown = repr(text) if "@" not in text else "an address with credentials in it"
        raise UsageError(f"an S3 staging store is named s3://bucket/prefix, not {shown} (the endpoint goes in "
                         "FORENSICS_S3_ENDPOINT or the setting remote_s3_endpoint, credentials in the environment)",
                         message_vi=f"kho trung chuyển S3 có dạng s3://bucket/prefix, không phải {shown} (địa chỉ "
                         "kho trong FORENSICS_S3_ENDPOINT hoặc cài đặt remote_s3_endpoint, thông tin đăng nhập trong "
                         "biến môi trường)")
    return S3Staging(bucket, prefix, S3Access.from_environment(endpoint))


def refusal_note(reason: str, file: str, message: str, task: str) -> dict[str, Any]:
    return {"refused_at": iso_utc(), "reason": reason, "file": file, "message": message, "task": task}
