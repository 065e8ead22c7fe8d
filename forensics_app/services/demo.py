"""A guided end-to-end run in a temporary vault, for a first look and for smoke tests.

Each capability adds its step here; the CLI prints the steps as they happen.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evidence_store import Vault, verify_bundle, verify_vault

from .custody import prove_item, take_checkpoint
from .disk_demo import run_disk_step
from .files import add_files
from .items import export_item
from .report_demo import run_report_step
from .web_demo import run_web_step

DEMO_PASSPHRASE = "demo-passphrase-not-for-evidence"
Step = Callable[[str, dict[str, Any]], None]


def _sample_files(folder: Path) -> Path:
    evidence = folder / "sample-evidence"
    (evidence / "tin nhắn").mkdir(parents=True)
    (evidence / "bài đăng.txt").write_text(
        "Nội dung bài đăng vi phạm (mẫu thử nghiệm).\nSample post content for the demo.\n", "utf-8")
    (evidence / "tin nhắn" / "hội thoại 01.txt").write_text("Xin chào — hello.\n" * 50, "utf-8")
    (evidence / "tin nhắn" / "rỗng.txt").write_bytes(b"")
    (evidence / "data.bin").write_bytes(bytes(range(256)) * 4096)
    return evidence


def run_demo(workdir: Path, step: Step) -> dict[str, Any]:
    vault_dir = workdir / "vault"
    vault = Vault.create(vault_dir, DEMO_PASSPHRASE, "Cán bộ Demo", position="Điều tra viên",
                         agency="Công an tỉnh (demo)", unit="Phòng An ninh mạng (demo)")
    with vault:
        step("vault created", {"path": str(vault_dir), "passphrase": DEMO_PASSPHRASE})
        case = vault.create_case("DEMO-2026-001", "Vụ việc mẫu / Demo case")
        step("case opened", {"id": case.id, "number": case.number})
        evidence = _sample_files(workdir)
        result = add_files(vault, case.id, [evidence])
        step("files acquired", {"items": len(result.items),
                                "files": [f"{i.name} {i.sha256}" for i in result.items if i.sha256]})
        first = next(i for i in result.items if i.kind == "file")
        _, written = export_item(vault, first.id, workdir / "exported")
        step("item exported (hashes re-checked on the way out)", {"file": str(written[0])})
        checkpoint = take_checkpoint(vault)
        step("custody checkpoint signed", {"checkpoint": checkpoint["checkpoint"].strip()})
        bundle = prove_item(vault, first)
        proof_path = workdir / "proof.json"
        proof_path.write_text(json.dumps(bundle, ensure_ascii=False, indent=2), "utf-8")
        problems = verify_bundle(json.loads(proof_path.read_text("utf-8")))
        step("inclusion proof checked without the vault", {"file": str(proof_path), "ok": not problems})
        web_ok = run_web_step(vault, case, workdir, step)
        disk_ok = run_disk_step(vault, case, workdir, step)
        reports_ok = run_report_step(vault, case, workdir, step)
        report = verify_vault(vault)
        step("vault verified", {"ok": report.ok, "items": report.items, "problems": len(report.problems)})
    ok = report.ok and not problems and disk_ok and reports_ok and web_ok
    return {"workdir": str(workdir), "vault": str(vault_dir), "ok": ok}
