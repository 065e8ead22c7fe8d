"""Custody actions in words, and the key facts of an entry, in both languages.

The custody tab and the reports show what was done ("Thu thập mục chứng cứ"),
not the action's code (``item.acquire``), and a line of the facts that matter
(the item's name and hash, how many pages a capture run took, what setting
changed) instead of the entry's JSON. The canonical entry stays what is
verified: reports print it whole in an appendix. ``tests/test_catalogue.py``
reads every action the code logs and fails on one missing here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import MissingText, pick

#: action -> (English, Vietnamese)
ACTIONS: dict[str, tuple[str, str]] = {
    "vault.create": ("Vault created", "Tạo kho chứng cứ"),
    "vault.verify": ("Vault verified", "Kiểm tra tính toàn vẹn kho"),
    "vault.repair": ("Vault repaired (leftover files removed)", "Sửa kho (xoá tệp thừa)"),
    "vault.rekey_start": ("Vault re-keying started", "Bắt đầu đổi khoá kho"),
    "vault.rekey_resume": ("Vault re-keying resumed", "Tiếp tục đổi khoá kho"),
    "vault.rekey": ("Vault re-keyed", "Đổi khoá kho"),
    "vault.rollback_accepted": ("Restored state accepted", "Chấp nhận trạng thái đã khôi phục"),
    "examiner.add": ("Examiner added", "Thêm cán bộ"),
    "examiner.remove": ("Examiner removed", "Xoá cán bộ"),
    "keyslot.add": ("Passphrase added", "Thêm mật khẩu"),
    "keyslot.change": ("Passphrase changed", "Đổi mật khẩu"),
    "keyslot.remove": ("Passphrase removed", "Xoá mật khẩu"),
    "settings.change": ("Setting changed", "Thay đổi cài đặt"),
    "case.create": ("Case opened", "Mở vụ việc"),
    "case.update": ("Case edited", "Sửa thông tin vụ việc"),
    "case.close": ("Case closed", "Đóng vụ việc"),
    "case.reopen": ("Case reopened", "Mở lại vụ việc"),
    "case.assign": ("Examiner assigned to the case", "Phân công cán bộ vào vụ việc"),
    "case.unassign": ("Examiner's assignment to the case ended", "Bỏ phân công cán bộ khỏi vụ việc"),
    "case.owner": ("Case handed to another lead examiner", "Giao vụ việc cho cán bộ chủ trì khác"),
    "case.access_refused": ("Access to the case refused (examiner not assigned)",
                            "Từ chối truy cập vụ việc (cán bộ chưa được phân công)"),
    "item.acquire": ("Evidence acquired", "Thu thập mục chứng cứ"),
    "worker.enroll": ("Capture worker enrolled", "Đăng ký máy thu thập"),
    "worker.revoke": ("Capture worker revoked", "Thu hồi máy thu thập"),
    "remote.desk_key": ("Desk key for capture workers set", "Đặt khoá của trạm cho các máy thu thập"),
    "remote.bundle_duplicate": ("Worker result already stored (duplicate ignored)",
                                "Kết quả từ máy thu thập đã được lưu (bỏ qua bản trùng)"),
    "remote.bundle_refused": ("Worker result refused", "Từ chối kết quả từ máy thu thập"),
    "item.amend": ("Item amended", "Bổ sung mục chứng cứ"),
    "item.view": ("Item viewed", "Xem mục chứng cứ"),
    "item.export": ("Item exported (copy)", "Xuất bản sao mục chứng cứ"),
    "files.add": ("Files added", "Thêm tệp"),
    "web.capture_batch": ("Web capture run", "Đợt thu thập trang web"),
    "social.capture_batch": ("Social-media capture run", "Đợt thu thập bài đăng mạng xã hội"),
    "capture.interrupted": ("Interrupted capture cleaned up", "Dọn lần thu thập bị gián đoạn"),
    "login_profile.save": ("Login profile saved", "Lưu hồ sơ đăng nhập"),
    "login_profile.use": ("Login profile used", "Dùng hồ sơ đăng nhập"),
    "login_profile.remove": ("Login profile removed", "Xoá hồ sơ đăng nhập"),
    "disk.view": ("Disk image browsed", "Xem ảnh đĩa"),
    "disk.extract": ("Files extracted from a disk image", "Trích xuất tệp từ ảnh đĩa"),
    "mail.import": ("E-mail imported", "Nhập thư điện tử"),
    "mail.recheck": ("E-mail authenticity re-checked", "Kiểm tra lại tính xác thực thư"),
    "chat.import": ("Chat export imported", "Nhập dữ liệu trò chuyện"),
    "analysis.index": ("Evidence indexed for search", "Lập chỉ mục tìm kiếm chứng cứ"),
    "analysis.clear": ("Search index cleared", "Xoá chỉ mục tìm kiếm"),
    "entity.watch.add": ("Entity put on the watch list", "Đưa thực thể vào danh sách theo dõi"),
    "entity.watch.remove": ("Entity taken off the watch list", "Bỏ thực thể khỏi danh sách theo dõi"),
    "entity.alert.acknowledge": ("Entity alert acknowledged", "Xác nhận cảnh báo thực thể"),
    "timeline.export": ("Timeline exported", "Xuất dòng thời gian"),
    "report.generate": ("Report generated", "Lập báo cáo"),
    "package.export": ("Evidence package exported", "Xuất gói chứng cứ"),
    "package.abort": ("Evidence package abandoned", "Huỷ xuất gói chứng cứ"),
    "package.timestamp": ("Package manifest timestamped", "Đóng dấu thời gian danh mục gói chứng cứ"),
    "package.timestamp_failed": ("Package timestamp failed", "Không đóng được dấu thời gian cho gói"),
    "custody.timestamp": ("Trusted timestamp obtained", "Nhận dấu thời gian tin cậy"),
    "custody.timestamp_failed": ("Trusted timestamp failed", "Không nhận được dấu thời gian tin cậy"),
    "trust.export": ("Trust file exported", "Xuất tệp tin cậy"),
    "monitor.watch.add": ("Watch added", "Thêm mục theo dõi"),
    "monitor.watch.pause": ("Watch paused", "Tạm dừng theo dõi"),
    "monitor.watch.resume": ("Watch resumed", "Tiếp tục theo dõi"),
    "monitor.watch.remove": ("Watch removed", "Xoá mục theo dõi"),
    "monitor.check": ("Watch checked", "Kiểm tra theo dõi"),
    "monitor.check.items": ("Items of a check stored", "Lưu các mục của lần kiểm tra"),
    "monitor.alert.deliver": ("Alert delivered", "Gửi cảnh báo"),
    "monitor.alert.delivery_failed": ("Alert delivery failed", "Gửi cảnh báo thất bại"),
    "monitor.alert.read": ("Alert read", "Đọc cảnh báo"),
    "tip.add": ("Community report registered", "Tiếp nhận tin báo"),
    "tip.link": ("Community report linked to a case", "Gắn tin báo với vụ việc"),
    "tip.assess": ("Community report assessed", "Đánh giá tin báo"),
    "tip.act": ("Community report acted on", "Xử lý tin báo"),
    "tip.reporter.view": ("Reporter's identity viewed", "Xem thông tin người báo tin"),
}

#: names of the details an entry may hold, for the facts line
DETAIL_NAMES: dict[str, tuple[str, str]] = {
    "name": ("name", "tên"), "number": ("number", "số"), "title": ("title", "tên"), "key": ("setting", "cài đặt"),
    "purpose": ("purpose", "mục đích"), "report_id": ("report", "báo cáo"), "items": ("items", "số mục"),
    "urls": ("addresses", "số địa chỉ"), "file": ("file", "tệp"), "path": ("path", "đường dẫn"),
    "label": ("label", "nhãn"), "role": ("role", "vai trò"), "problems": ("problems", "số lỗi"),
    "reason": ("reason", "lý do"), "watch_id": ("watch", "mục theo dõi"), "tsa_url": ("authority", "tổ chức"),
    "checkpoint_size": ("checkpoint", "điểm kiểm tra"), "kind": ("kind", "loại"), "out": ("to", "tới"),
    "examiner": ("examiner", "cán bộ"), "from": ("from", "từ"), "to": ("to", "cho"), "by": ("as", "với tư cách"),
    "reach": ("asked for", "yêu cầu"),
}
PURPOSES = {"preview": ("shown in the preview", "xem trong khung xem trước"),
            "display": ("shown in the disk browser", "xem trong trình duyệt ảnh đĩa")}
REPORT_KINDS = {"court": ("court report", "báo cáo tổng hợp"), "minutes": ("collection minutes", "biên bản thu thập"),
                "stats": ("statistics", "báo cáo thống kê")}


def action_words(action: str, lang: str) -> str:
    """What was done, in words; a code missing from the table is a bug the catalogue test catches."""
    try:
        return pick(ACTIONS[action], lang)
    except KeyError:
        raise MissingText(f"action.{action}") from None


def facts(action: str, details: dict[str, Any], lang: str,
          setting_names: Mapping[str, tuple[str, str]] | None = None) -> str:
    """The facts of an entry that a reader wants on one line (the canonical entry holds all of them).

    ``setting_names`` words the settings a ``settings.change`` entry names (the settings service knows them)."""
    vi = lang == "vi"
    d = details or {}
    if action in ("item.acquire", "item.amend"):
        parts = [str(d.get("name") or "")]
        if d.get("sha256"):
            parts.append(f"SHA-256 {str(d['sha256'])[:16]}…")
        if d.get("reason"):
            parts.append(("lý do: " if vi else "reason: ") + str(d["reason"]))
        return "; ".join(p for p in parts if p)
    if action == "item.view":
        purpose = str(d.get("purpose") or "")
        if purpose in PURPOSES:
            return pick(PURPOSES[purpose], lang)
        if purpose.startswith("report "):
            return ("đưa vào báo cáo " if vi else "shown in report ") + purpose[7:]
        return purpose
    if action in ("web.capture_batch", "social.capture_batch"):
        captured = len(d.get("captured") or [])
        failed = len(d.get("failed") or [])
        skipped = len(d.get("skipped") or [])
        total = d.get("urls", captured + failed + skipped)
        text = (f"{captured}/{total} địa chỉ đã thu thập" if vi else f"{captured} of {total} addresses captured")
        if failed:
            text += f", {failed} " + ("thất bại" if vi else "failed")
        if skipped:
            text += f", {skipped} " + ("đã có từ trước" if vi else "already captured")
        if d.get("cancelled"):
            text += "; " + ("bị dừng" if vi else "cancelled")
        return text
    if action == "files.add":
        paths = d.get("paths") or []
        return (f"{d.get('items', 0)} mục từ " if vi else f"{d.get('items', 0)} items from ") + ", ".join(
            str(p) for p in paths[:3]) + ("…" if len(paths) > 3 else "")
    if action == "settings.change":
        key = str(d.get("key", ""))
        name = pick(setting_names[key], lang) if setting_names and key in setting_names else key
        return f"{name}: {_short(d.get('old'), lang)} → {_short(d.get('new'), lang)}"
    if action == "report.generate":
        kind = pick(REPORT_KINDS.get(str(d.get("kind")), (str(d.get("kind")), str(d.get("kind")))), lang)
        return f"{kind} {d.get('report_id', '')}; " + (f"{d.get('items', 0)} mục" if vi else f"{d.get('items', 0)} items")
    if action == "vault.verify":
        problems = d.get("problems")
        count = len(problems) if isinstance(problems, list) else problems
        if not count:
            return "không phát hiện vấn đề" if vi else "no problems found"
        return f"{count} vấn đề" if vi else f"{count} problem(s)"
    shown = []
    for key, value in d.items():
        if key in DETAIL_NAMES and value not in (None, "", [], {}):
            shown.append(f"{pick(DETAIL_NAMES[key], lang)}: {_short(value, lang)}")
    return "; ".join(shown[:4])


def _short(value: Any, lang: str, limit: int = 60) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return pick(("yes", "có") if value else ("no", "không"), lang)
    text = ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
