"""The checks ``forensics doctor`` runs, one function per component.

Each takes the :class:`Context` and returns ``(status, (summary_en, summary_vi), (fix_en, fix_vi), data)``;
``services.doctor`` runs them and turns them into findings. The checks that look at this machine
rather than at the toolkit's parts (desktop libraries, vault folder, clock) are in ``doctor_system``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Result = tuple[str, tuple[str, str], tuple[str, str], dict[str, Any]]
NO_FIX = ("", "")
# Argon2id v=19, t=2, m=256 KiB, p=1 of "password" salted "somesalt": the reference implementation's test vector
ARGON2ID_KAT = bytes.fromhex("9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe")
MIN_FREE_BYTES = 1 << 30
CLOCK_TOLERANCE_MS = 1000.0


@dataclass(frozen=True)
class Context:
    vault: Path
    ntp_server: str
    browser_setting: str = ""
    offer_download: bool = True
    bundle: Path | None = None


COMPONENTS: dict[str, tuple[str, str]] = {
    "tool": ("Toolkit build", "Bản dựng công cụ"),
    "browser": ("Browser for web capture", "Trình duyệt thu thập trang web"),
    "playwright": ("Browser driver (Playwright)", "Trình điều khiển trình duyệt (Playwright)"),
    "ffmpeg": ("ffmpeg (video of captures)", "ffmpeg (quay video phiên thu thập)"),
    "fonts": ("Report fonts (Vietnamese)", "Phông chữ báo cáo (tiếng Việt)"),
    "tsk": ("The Sleuth Kit (pytsk3)", "The Sleuth Kit (pytsk3)"),
    "libewf": ("E01 images (libewf)", "Ảnh đĩa E01 (libewf)"),
    "image_formats": ("VMDK, VHD and QCOW images", "Ảnh đĩa VMDK, VHD và QCOW"),
    "sqlcipher": ("SQLCipher (vault database)", "SQLCipher (cơ sở dữ liệu kho chứng cứ)"),
    "crypto": ("Encryption and hashing", "Mã hoá và hàm băm"),
    "reports": ("Reports and digital signatures", "Báo cáo và chữ ký số"),
    "web": ("Web capture parts (recording proxy, WARC)", "Thành phần thu thập trang web (proxy ghi, WARC)"),
    "social": ("Social-media post readers", "Bộ đọc bài đăng mạng xã hội"),
    "helpers": ("Helper processes (every core)", "Tiến trình phụ (dùng mọi lõi)"),
    "qt": ("Desktop app (Qt)", "Ứng dụng máy tính (Qt)"),
    "vault": ("Vault location", "Vị trí kho chứng cứ"),
    "clock": ("Clock offset", "Độ lệch đồng hồ"),
}


def _reinstall(ctx: Context) -> tuple[str, str]:
    if ctx.bundle is not None:
        return ("The installed toolkit is incomplete: reinstall it from the original package.",
                "Bộ cài công cụ không đầy đủ: cài lại từ gói gốc.")
    return ("Run `make setup` in the source tree (or `pip install -e '.[all]'`).",
            "Chạy `make setup` trong thư mục mã nguồn (hoặc `pip install -e '.[all]'`).")


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def run_quiet(args: list[str], timeout: float = 20) -> tuple[int, str]:
    """Run a helper program: (exit code, first output line), or (-1, why it did not run)."""
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False, errors="replace")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return -1, str(exc)
    text = (out.stdout or out.stderr).strip()
    return out.returncode, text.splitlines()[0] if text else ""


def check_imports(ctx: Context, modules: dict[str, str], what: tuple[str, str]) -> Result:
    """Import each module; versions from the distributions named in ``modules``."""
    versions, missing = {}, []
    for module, dist in modules.items():
        try:
            importlib.import_module(module)
        except Exception as exc:  # ImportError, or a native library that does not load
            missing.append(f"{module} ({type(exc).__name__}: {exc})")
            continue
        versions[dist] = _version(dist)
    listed = ", ".join(f"{d} {v}" for d, v in versions.items())
    if missing:
        gone = "; ".join(missing)
        return "fail", (f"{what[0]} cannot run, missing: {gone}", f"{what[1]} không chạy được, thiếu: {gone}"), \
            _reinstall(ctx), {"versions": versions, "missing": missing}
    return "ok", (listed, listed), NO_FIX, {"versions": versions}


def check_tool(ctx: Context) -> Result:
    from .environment import code_sha256, tool_identity

    ident = tool_identity()
    short = ident["code_sha256"][:16]
    if ctx.bundle is None:
        text = f"{ident['version']} from the source tree, code SHA-256 {short}… (computed from the sources)"
        vi = f"{ident['version']} chạy từ mã nguồn, SHA-256 mã {short}… (tính từ mã nguồn)"
        return "ok", (text, vi), NO_FIX, dict(ident)
    stamp = ctx.bundle / "FORENSICS_CODE_SHA256"
    if not stamp.is_file():
        return "fail", ("this bundle carries no code stamp: provenance records could not name the code that made them",
                        "bản cài không có dấu mã nguồn: hồ sơ nguồn gốc không ghi được mã đã tạo ra chúng"), \
            _reinstall(ctx), dict(ident)
    return "ok", (f"{ident['version']}, bundle code SHA-256 {code_sha256()[:16]}… (stamped at build)",
                  f"{ident['version']}, SHA-256 mã của bản cài {code_sha256()[:16]}… (ghi khi dựng)"), NO_FIX, dict(ident)


def _windows_version(path: str) -> str:
    """Chrome and Edge on Windows print no ``--version``; their folder holds one named after it."""
    for entry in sorted(Path(path).parent.iterdir(), reverse=True):
        if entry.is_dir() and re.fullmatch(r"\d+\.\d+\.\d+\.\d+", entry.name):
            return f"{Path(path).stem} {entry.name}"
    return ""


def check_browser(ctx: Context) -> Result:
    from collectors.web.browser import BrowserNotFound, browser_version, discover_browser

    from .browser_setup import INSTALL_COMMAND, OTHER_BROWSER, download_offer, install_hint, major, pinned

    pin = pinned()
    try:
        choice = discover_browser(ctx.browser_setting)
    except BrowserNotFound as exc:
        offer: dict[str, Any] = download_offer() if ctx.offer_download else {"available": False, "reason": "not checked"}
        hint = install_hint()
        if offer["available"]:
            size = f", {offer['size'] / 1e6:.0f} MB" if offer.get("size") else ""
            fix = (f"Download Playwright's Chromium {pin.chromium}{size} with `{INSTALL_COMMAND}` (or the Download "
                   f"button of the app), or install one yourself. {hint[0]} {OTHER_BROWSER[0]}",
                   f"Tải Chromium {pin.chromium} của Playwright{size} bằng `{INSTALL_COMMAND}` (hoặc nút Tải về của "
                   f"ứng dụng), hoặc tự cài. {hint[1]} {OTHER_BROWSER[1]}")
        else:
            fix = (f"{hint[0]} {OTHER_BROWSER[0]} (No download possible from here: {offer['reason']}.)",
                   f"{hint[1]} {OTHER_BROWSER[1]} (Không tải về được từ máy này: {offer['reason']}.)")
        return "fail", ("no Chromium, Chrome or Edge found: web and social-media capture cannot run",
                        "không tìm thấy Chromium, Chrome hoặc Edge: không thu thập được trang web và mạng xã hội"), \
            fix, {"found": False, "error": str(exc), "download": offer, "expected": pin.chromium}
    version = _windows_version(choice.path) if sys.platform.startswith("win") else browser_version(choice.path)
    data = {"found": True, "path": choice.path, "found_by": choice.source, "version": version,
            "expected": pin.chromium, "playwright": pin.playwright}
    if not version:
        return "fail", (f"{choice.path} ({choice.source}) did not report its version: it may not start",
                        f"{choice.path} ({choice.source}) không trả lời phiên bản: có thể không khởi động được"), \
            ("Reinstall that browser, or choose another (FORENSICS_CHROMIUM or the browser_path setting).",
             "Cài lại trình duyệt đó, hoặc chọn trình duyệt khác (FORENSICS_CHROMIUM hoặc cài đặt browser_path)."), data
    have, want = major(version), major(pin.chromium)
    where = f"{version} ({choice.path}, {choice.source})"
    if have == want:
        return "ok", (f"{where}; matches Playwright {pin.playwright} (Chromium {want})",
                      f"{where}; khớp Playwright {pin.playwright} (Chromium {want})"), NO_FIX, data
    if have is not None and want is not None and have < want - 3:
        return "fail", (f"{where} is too old for Playwright {pin.playwright} (made for Chromium {want})",
                        f"{where} quá cũ so với Playwright {pin.playwright} (dành cho Chromium {want})"), \
            ("Update the browser (Debian: `sudo apt-get install --only-upgrade chromium`).",
             "Cập nhật trình duyệt (Debian: `sudo apt-get install --only-upgrade chromium`)."), data
    return "warn", (f"{where}; Playwright {pin.playwright} was tested with Chromium {want}",
                    f"{where}; Playwright {pin.playwright} được kiểm thử với Chromium {want}"), \
        ("Captures usually work with a nearby version: capture a known page and check it before relying on it, "
         "or install the browser version above.",
         "Phiên bản gần thường vẫn chạy: thu thập thử một trang đã biết và kiểm tra trước khi dùng thật, "
         "hoặc cài đúng phiên bản nêu trên."), data


def check_playwright(ctx: Context) -> Result:
    """The driver (Node.js and Playwright's package) really runs, and is the one the Python side expects."""
    import json

    from playwright._impl._driver import compute_driver_executable

    from .browser_setup import pinned

    node, cli = compute_driver_executable()
    expected = str(json.loads((Path(cli).parent / "package.json").read_text("utf-8"))["version"])
    code, line = run_quiet([node, cli, "--version"], timeout=30)
    data = {"node": node, "cli": cli, "reported": line, "expected": expected, "playwright": pinned().playwright}
    if code != 0 or expected not in line:
        return "fail", (f"the Playwright driver does not run ({node}: {line or 'no output'})",
                        f"trình điều khiển Playwright không chạy ({node}: {line or 'không có kết quả'})"), \
            _reinstall(ctx), data
    text = f"Playwright {pinned().playwright}, driver {expected} runs ({node})"
    return "ok", (text, f"Playwright {pinned().playwright}, trình điều khiển {expected} chạy được ({node})"), NO_FIX, data


def check_ffmpeg(ctx: Context) -> Result:
    path = shutil.which("ffmpeg") or ""
    if not path:
        if sys.platform.startswith("win"):
            fix = ("Install ffmpeg (e.g. `winget install Gyan.FFmpeg`) and put ffmpeg.exe on PATH.",
                   "Cài ffmpeg (ví dụ `winget install Gyan.FFmpeg`) và thêm ffmpeg.exe vào PATH.")
        else:
            fix = ("Install ffmpeg (Debian/Ubuntu: `sudo apt-get install ffmpeg`).",
                   "Cài ffmpeg (Debian/Ubuntu: `sudo apt-get install ffmpeg`).")
        return "warn", ("not found: captures work, but without video of the session",
                        "không tìm thấy: vẫn thu thập được nhưng không quay video phiên"), fix, {"path": None}
    code, line = run_quiet([path, "-version"])
    if code != 0:
        return "warn", (f"{path} does not run: {line}", f"{path} không chạy: {line}"), \
            ("Reinstall ffmpeg.", "Cài lại ffmpeg."), {"path": path}
    return "ok", (f"{line} ({path})", f"{line} ({path})"), NO_FIX, {"path": path, "version": line}


def check_fonts(ctx: Context) -> Result:
    from reportlab.pdfbase import pdfmetrics

    from evidence_store import UsageError
    from report_templates.fonts import FACES, register_fonts

    try:
        register_fonts()
    except UsageError as exc:
        return "fail", (f"reports cannot be made: {exc}", f"không lập được báo cáo: {exc}"), \
            ("Install fonts-noto-core and fonts-dejavu-core, or set FORENSICS_FONT_DIRS to a folder with "
             "NotoSerif-*.ttf and DejaVuSans*.ttf.",
             "Cài fonts-noto-core và fonts-dejavu-core, hoặc đặt FORENSICS_FONT_DIRS là thư mục chứa "
             "NotoSerif-*.ttf và DejaVuSans*.ttf."), {"error": str(exc)}
    files = {face: str(getattr(pdfmetrics.getFont(face).face, "filename", "")) for face in FACES}
    inside = ctx.bundle is not None and all(Path(p).is_relative_to(ctx.bundle) for p in files.values())
    body = Path(files["Body"]).name
    where = "shipped with the toolkit" if inside else "from the system"
    where_vi = "kèm theo công cụ" if inside else "của hệ thống"
    return "ok", (f"{body} and {len(files) - 1} more faces, Vietnamese covered ({where})",
                  f"{body} và {len(files) - 1} kiểu chữ khác, đủ tiếng Việt ({where_vi})"), NO_FIX, \
        {"files": files, "bundled": inside}


def check_tsk(ctx: Context) -> Result:
    status, summary, fix, data = check_imports(ctx, {"pytsk3": "pytsk3"}, ("disk images", "ảnh đĩa"))
    if status == "ok":
        import pytsk3

        data["tsk"] = pytsk3.TSK_VERSION_STR
        summary = (f"TSK {pytsk3.TSK_VERSION_STR}, pytsk3 {data['versions']['pytsk3']}",) * 2
    return status, summary, fix, data


def _libyal(ctx: Context, modules: dict[str, str], what: tuple[str, str]) -> Result:
    status, summary, fix, data = check_imports(ctx, modules, what)
    if status == "ok":
        found = {m: importlib.import_module(m).get_version() for m in modules}
        data["library_versions"] = found
        text = ", ".join(f"{m} {v}" for m, v in found.items())
        summary = (text, text)
    return status, summary, fix, data


def check_libewf(ctx: Context) -> Result:
    return _libyal(ctx, {"pyewf": "libewf-python"}, ("E01 images", "ảnh đĩa E01"))


def check_image_formats(ctx: Context) -> Result:
    return _libyal(ctx, {"pyvmdk": "libvmdk-python", "pyvhdi": "libvhdi-python", "pyqcow": "libqcow-python"},
                   ("VMDK, VHD and QCOW images", "ảnh đĩa VMDK, VHD và QCOW"))


def check_sqlcipher(ctx: Context) -> Result:
    from evidence_store.db import self_check

    facts = self_check()
    version, provider = facts["cipher_version"], facts["provider"]
    data = {"cipher_version": version, "provider": provider, "sqlcipher3": _version("sqlcipher3")}
    if not version.startswith("4."):
        return "fail", (f"SQLCipher {version}: vaults need SQLCipher 4", f"SQLCipher {version}: kho chứng cứ cần SQLCipher 4"), \
            _reinstall(ctx), data
    return "ok", (f"SQLCipher {version} ({provider})",) * 2, NO_FIX, data


def check_crypto(ctx: Context) -> Result:
    """Not just imports: a ChaCha20-Poly1305 round trip, and BLAKE3 and Argon2id against their published answers."""
    import blake3
    from cryptography.hazmat.backends.openssl import backend
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    from evidence_store.crypto import KdfParams, derive_kek

    key, nonce = bytes(32), bytes(12)
    sealed = ChaCha20Poly1305(key).encrypt(nonce, b"doctor", None)
    ok = ChaCha20Poly1305(key).decrypt(nonce, sealed, None) == b"doctor"
    ok = ok and blake3.blake3(b"abc").hexdigest() == "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
    ok = ok and derive_kek("password", b"somesalt", KdfParams(time_cost=2, memory_kib=256, parallelism=1)) == ARGON2ID_KAT
    data = {"cryptography": _version("cryptography"), "openssl": backend.openssl_version_text(),
            "blake3": _version("blake3"), "argon2-cffi-bindings": _version("argon2-cffi-bindings")}
    text = ", ".join(f"{k} {v}" for k, v in data.items())
    if not ok:
        return "fail", (f"a known-answer test failed ({text})", f"phép thử với kết quả đã biết không đạt ({text})"), \
            _reinstall(ctx), data
    return "ok", (text, text), NO_FIX, data


def check_reports(ctx: Context) -> Result:
    return check_imports(ctx, {"reportlab": "reportlab", "pypdf": "pypdf", "pyhanko.sign": "pyHanko",
                          "rfc3161_client": "rfc3161-client", "report_templates": "forensics-toolkit"},
                    ("reports", "báo cáo"))


def check_web(ctx: Context) -> Result:
    return check_imports(ctx, {"warcprox.warcproxy": "warcprox", "warcio": "warcio", "hanzo.warctools": "warctools",
                          "ntplib": "ntplib", "dns.resolver": "dnspython", "brotli": "Brotli", "PIL.Image": "pillow",
                          "collectors.web": "playwright"}, ("web capture", "thu thập trang web"))


def check_social(ctx: Context) -> Result:
    status, summary, fix, data = check_imports(ctx, {"yt_dlp": "yt-dlp", "extruct": "extruct", "cssselect": "cssselect",
                                                     "collectors.social": "forensics-toolkit"},
                                               ("social-media capture", "thu thập mạng xã hội"))
    if status == "fail":
        return status, summary, fix, data
    from .social_health import reader_health  # every reader on the corpus of real pages

    health, (en, vi), readers = reader_health()
    fix = NO_FIX if health == "ok" else (
        "Platforms not read fully may need an update of the toolkit (or its rule files); complete such records "
        "with `forensics social annotate`.", "Nền tảng chưa đọc đầy đủ có thể cần cập nhật công cụ (hoặc tệp quy "
        "tắc); bổ sung bản ghi bằng `forensics social annotate`.")
    return health, (f"{summary[0]}; {en}", f"{summary[1]}; {vi}"), fix, {**data, **readers}


def check_helpers(ctx: Context) -> Result:
    """The app extracts, indexes and parses mail in worker threads, whose helper processes come from a fork
    server: start one, as they would, and wait for its answer."""
    import os

    from .helper_processes import helper_context, start_one_from_a_worker_thread

    cores = os.cpu_count() or 1
    if helper_context() is None:
        return "ok", ("none on this system: extraction and indexing run in the app's own process",
                      "không dùng trên hệ điều hành này: trích xuất và lập chỉ mục chạy trong tiến trình của ứng "
                      "dụng"), NO_FIX, {"cores": cores, "started": False}
    problem = start_one_from_a_worker_thread()
    if problem is None:
        return "ok", (f"start from the app's worker threads ({cores} cores)",
                      f"khởi động được từ luồng xử lý của ứng dụng ({cores} lõi)"), NO_FIX, \
            {"cores": cores, "started": True}
    return "fail", (f"cannot start from the app's worker threads: {problem}",
                    f"không khởi động được từ luồng xử lý của ứng dụng: {problem}"), \
        ("Disk extraction, indexing and mail import in the app will stop with an error; the command line "
         "(`forensics disk extract`, `forensics mail add`) starts its helpers another way (by fork) and may still "
         "work. Report this output.",
         "Trích xuất ảnh đĩa, lập chỉ mục và nhập thư trong ứng dụng sẽ dừng vì lỗi; dòng lệnh "
         "(`forensics disk extract`, `forensics mail add`) khởi động tiến trình phụ theo cách khác (fork) nên có thể "
         "vẫn dùng được. Hãy báo lại kết quả này."), \
        {"cores": cores, "started": False, "problem": problem}
