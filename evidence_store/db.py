"""The SQLCipher 4 database: schema and connection.

The key is passed raw (``x'…'``), derived by HKDF from the master key, so
SQLCipher's own PBKDF2 is not run on every open. WAL keeps readers and the
single writer out of each other's way; ``BEGIN IMMEDIATE`` serialises writers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlcipher3  # bundles SQLCipher 4; never mix with Debian's libsqlcipher 3

from .errors import VaultDamagedError

DB_FILE = "vault.db"
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE examiners (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    position TEXT NOT NULL DEFAULT '',
    agency TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL DEFAULT '',
    public_key BLOB NOT NULL,
    private_key BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    number TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    agency TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL DEFAULT '',
    examiner_id INTEGER REFERENCES examiners(id),
    status TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE TABLE blobs (
    name TEXT PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    cipher_size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    blake3 TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    parent_id INTEGER REFERENCES items(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    size INTEGER,
    media_type TEXT,
    sha256 TEXT,
    blake3 TEXT,
    md5 TEXT,
    sha1 TEXT,
    blob_name TEXT REFERENCES blobs(name),
    acquired_at TEXT NOT NULL,
    examiner_id INTEGER NOT NULL REFERENCES examiners(id),
    metadata TEXT NOT NULL DEFAULT '{}',
    warnings TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX items_case ON items(case_id, id);
CREATE INDEX items_parent ON items(parent_id);
CREATE TABLE custody (
    seq INTEGER PRIMARY KEY,
    entry TEXT NOT NULL,
    leaf_hash TEXT NOT NULL,
    signature TEXT NOT NULL,
    time TEXT NOT NULL,
    action TEXT NOT NULL,
    examiner_id INTEGER NOT NULL,
    case_id INTEGER,
    item_id INTEGER
);
CREATE INDEX custody_case ON custody(case_id);
CREATE INDEX custody_item ON custody(item_id);
CREATE TABLE checkpoints (
    id INTEGER PRIMARY KEY,
    size INTEGER NOT NULL,
    root TEXT NOT NULL,
    text TEXT NOT NULL,
    examiner_id INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def connect(path: Path, key: bytes, *, create: bool = False) -> Any:
    """Open (or create) the database; a wrong key or damaged file raises a clear error."""
    if not create and not path.is_file():
        raise VaultDamagedError(
            f"the vault database {path} is missing; restore it from a backup (the blobs alone cannot be read)"
        )
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        if create:
            conn.execute("BEGIN IMMEDIATE")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            conn.execute("COMMIT")
        else:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None or int(row[0]) > SCHEMA_VERSION:
                raise VaultDamagedError(f"the vault database {path} has an unknown schema")
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        if "not a database" in str(exc):
            raise VaultDamagedError(
                f"the vault database {path} cannot be decrypted with this vault's key: "
                "it is damaged or belongs to another vault"
            ) from exc
        raise VaultDamagedError(f"the vault database {path} is damaged: {exc}") from exc
    return conn


DatabaseError = sqlcipher3.DatabaseError
Row = sqlcipher3.Row
