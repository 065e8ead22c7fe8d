"""The SQLCipher 4 database connection (the tables are in :mod:`.schema`).

The key is passed raw (``x'…'``), derived by HKDF from the master key, so
SQLCipher's own PBKDF2 is not run on every open. WAL keeps readers and the
single writer out of each other's way; ``BEGIN IMMEDIATE`` serialises writers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlcipher3  # bundles SQLCipher 4; never mix with Debian's libsqlcipher 3

from .errors import VaultDamagedError, VaultError
from .schema import apply_migrations, create_schema

DB_FILE = "vault.db"

CACHE_KIB = 64 << 10  # the page cache of one connection, in KiB


def connect(path: Path, key: bytes, *, page_size: int, create: bool = False) -> Any:
    """Open (or create) the database; a wrong key or damaged file raises a clear error.

    ``page_size`` is the vault's (``VaultConfig.db_page_size``): SQLCipher reads and authenticates whole pages, so
    it must know their size before the first. New vaults use 16 KiB pages rather than SQLCipher's 4 KiB: every page
    is encrypted and authenticated on its own, and an extraction's rows cost a quarter less CPU to insert in
    larger pages (measured: 100,000 extracted files' rows, 4.5 s with 4 KiB pages, 3.4 s with 16 KiB), in a
    database about a sixth smaller.
    """
    if not create and not path.is_file():
        raise VaultDamagedError(
            f"the vault database {path} is missing; restore it from a backup (the blobs alone cannot be read)"
        ,
            message_vi=f"cơ sở dữ liệu kho {path} bị mất; hãy khôi phục từ bản sao lưu (chỉ riêng các khối dữ liệu thì không "
                       "đọc được)")
    import os

    if not create and not os.access(path, os.R_OK):
        raise VaultError(f"{path}: permission denied (this user may not read the vault's database)",
                         message_vi=f"{path}: không có quyền truy cập (người dùng này không được đọc cơ sở dữ liệu của kho)")
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute(f"PRAGMA cipher_page_size = {int(page_size)}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        # Pages are decrypted on every read from disk and encrypted on every write: an index keyed by random
        # values (item uids, blob names and dedupe keys) touches a random page per row, and with SQLite's default
        # 2 MB cache a chunk of 5,000 extracted files read and wrote most index pages again (measured: 100,000
        # items took 7.0 s of CPU to insert with the default cache, 4.6 s with this one). Memory is used only as
        # pages are read.
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        if create:
            create_schema(conn)
        else:
            apply_migrations(conn, path)
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        if "not a database" in str(exc):
            raise VaultDamagedError(
                f"the vault database {path} cannot be decrypted with this vault's key: "
                "it is damaged or belongs to another vault",
                message_vi=f"không giải mã được cơ sở dữ liệu kho {path} bằng khoá của kho này: tệp bị hỏng hoặc "
                           "thuộc kho khác") from exc
        text = str(exc).lower()
        if "readonly" in text or "unable to open" in text or "disk i/o" in text or "full" in text:
            raise translate_write_error(exc, path) from exc
        raise VaultDamagedError(f"the vault database {path} is damaged: {exc}",
                                message_vi=f"cơ sở dữ liệu kho {path} bị hỏng: {exc}") from exc
    return conn


def translate_write_error(exc: Exception, path: Path) -> Exception:
    """A failed write said truthfully: a full disk or a read-only database is not a damaged vault."""
    from .errors import StorageFullError

    text = str(exc).lower()
    if "full" in text:
        return StorageFullError(f"the disk holding {path} is full; free space and try again (nothing was written)",
                                message_vi=f"ổ đĩa chứa {path} đã đầy; hãy giải phóng dung lượng rồi thử lại (chưa ghi gì)")
    if "readonly" in text or "read-only" in text or "permission" in text or "unable to open" in text:
        return VaultError(f"{path} cannot be written: the file or its folder is read-only or belongs to another "
                          "user (check its permissions and the file system)",
                          message_vi=f"không ghi được {path}: tệp hoặc thư mục chỉ cho phép đọc hoặc thuộc người dùng khác "
                                     "(kiểm tra quyền và hệ thống tệp)")
    return VaultDamagedError(f"the vault database {path} could not be written: {exc}",
                             message_vi=f"không ghi được cơ sở dữ liệu kho {path}: {exc}")


def self_check() -> dict[str, str]:
    """SQLCipher's version and crypto provider, from a throw-away in-memory database (for the workstation check)."""
    conn = sqlcipher3.connect(":memory:")
    try:
        version = str(conn.execute("PRAGMA cipher_version").fetchone()[0])
        conn.execute("PRAGMA key = 'self-check'")
        provider = " ".join(str(conn.execute(f"PRAGMA {p}").fetchone()[0])
                            for p in ("cipher_provider", "cipher_provider_version"))
    finally:
        conn.close()
    return {"cipher_version": version, "provider": provider}


DatabaseError = sqlcipher3.DatabaseError
Row = sqlcipher3.Row
