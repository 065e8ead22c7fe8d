"""The vault database's tables, and the migrations that add to them.

Private to ``evidence_store``: nothing outside this package names a table or a
column. A feature that needs tables of its own appends one named migration to
:data:`MIGRATIONS` (never edits an earlier one); a vault created or opened by
this tool gets every migration it lacks, in order, each in its own transaction.
A vault holding a migration this tool does not know was written by a newer
version and is refused rather than guessed at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import VaultDamagedError, VaultVersionError

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE examiners (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    position TEXT NOT NULL DEFAULT '',
    agency TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL DEFAULT '',
    signing_alg TEXT NOT NULL,
    public_key BLOB NOT NULL,
    recipient BLOB NOT NULL,
    token TEXT,
    certificate BLOB,
    role TEXT NOT NULL DEFAULT 'examiner',
    status TEXT NOT NULL DEFAULT 'active',
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
    created_at TEXT NOT NULL,
    key_epoch INTEGER NOT NULL DEFAULT 1
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
CREATE TABLE merkle_nodes (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
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

#: (name, SQL) in the order they apply; names are permanent, append only.
MIGRATIONS: list[tuple[str, str]] = [
    # Issue 17: the full-text index, entities and the timeline (evidence_store.search_index, entity_store,
    # timeline_store). Derived from items, rebuilt by `forensics index rebuild`; encrypted with the database.
    ("0017-analysis", """
CREATE TABLE search_docs (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id),
    case_id INTEGER NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    place TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX search_docs_item ON search_docs(item_id);
CREATE VIRTUAL TABLE search_fts USING fts5(body, content='search_docs', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2');
CREATE TABLE index_items (
    item_id INTEGER PRIMARY KEY REFERENCES items(id),
    case_id INTEGER NOT NULL REFERENCES cases(id),
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    extractor TEXT NOT NULL DEFAULT '',
    chars INTEGER NOT NULL DEFAULT 0,
    indexed_at TEXT NOT NULL
);
CREATE INDEX index_items_case ON index_items(case_id, status);
CREATE TABLE entities (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    display TEXT NOT NULL,
    UNIQUE (type, value)
);
CREATE INDEX entities_value ON entities(value);
CREATE TABLE entity_occurrences (
    id INTEGER PRIMARY KEY,
    entity_id INTEGER NOT NULL REFERENCES entities(id),
    item_id INTEGER NOT NULL REFERENCES items(id),
    case_id INTEGER NOT NULL REFERENCES cases(id),
    place TEXT NOT NULL,
    snippet TEXT NOT NULL,
    rule TEXT NOT NULL,
    seen_at TEXT
);
CREATE INDEX entity_occurrences_entity ON entity_occurrences(entity_id, case_id);
CREATE INDEX entity_occurrences_item ON entity_occurrences(item_id);
CREATE INDEX entity_occurrences_case ON entity_occurrences(case_id, entity_id);
CREATE TABLE entity_watch (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL,
    examiner_id INTEGER NOT NULL REFERENCES examiners(id),
    UNIQUE (type, value)
);
CREATE TABLE entity_alerts (
    id INTEGER PRIMARY KEY,
    watch_id INTEGER NOT NULL REFERENCES entity_watch(id),
    case_id INTEGER NOT NULL REFERENCES cases(id),
    item_id INTEGER NOT NULL REFERENCES items(id),
    place TEXT NOT NULL,
    snippet TEXT NOT NULL,
    created_at TEXT NOT NULL,
    acknowledged_at TEXT,
    UNIQUE (watch_id, item_id, place)
);
CREATE INDEX entity_alerts_open ON entity_alerts(acknowledged_at, id);
CREATE TABLE timeline_events (
    case_id INTEGER NOT NULL,
    time_us INTEGER NOT NULL,
    id INTEGER NOT NULL,
    item_id INTEGER,
    end_us INTEGER NOT NULL,
    precision TEXT NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    timestamp_desc TEXT NOT NULL,
    message TEXT NOT NULL,
    extra TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (case_id, time_us, id)
) WITHOUT ROWID;
CREATE INDEX timeline_events_item ON timeline_events(item_id);
CREATE INDEX timeline_events_keys ON timeline_events(case_id, time_us, source, kind, item_id);
CREATE TABLE analysis_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)
"""),
    # Issue 15: the monitoring desk (evidence_store.monitor_store, tip_store): watches and their schedule, every
    # check, payload digests for WARC revisit records, monitoring alerts, and the community-report register.
    ("0015-monitoring", """
CREATE TABLE monitor_watches (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    target TEXT NOT NULL,
    kind TEXT NOT NULL,
    config TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    health TEXT NOT NULL DEFAULT 'ok',
    failures INTEGER NOT NULL DEFAULT 0,
    gone_streak INTEGER NOT NULL DEFAULT 0,
    removed_at TEXT,
    next_due TEXT,
    last_run TEXT,
    last_change TEXT,
    baseline_item_id INTEGER REFERENCES items(id),
    created_at TEXT NOT NULL,
    examiner_id INTEGER NOT NULL REFERENCES examiners(id)
);
CREATE INDEX monitor_watches_due ON monitor_watches(status, next_due);
CREATE TABLE monitor_runs (
    id INTEGER PRIMARY KEY,
    watch_id INTEGER NOT NULL REFERENCES monitor_watches(id),
    due_at TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    capture_item_id INTEGER REFERENCES items(id),
    items TEXT NOT NULL DEFAULT '[]',
    facts TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX monitor_runs_watch ON monitor_runs(watch_id, id);
CREATE INDEX monitor_runs_status ON monitor_runs(status);
CREATE TABLE monitor_payloads (
    digest TEXT PRIMARY KEY,
    record_id TEXT NOT NULL,
    url TEXT NOT NULL,
    warc_date TEXT NOT NULL,
    item_id INTEGER NOT NULL REFERENCES items(id)
);
CREATE TABLE monitor_alerts (
    id INTEGER PRIMARY KEY,
    watch_id INTEGER NOT NULL REFERENCES monitor_watches(id),
    case_id INTEGER NOT NULL REFERENCES cases(id),
    run_id INTEGER REFERENCES monitor_runs(id),
    item_id INTEGER REFERENCES items(id),
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT,
    delivered TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX monitor_alerts_open ON monitor_alerts(read_at, id);
CREATE TABLE tips (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    received_at TEXT NOT NULL,
    channel TEXT NOT NULL,
    reporter TEXT NOT NULL DEFAULT '{}',
    urls TEXT NOT NULL DEFAULT '[]',
    text TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'received',
    outcome TEXT,
    assessor_id INTEGER REFERENCES examiners(id),
    note TEXT NOT NULL DEFAULT '',
    case_id INTEGER REFERENCES cases(id),
    attachments TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    examiner_id INTEGER NOT NULL REFERENCES examiners(id)
);
CREATE INDEX tips_status ON tips(status, received_at)
"""),
    # Issue 17: the index pieces' facts (item, case, kind, place) in a narrow table of their own, so a search
    # filters and orders its matches without reading the pieces' text (search_docs pages hold the text).
    ("0017-analysis-search-meta", """
CREATE TABLE search_meta (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL,
    case_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    place TEXT NOT NULL
);
CREATE INDEX search_meta_case ON search_meta(case_id, kind);
INSERT INTO search_meta (id, item_id, case_id, kind, place) SELECT id, item_id, case_id, kind, place FROM search_docs
"""),
    # Issue 19: capture workers (evidence_store.remote_store): the workers' keys an examiner enrolled (pinned by their
    # worker.enroll custody entries), the desk's own age key that bundles are sealed to, and every task dispatched
    # to the workers with what became of it (exactly once: a task id is stored once, whatever the redeliveries).
    ("0019-scale-out", """
CREATE TABLE remote_workers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    alg TEXT NOT NULL,
    public_key BLOB NOT NULL UNIQUE,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    enrolled_at TEXT NOT NULL,
    examiner_id INTEGER NOT NULL REFERENCES examiners(id),
    enrol_seq INTEGER NOT NULL,
    revoked_at TEXT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE remote_desk_keys (
    id INTEGER PRIMARY KEY,
    public_key TEXT NOT NULL UNIQUE,
    private_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active'
);
CREATE TABLE remote_tasks (
    task_id TEXT PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    batch TEXT NOT NULL,
    target TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    status TEXT NOT NULL,
    item_id INTEGER REFERENCES items(id),
    worker TEXT NOT NULL DEFAULT '',
    worker_fingerprint TEXT NOT NULL DEFAULT '',
    bundle_sha256 TEXT NOT NULL DEFAULT '',
    dispatched_at TEXT NOT NULL,
    dispatches INTEGER NOT NULL DEFAULT 1,
    finished_at TEXT,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX remote_tasks_batch ON remote_tasks(case_id, batch);
CREATE INDEX remote_tasks_status ON remote_tasks(status, dispatched_at)
"""),
    # Issue 17: who may see a case's content in searches, entity cards and alerts (evidence_store.case_access):
    # the examiners assigned to a case besides its lead (cases.examiner_id, the owner). Changes are custody entries.
    ("0017-case-access", """
CREATE TABLE case_examiners (
    case_id INTEGER NOT NULL REFERENCES cases(id),
    examiner_id INTEGER NOT NULL REFERENCES examiners(id),
    added_at TEXT NOT NULL,
    added_by INTEGER NOT NULL REFERENCES examiners(id),
    PRIMARY KEY (case_id, examiner_id)
);
CREATE INDEX case_examiners_examiner ON case_examiners(examiner_id)
"""),
    # Issue 17: the search index keeps up to 64 MiB of new terms in memory before writing a segment (FTS5's default,
    # 1 MiB, wrote a segment every few hundred items and spent the indexing time merging them again).
    ("0017-analysis-fts-hashsize", """
INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', 67108864)
"""),
    # Issue 20: which hash of its ciphertext names each blob file. Blobs written before this are named by SHA-256
    # (the UPDATE); new ones by BLAKE3 (evidence_store.blobs.NAME_HASH: a second SHA-256 per byte kept ingest over
    # its target). verify re-hashes each file with its own.
    ("0020-blob-name-hash", """
ALTER TABLE blobs ADD COLUMN name_hash TEXT NOT NULL DEFAULT 'blake3';
UPDATE blobs SET name_hash = 'sha256'
"""),
    # Issue 19: why a task on the capture workers failed or was refused, in Vietnamese too (the desktop app shows the
    # user's language; the error column stays English). Rows from before say it in English only ('' here).
    ("0019-remote-task-error-vi", """
ALTER TABLE remote_tasks ADD COLUMN error_vi TEXT NOT NULL DEFAULT ''
"""),
]


def _statements(sql: str) -> list[str]:
    return [statement for statement in sql.split(";") if statement.strip()]


def create_schema(conn: Any) -> None:
    """A new database: the base tables, then every migration."""
    conn.execute("BEGIN IMMEDIATE")
    for statement in _statements(SCHEMA):
        conn.execute(statement)
    conn.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    conn.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    conn.execute("COMMIT")
    apply_migrations(conn, None)


def apply_migrations(conn: Any, path: Path | None) -> None:
    """Bring an existing database up to this tool's schema; refuse one from a newer tool."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None or row[0] != "2":
        raise VaultDamagedError(f"the vault database {path} has an unknown schema",
                                message_vi=f"cơ sở dữ liệu kho {path} có lược đồ không xác định")
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'migrations'").fetchone() is None:
        conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    applied = {r[0] for r in conn.execute("SELECT name FROM migrations")}
    known = {name for name, _sql in MIGRATIONS}
    unknown = sorted(applied - known)
    if unknown:
        raise VaultVersionError(
            f"the vault database {path} was changed by a newer version of this tool (schema {unknown[-1]}); "
            "install that version to open it"
        ,
            message_vi=f"cơ sở dữ liệu kho {path} đã được phiên bản mới hơn của công cụ thay đổi (lược đồ {unknown[-1]}); hãy "
                       "cài phiên bản đó để mở")
    from .canonical import iso_utc

    for name, sql in MIGRATIONS:
        if name in applied:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO migrations VALUES (?, ?)", (name, iso_utc()))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
