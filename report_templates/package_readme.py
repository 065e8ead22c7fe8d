"""The short bilingual README at the top of an evidence package: what is inside, how to check it."""

from __future__ import annotations

from .text import plain

LAYOUT = (
    ("evidence/", "bản sao đã giải mã của các mục chứng cứ (tên gốc ghi trong manifest.json)",
     "decrypted copies of the evidence items (original names are in manifest.json)"),
    ("captures/", "các lần thu thập trang web dưới dạng WACZ", "web captures as WACZ archives"),
    ("reports/", "báo cáo, biên bản (PDF)", "reports and minutes (PDF)"),
    ("custody/", "trích lục nhật ký lưu giữ, điểm kiểm tra đã ký, bằng chứng bao hàm, niêm phong gói",
     "custody-log extract, signed checkpoints, inclusion proofs, package seal"),
    ("timestamps/", "dấu thời gian tin cậy RFC 3161 (.tsr) và chuỗi chứng thư (.pem)",
     "RFC 3161 trusted timestamps (.tsr) and their certificate chains (.pem)"),
    ("case.jsonld", "mô tả CASE/UCO (JSON-LD) của vụ việc và chứng cứ", "CASE/UCO (JSON-LD) description"),
    ("manifest.json", "danh mục mọi tệp: đường dẫn, tên gốc, kích thước, SHA-256, BLAKE3, mục chứng cứ",
     "list of every file: path, original name, size, SHA-256, BLAKE3, evidence item"),
    ("SHA256SUMS, B3SUMS", "giá trị băm của mọi tệp (sha256sum -c, b3sum -c)",
     "hashes of every file (sha256sum -c, b3sum -c)"),
)


def readme_text(*, case_number: str, case_title: str, package_id: str, created_at: str, examiner: str,
                verifier_key: str, checkpoint_size: int, checkpoint_root: str, tokens: list[str]) -> str:
    """Plain UTF-8 text (no markup), Vietnamese first then English."""
    lines = [
        "GÓI CHỨNG CỨ ĐIỆN TỬ / ELECTRONIC EVIDENCE PACKAGE",
        "=" * 50,
        "",
        f"Vụ việc / Case: {plain(case_number, limit=200)} — {plain(case_title, limit=300)}",
        f"Mã gói / Package ID: {package_id}",
        f"Thời điểm lập (UTC) / Created (UTC): {created_at}",
        f"Cán bộ thực hiện / Examiner: {plain(examiner, limit=200)}",
        f"Điểm kiểm tra nhật ký / Custody checkpoint: {checkpoint_size} bản ghi / entries, root {checkpoint_root}",
        f"Khoá kiểm tra / Verifier key: {verifier_key}",
        "",
        "NỘI DUNG / CONTENTS",
        "-" * 50,
    ]
    for path, vi, en in LAYOUT:
        lines += [f"{path}", f"    {vi}", f"    {en}"]
    lines += [
        "",
        "CÁCH KIỂM TRA (không cần kho chứng cứ, không cần mật khẩu)",
        "HOW TO VERIFY (no vault and no passphrase needed)",
        "-" * 50,
        "1. Giá trị băm của mọi tệp / Every file's hashes:",
        "       sha256sum -c SHA256SUMS",
        "       b3sum -c B3SUMS",
        "2. Toàn bộ gói (tệp, danh mục, bằng chứng bao hàm, chữ ký, dấu thời gian)",
        "   The whole package (files, manifest, inclusion proofs, signatures, timestamps):",
        "       forensics verify-package .",
        "       forensics verify-package . --verifier-key '<khoá in trong báo cáo / key printed in the report>'",
        "3. Bằng chứng bao hàm của nhật ký / Custody-log inclusion proofs:",
        "       forensics custody verify-proof custody/proofs.json",
        "4. Dấu thời gian tin cậy bằng OpenSSL / Trusted timestamps with OpenSSL:",
    ]
    lines += [f"       {command}" for command in tokens] or [
        "       (không có dấu thời gian / no timestamp in this package)"]
    lines += [
        "",
        "Khoá kiểm tra và giá trị băm gốc phải trùng với khoá và giá trị in trong báo cáo, biên bản đã ký.",
        "The verifier key and root hash must match those printed in the signed report or minutes.",
        "Chứng thư gốc của tổ chức cấp dấu thời gian phải được đối chiếu với chứng thư do tổ chức đó công bố.",
        "The timestamp authority's root certificate must be compared with the one the authority publishes.",
        "",
    ]
    return "\n".join(lines)
