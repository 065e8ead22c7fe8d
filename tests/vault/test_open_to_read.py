"""Opening a vault to show it (the desktop app's start) loads no signing, ingest or blob code; the first write does.

Opening does check the log against the witnessed checkpoint (custody and Merkle code), and the X25519 key
agreement that opens a key slot loads cryptography's OpenSSL backend.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from evidence_store import Vault

from ..conftest import PASSPHRASE, assert_verifies_clean

PROBE = """
import json, sys
from pathlib import Path
from forensics_app.services import browse
from forensics_app.services.vaults import open_vault
vault = open_vault(Path(sys.argv[1]), sys.argv[2])
cases = browse.case_summaries(vault)
rows = browse.item_rows(vault, browse.ItemQuery(case_id=cases[0].id))
heavy = ("cryptography.hazmat.primitives.asymmetric.ed25519",
         "evidence_store.blobs", "evidence_store.batch", "evidence_store.hashing", "argon2", "platformdirs", "uuid",
         "sqlite3")
witnessed = "evidence_store.witness" in sys.modules  # opening checked the log against the witnessed checkpoint
before = [name for name in heavy if name in sys.modules]
vault.log("probe.write", details={"why": "the first write loads the signing code"})
after = [name for name in heavy if name in sys.modules]
print(json.dumps({"cases": len(cases), "rows": len(rows), "before": before, "after": after, "witnessed": witnessed}))
vault.close()
"""


def test_reading_loads_no_signing_code_and_the_first_write_signs(vault_dir: Path) -> None:
    with Vault.create(vault_dir, PASSPHRASE, "Trần Thị Đọc") as vault:
        case = vault.create_case("VV-READ-1", "Mở để xem / open to read")
        vault.log("case.note", case=case, details={"note": "một mục"})
    result = subprocess.run([sys.executable, "-c", PROBE, str(vault_dir), PASSPHRASE], capture_output=True, text=True,
                            timeout=120, check=True)
    report = json.loads(result.stdout)
    assert report["cases"] == 1
    assert report["before"] == [], f"opening to read loaded {report['before']}"
    assert report["witnessed"]
    assert {"cryptography.hazmat.primitives.asymmetric.ed25519"} <= set(report["after"])
    with Vault.open(vault_dir, PASSPHRASE) as check:
        assert check.custody.entries()[-1].record["action"] == "probe.write"
        assert_verifies_clean(check)
