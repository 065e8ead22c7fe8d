"""Bundle start-up (a PyInstaller runtime hook, run before the entry script).

- The fonts shipped in the bundle are searched before the system's (reports look the
  same on every workstation); folders in ``FORENSICS_FONT_DIRS`` still come first.
- Child processes (the Playwright driver, the browser, ffmpeg) get the library path
  the user had, not the bundle's: the bootloader points ``LD_LIBRARY_PATH`` at the
  bundle for this process only, and a system browser must load the system's libraries.
"""

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


_setup()
