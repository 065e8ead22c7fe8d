"""Doctor checks that look at this machine rather than at the toolkit's own parts: the libraries the
desktop app's window needs, the vault folder, and the clock."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from evidence_store.sizes import human_size

from .doctor_checks import CLOCK_TOLERANCE_MS, MIN_FREE_BYTES, NO_FIX, Context, Result, check_imports

# Libraries Qt's X11 platform plugin loads from the system, and the Debian/Ubuntu package of each.
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1", "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0", "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0", "libxcb-randr.so.0": "libxcb-randr0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0", "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1", "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3", "libX11-xcb.so.1": "libx11-xcb1", "libxcb.so.1": "libxcb1",
    "libxcb-util.so.1": "libxcb-util1", "libxcb-xkb.so.1": "libxcb-xkb1", "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0", "libxcb-shm.so.0": "libxcb-shm0", "libxcb-render.so.0": "libxcb-render0",
    "libglib-2.0.so.0": "libglib2.0-0", "libfreetype.so.6": "libfreetype6", "libX11.so.6": "libx11-6",
}


def missing_window_libraries(bundle: Path | None) -> list[str]:
    """Shared libraries the X11 platform plugin needs and the loader cannot find (Linux only)."""
    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    ldd = shutil.which("ldd")
    if not plugin.is_file() or not ldd:
        return []
    env = dict(os.environ)
    if bundle is not None:  # the bundle's loader path, as the app itself runs with it
        env["LD_LIBRARY_PATH"] = os.pathsep.join(p for p in (str(bundle), env.get("LD_LIBRARY_PATH", "")) if p)
    try:
        out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=20, check=False, env=env).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return sorted({m.group(1) for m in re.finditer(r"^\s*(\S+) => not found", out, re.MULTILINE)})


def check_qt(ctx: Context) -> Result:
    status, summary, fix, data = check_imports(ctx, {"PySide6.QtWidgets": "PySide6-Essentials",
                                                "PySide6.QtSvg": "PySide6-Essentials",
                                                "PySide6.QtPdf": "PySide6-Essentials"}, ("the desktop app", "ứng dụng"))
    if status != "ok":
        return status, summary, fix, data
    import PySide6

    data["versions"] = {"PySide6": PySide6.__version__}
    display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or not sys.platform.startswith("linux")
    data["display"] = display
    note = ("" if display else "; no desktop session here (the command line works without one)",
            "" if display else "; máy này không có phiên đồ hoạ (dòng lệnh vẫn dùng được)")
    if sys.platform.startswith("linux"):
        missing = missing_window_libraries(ctx.bundle)
        data["missing_libraries"] = missing
        if missing:
            packages = sorted({DEBIAN_PACKAGES.get(lib, lib) for lib in missing})
            names = ", ".join(missing)
            return "warn", (f"the window cannot open, missing {names}{note[0]}",
                            f"không mở được cửa sổ, thiếu {names}{note[1]}"), \
                (f"Install: `sudo apt-get install {' '.join(packages)}`.",
                 f"Cài đặt: `sudo apt-get install {' '.join(packages)}`."), data
    return "ok", (f"PySide6 {PySide6.__version__} with QtPdf{note[0]}", f"PySide6 {PySide6.__version__} có QtPdf{note[1]}"), \
        NO_FIX, data


def check_vault(ctx: Context) -> Result:
    path = ctx.vault.expanduser()
    data: dict[str, Any] = {"path": str(path)}
    choose = ("Choose another location with --vault or FORENSICS_VAULT (in the app: Create a new vault).",
              "Chọn vị trí khác bằng --vault hoặc FORENSICS_VAULT (trong ứng dụng: Tạo kho chứng cứ mới).")
    if (path / "vault.json").is_file():
        target, state = path, ("existing vault", "kho chứng cứ đã có")
    elif path.exists() and not path.is_dir():
        return "fail", (f"{path} is a file, not a folder", f"{path} là một tệp, không phải thư mục"), choose, data
    elif path.is_dir() and any(path.iterdir()):
        return "warn", (f"{path} holds other files and is not a vault: a new vault cannot be made there",
                        f"{path} có tệp khác và không phải kho chứng cứ: không tạo kho mới ở đó được"), choose, data
    else:
        target = path
        while not target.exists() and target != target.parent:
            target = target.parent
        state = ("not created yet", "chưa tạo")
    data.update({"state": state[0], "checked": str(target)})
    try:
        with tempfile.NamedTemporaryFile(dir=target, prefix=".doctor-write-test-"):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return "fail", (f"{path} ({state[0]}): cannot write in {target}: {reason}",
                        f"{path} ({state[1]}): không ghi được vào {target}: {reason}"), \
            (choose[0] + " Or ask the administrator for write access to that folder.",
             choose[1] + " Hoặc đề nghị quản trị viên cấp quyền ghi vào thư mục đó."), data
    free = shutil.disk_usage(target).free
    data["free_bytes"] = free
    if free < MIN_FREE_BYTES:
        return "warn", (f"{path} ({state[0]}): writable, but only {human_size(free, 'en')} free",
                        f"{path} ({state[1]}): ghi được, nhưng chỉ còn trống {human_size(free, 'vi')}"), \
            ("Free space or choose a larger disk before acquiring evidence.",
             "Giải phóng dung lượng hoặc chọn ổ lớn hơn trước khi thu thập chứng cứ."), data
    return "ok", (f"{path} ({state[0]}): writable, {human_size(free, 'en')} free",
                  f"{path} ({state[1]}): ghi được, còn trống {human_size(free, 'vi')}"), NO_FIX, data


def check_clock(ctx: Context) -> Result:
    from collectors.web.clock import measure_clock

    result = measure_clock(ctx.ntp_server, timeout=2.0)
    data = dict(result)
    if not result.get("checked"):
        why = result.get("error", "")
        return "warn", (f"not checked: no answer from {ctx.ntp_server or 'any time server'} ({why})",
                        f"chưa kiểm tra: {ctx.ntp_server or 'máy chủ thời gian'} không trả lời ({why})"), \
            ("Set a time server this workstation can reach: `forensics settings set ntp_server <server>` (your "
             "agency's NTP server when offline); until then captures record `clock_not_checked`.",
             "Đặt máy chủ thời gian mà máy này truy cập được: `forensics settings set ntp_server <máy chủ>` (máy "
             "chủ NTP của đơn vị khi không có Internet); đến lúc đó các lần thu thập ghi `clock_not_checked`."), data
    offset = float(result["offset_ms"])
    text = f"{offset:+.0f} ms against {ctx.ntp_server} (round trip {result['delay_ms']:.0f} ms)"
    text_vi = f"{offset:+.0f} ms so với {ctx.ntp_server} (khứ hồi {result['delay_ms']:.0f} ms)"
    if abs(offset) > CLOCK_TOLERANCE_MS:
        return "warn", (f"{text}: the clock is off by more than {CLOCK_TOLERANCE_MS / 1000:.0f} s",
                        f"{text_vi}: đồng hồ lệch quá {CLOCK_TOLERANCE_MS / 1000:.0f} giây"), \
            ("Synchronise the clock (Linux: `sudo timedatectl set-ntp true`; Windows: `w32tm /resync`). Captures "
             "record the offset either way.",
             "Đồng bộ đồng hồ (Linux: `sudo timedatectl set-ntp true`; Windows: `w32tm /resync`). Các lần thu thập "
             "vẫn ghi lại độ lệch."), data
    return "ok", (text, text_vi), NO_FIX, data

