"""The short bilingual README at the top of an evidence package: what is inside, how to check it."""

from __future__ import annotations

from collections.abc import Sequence

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
                verifier_key: str, checkpoint_size: int, checkpoint_root: str, tokens: list[str],
                fingerprints: Sequence[tuple[str, str]] = ()) -> str:
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
        "Dấu vân tay khoá ký của cán bộ / Examiners' signing-key fingerprints:",
    ]
    lines += [f"    {plain(name, limit=200)}: {fp}" for name, fp in fingerprints]
    lines += ["", "NỘI DUNG / CONTENTS", "-" * 50]
    for path, vi, en in LAYOUT:
        lines += [f"{path}", f"    {vi}", f"    {en}"]
    lines += [
        "",
        "CÁCH KIỂM TRA (không cần kho chứng cứ, không cần mật khẩu)",
        "HOW TO VERIFY (no vault and no passphrase needed)",
        "-" * 50,
        "Các khoá và chứng thư nằm trong gói chỉ chứng minh gói nhất quán với chính nó: người làm giả có thể tạo",
        "lại cả gói với khoá mới. Nguồn gốc chỉ được xác minh bằng mỏ neo lấy TỪ NGOÀI gói: tệp tin cậy do cơ quan",
        "cấp (forensics trust export), hoặc dấu vân tay in trên biên bản giấy đã ký.",
        "Keys and certificates inside the package only show it is consistent with itself: a forger can rebuild a",
        "whole package with a new key. Its origin is verified only against anchors from OUTSIDE the package: the",
        "agency's trust file (forensics trust export), or the fingerprints printed on the signed paper minutes.",
        "",
        "1. Toàn bộ gói, có ghim khoá (thoát 0 = đã xác minh, 1 = có vấn đề, 4 = nguyên vẹn nhưng CHƯA xác minh nguồn gốc)",
        "   The whole package, pinned (exit 0 = verified, 1 = problems, 4 = intact but origin NOT verified):",
        "       forensics verify-package . --trust <tệp-tin-cậy-của-cơ-quan / agency-trust-file>.json",
        "       forensics verify-package . --fingerprint '<dấu vân tay in trên biên bản / fingerprint on the minutes>'",
        "   Thêm --tsa-root <gốc.pem> hoặc --system-roots để ghim gốc của tổ chức cấp dấu thời gian.",
        "   Add --tsa-root <root.pem> or --system-roots to pin the timestamp authority's root.",
        "2. Bằng chứng bao hàm của nhật ký / Custody-log inclusion proofs:",
        "       forensics custody verify-proof custody/proofs.json --trust <agency-trust-file>.json",
        "",
        "CHỈ DÙNG CÔNG CỤ CHUẨN / WITH STANDARD TOOLS ONLY (how far they go)",
        "-" * 50,
        "3. Giá trị băm của mọi tệp (phát hiện tệp bị sửa sau khi lập gói, nhưng không phát hiện gói làm giả toàn bộ)",
        "   Every file's hashes (catches a file changed after export, not a package forged as a whole):",
        "       sha256sum -c SHA256SUMS",
        "       b3sum -c B3SUMS",
        "4. Dấu thời gian tin cậy bằng OpenSSL: chứng minh điểm kiểm tra/danh mục đã tồn tại tại thời điểm đó,",
        "   nếu tệp -CAfile là chứng thư gốc bạn tự lấy từ tổ chức cấp dấu thời gian (không phải tệp trong gói):",
        "   Trusted timestamps with OpenSSL: prove the checkpoint/manifest existed at that time, provided the",
        "   -CAfile is the authority's root certificate you obtained yourself (not the copy in the package):",
    ]
    lines += [f"       {command}" for command in tokens] or [
        "       (không có dấu thời gian / no timestamp in this package)"]
    lines += [
        "",
        "Khoá kiểm tra, giá trị băm gốc và dấu vân tay phải trùng với những gì in trong báo cáo, biên bản đã ký.",
        "The verifier key, root hash and fingerprints must match those printed in the signed report or minutes.",
        "",
    ]
    return "\n".join(lines)
