"""The reports step of ``forensics demo``: a court report, the collection minutes and an evidence package
of the demo case, the package then checked as a prosecutor would (no vault, no passphrase)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evidence_store import Case, Vault

from .export import export_package
from .report_package_verify import verify_package
from .reports import ReportOptions, generate_report


def run_report_step(vault: Vault, case: Case, workdir: Path, step: Any) -> bool:
    if not vault.get_setting("place"):
        vault.set_setting("place", "Địa điểm (demo)")
    reports = workdir / "reports"
    reports.mkdir(exist_ok=True)
    court = generate_report(vault, case.number, reports / "bao-cao-chung-cu.pdf", ReportOptions(kind="court", lang="vi"))
    step("court report generated, stored in the case and logged",
         {"file": str(court.path), "pages": court.pages, "item": court.item.id, "sha256": court.item.sha256})
    minutes = generate_report(vault, case.number, reports / "bien-ban-thu-thap.pdf",
                              ReportOptions(kind="minutes", lang="vi"))
    step("collection minutes generated (one per acquisition)", {"file": str(minutes.path), "pages": minutes.pages})
    package = export_package(vault, case.number, workdir / "evidence-package")
    check = verify_package(package.path)
    step("evidence package exported and checked without the vault",
         {"folder": str(package.path), "files": package.files, "ok": check.ok,
          "check": f"forensics verify-package {package.path}"})
    return check.ok
