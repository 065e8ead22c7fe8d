"""Many rows into a table by one statement: the rows travel as one JSON array that SQLite's ``json_each`` reads.

Why: ``executemany`` steps a statement per row, and each step gives Python's GIL back and waits to take it again.
While another thread of the process runs Python (indexing reads and analyses the next items while it writes),
each of those waits can last the interpreter's switch interval: measured, a writer's 3000 items took 3x longer
beside a busy thread. One statement keeps the whole insert in C: one wait, not one per row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any


def insert_rows(conn: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
                verb: str = "INSERT") -> int:
    """Insert ``rows`` (values in ``columns``' order: text, integers, None) in their order; returns how many.

    ``verb`` may be ``INSERT OR IGNORE`` or ``INSERT OR REPLACE``. Text keeps every character (NUL included)."""
    data = [list(row) for row in rows]
    if not data:
        return 0
    values = ", ".join(f"value->>{n}" for n in range(len(columns)))
    conn.execute(f"{verb} INTO {table} ({', '.join(columns)}) SELECT {values} FROM json_each(?) ORDER BY key",
                 (json.dumps(data, ensure_ascii=False, separators=(",", ":")),))
    return len(data)
