"""Writes the artifact files the disk tests look for into a folder (called by build_images.sh).

- ``ảnh/máy ảnh.jpg``: a JPEG with EXIF camera, time and GPS (Hoan Kiem lake, Hanoi)
- ``profile/Default/History``: a Chromium history database (urls, visits, downloads)
- ``firefox/places.sqlite``: a Firefox places database (visits and a download)
- ``firefox-wal/places.sqlite`` + ``-wal``: the same in WAL mode, with one more visit only in the log
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from PIL import Image

CHROME_US = 11644473600 * 1_000_000  # microseconds from 1601 to 1970


def jpeg(path: Path) -> None:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS 80D"
    exif[0x0131] = "Firmware 1.0.2"
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2024:03:01 15:30:00"
    sub[0x9011] = "+07:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (21.0, 1.0, 44.4)
    gps[3], gps[4] = "E", (105.0, 51.0, 8.4)
    image.save(path, "JPEG", exif=exif)


def chrome(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);
        INSERT INTO meta VALUES ('version', '66');
        CREATE TABLE urls(id INTEGER PRIMARY KEY AUTOINCREMENT, url LONGVARCHAR, title LONGVARCHAR,
            visit_count INTEGER DEFAULT 0 NOT NULL, typed_count INTEGER DEFAULT 0 NOT NULL,
            last_visit_time INTEGER NOT NULL, hidden INTEGER DEFAULT 0 NOT NULL);
        CREATE TABLE visits(id INTEGER PRIMARY KEY AUTOINCREMENT, url INTEGER NOT NULL, visit_time INTEGER NOT NULL,
            from_visit INTEGER, transition INTEGER DEFAULT 0 NOT NULL, segment_id INTEGER,
            visit_duration INTEGER DEFAULT 0 NOT NULL, incremented_omnibox_typed_score BOOLEAN DEFAULT FALSE NOT NULL);
        CREATE TABLE downloads(id INTEGER PRIMARY KEY, guid VARCHAR NOT NULL, current_path LONGVARCHAR NOT NULL,
            target_path LONGVARCHAR NOT NULL, start_time INTEGER NOT NULL, received_bytes INTEGER NOT NULL,
            total_bytes INTEGER NOT NULL, state INTEGER NOT NULL, danger_type INTEGER NOT NULL,
            interrupt_reason INTEGER NOT NULL, hash BLOB NOT NULL, end_time INTEGER NOT NULL, opened INTEGER NOT NULL,
            last_access_time INTEGER NOT NULL, transient INTEGER NOT NULL, referrer VARCHAR NOT NULL,
            site_url VARCHAR NOT NULL, tab_url VARCHAR NOT NULL, tab_referrer_url VARCHAR NOT NULL,
            http_method VARCHAR NOT NULL, by_ext_id VARCHAR NOT NULL, by_ext_name VARCHAR NOT NULL,
            etag VARCHAR NOT NULL, last_modified VARCHAR NOT NULL, mime_type VARCHAR(255) NOT NULL,
            original_mime_type VARCHAR(255) NOT NULL);
        CREATE TABLE downloads_url_chains(id INTEGER NOT NULL, chain_index INTEGER NOT NULL, url LONGVARCHAR NOT NULL,
            PRIMARY KEY (id, chain_index));
    """)
    t1 = CHROME_US + 1709281800 * 1_000_000  # 2024-03-01T08:30:00Z
    conn.execute("INSERT INTO urls VALUES (1, 'https://vnexpress.net/tin-tuc', 'Tin tức mới nhất', 2, 1, ?, 0)",
                 (t1,))
    conn.execute("INSERT INTO urls VALUES (2, 'https://example.org/tai-lieu.zip', 'tải tài liệu', 1, 0, ?, 0)",
                 (t1 + 60_000_000,))
    conn.execute("INSERT INTO visits (url, visit_time, transition) VALUES (1, ?, 1)", (t1,))
    conn.execute("INSERT INTO visits (url, visit_time, transition) VALUES (1, ?, 0)", (t1 + 30_000_000,))
    conn.execute("INSERT INTO visits (url, visit_time, transition) VALUES (2, ?, 0)", (t1 + 60_000_000,))
    conn.execute("INSERT INTO downloads VALUES (1, 'guid-1', '/home/u/Downloads/tai-lieu.zip',"
                 " '/home/u/Downloads/tai-lieu.zip', ?, 4096, 4096, 1, 0, 0, x'', ?, 0, 0, 0,"
                 " 'https://example.org/', '', 'https://example.org/', '', 'GET', '', '', '', '', 'application/zip',"
                 " 'application/zip')", (t1 + 61_000_000, t1 + 62_000_000))
    conn.execute("INSERT INTO downloads_url_chains VALUES (1, 0, 'https://example.org/tai-lieu.zip')")
    conn.commit()
    conn.close()


def firefox(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url LONGVARCHAR, title LONGVARCHAR, rev_host LONGVARCHAR,
            visit_count INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0 NOT NULL, typed INTEGER DEFAULT 0 NOT NULL,
            frecency INTEGER DEFAULT -1 NOT NULL, last_visit_date INTEGER, guid TEXT);
        CREATE TABLE moz_historyvisits (id INTEGER PRIMARY KEY, from_visit INTEGER, place_id INTEGER,
            visit_date INTEGER, visit_type INTEGER, session INTEGER);
        CREATE TABLE moz_anno_attributes (id INTEGER PRIMARY KEY, name VARCHAR(32) UNIQUE NOT NULL);
        CREATE TABLE moz_annos (id INTEGER PRIMARY KEY, place_id INTEGER NOT NULL, anno_attribute_id INTEGER,
            content LONGVARCHAR, flags INTEGER DEFAULT 0, expiration INTEGER DEFAULT 0, type INTEGER DEFAULT 0,
            dateAdded INTEGER DEFAULT 0, lastModified INTEGER DEFAULT 0);
    """)
    t1 = 1709283600 * 1_000_000  # 2024-03-01T09:00:00Z
    conn.execute("INSERT INTO moz_places VALUES (1, 'https://thanhnien.vn/', 'Báo Thanh Niên', '', 1, 0, 1, 100, ?,"
                 " 'g1')", (t1,))
    conn.execute("INSERT INTO moz_places VALUES (2, 'https://example.org/anh.jpg', 'anh.jpg', '', 1, 0, 0, 100, ?,"
                 " 'g2')", (t1 + 5_000_000,))
    conn.execute("INSERT INTO moz_historyvisits VALUES (1, 0, 1, ?, 2, 0)", (t1,))
    conn.execute("INSERT INTO moz_historyvisits VALUES (2, 1, 2, ?, 7, 0)", (t1 + 5_000_000,))
    conn.execute("INSERT INTO moz_anno_attributes VALUES (1, 'downloads/destinationFileURI')")
    conn.execute("INSERT INTO moz_anno_attributes VALUES (2, 'downloads/metaData')")
    conn.execute("INSERT INTO moz_annos VALUES (1, 2, 1, 'file:///home/u/Downloads/anh.jpg', 0, 4, 3, ?, ?)",
                 (t1 + 5_000_000, t1 + 5_000_000))
    conn.execute("INSERT INTO moz_annos VALUES (2, 2, 2, '{\"state\":1,\"endTime\":1709283606000,"
                 "\"fileSize\":2048}', 0, 4, 3, ?, ?)", (t1 + 5_000_000, t1 + 5_000_000))
    conn.commit()
    conn.close()


def firefox_with_wal(folder: Path) -> None:
    """A places.sqlite in WAL mode as a running Firefox leaves it: the last visit only in ``-wal``.

    SQLite itself writes the log (wal_autocheckpoint off); the files are copied while the
    connection is open, since closing it would checkpoint the log into the database.
    """
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        db = Path(work) / "places.sqlite"
        firefox(db)
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        t2 = 1709287200 * 1_000_000  # 2024-03-01T10:00:00Z
        conn.execute("INSERT INTO moz_places VALUES (3, 'https://tuoitre.vn/chi-trong-wal', 'Chỉ có trong WAL', '',"
                     " 1, 0, 1, 100, ?, 'g3')", (t2,))
        conn.execute("INSERT INTO moz_historyvisits VALUES (3, 0, 3, ?, 1, 0)", (t2,))
        conn.commit()
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(db, folder / "places.sqlite")
        shutil.copyfile(str(db) + "-wal", folder / "places.sqlite-wal")
        conn.close()


def main() -> None:
    root = Path(sys.argv[1])
    jpeg(root / "ảnh" / "máy ảnh.jpg")
    chrome(root / "profile" / "Default" / "History")
    firefox(root / "firefox" / "places.sqlite")
    firefox_with_wal(root / "firefox-wal")


if __name__ == "__main__":
    main()
