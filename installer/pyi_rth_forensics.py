"""Bundle start-up (a PyInstaller runtime hook, run before the entry script).

- The fonts shipped in the bundle are searched before the system's (reports look the
  same on every workstation); folders in ``FORENSICS_FONT_DIRS`` still come first.
- Child processes (the Playwright driver, the browser, ffmpeg) get the library path
  the user had, not the bundle's: the bootloader points ``LD_LIBRARY_PATH`` at the
  bundle for this process only, and a system browser must load the system's libraries.
- Qt is set up the way PyInstaller's PySide6 hook does it (the spec leaves that hook out),
  except that the hook imports QtCore at every start: here Qt's plug-in paths are set
  now and its relocating ``qt.conf`` is registered when ``PySide6.QtCore`` is first
  imported, so a command-line run never loads Qt (about a third of its start-up).
"""

import importlib.abc
import importlib.util
import os
import sys


def _setup() -> None:
    base = getattr(sys, "_MEIPASS", os.path.dirname(sys.executable))
    fonts = os.path.join(base, "fonts")
    if os.path.isdir(fonts):
        dirs = [p for p in os.environ.get("FORENSICS_FONT_DIRS", "").split(os.pathsep) if p]
        if fonts not in dirs:
            os.environ["FORENSICS_FONT_DIRS"] = os.pathsep.join([*dirs, fonts])
    if sys.platform.startswith("linux"):
        original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
        if original is not None:
            os.environ["LD_LIBRARY_PATH"] = original
        else:
            os.environ.pop("LD_LIBRARY_PATH", None)



class _QtConfOnFirstImport(importlib.abc.MetaPathFinder):
    """Runs PyInstaller's qt.conf registration right after ``PySide6.QtCore`` is first loaded."""

    def __init__(self, qt_dir: str) -> None:
        self.qt_dir = qt_dir

    def find_spec(self, name, path=None, target=None):  # type: ignore[no-untyped-def]
        if name != "PySide6.QtCore":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        loader = spec.loader if spec is not None else None
        if loader is None:
            return spec
        load = loader.exec_module
        qt_dir = self.qt_dir

        def exec_module(module):  # type: ignore[no-untyped-def]
            load(module)
            try:
                from _pyi_rth_utils import qt as rth_qt
            except ImportError:
                return
            rth_qt.create_embedded_qt_conf("PySide6", qt_dir)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _qt(base: str) -> None:
    if not os.path.isdir(os.path.join(base, "PySide6")):
        return
    qt_dir = os.path.join(base, "PySide6") if sys.platform.startswith("win") else os.path.join(base, "PySide6", "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(qt_dir, "plugins")
    os.environ["QML2_IMPORT_PATH"] = os.path.join(qt_dir, "qml")
    if sys.platform.startswith("win"):  # QtNetwork finds OpenSSL DLLs collected next to the packages
        os.environ["PATH"] = os.pathsep.join([base, os.environ.get("PATH", "")])
    elif sys.platform == "darwin" and ".app/Contents/" not in base:
        os.environ["DYLD_LIBRARY_PATH"] = os.pathsep.join(p for p in (base, os.environ.get("DYLD_LIBRARY_PATH")) if p)
    sys.meta_path.insert(0, _QtConfOnFirstImport(qt_dir))


_setup()
_qt(getattr(sys, "_MEIPASS", os.path.dirname(sys.executable)))
