"""The bundle's one entry script: ``forensics-app`` starts the desktop app, ``forensics`` the command line.

Both executables of the bundle run this script; the name they were started as
decides (``forensics-app``, ``forensics-app.exe``; the macOS app runs ``forensics-app``).
"""

import os
import sys


def main() -> None:
    name = os.path.basename(sys.executable).lower()
    if name.startswith("forensics-app"):
        from forensics_app.gui.app import entry_point
    else:
        from forensics_app.cli.main import entry_point
    entry_point()


if __name__ == "__main__":
    main()
