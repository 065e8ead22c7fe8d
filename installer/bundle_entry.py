"""The bundle's one entry script: ``forensics-app`` starts the desktop app, ``forensics`` the command line.

Both executables of the bundle run this script; the name they were started as
decides (``forensics-app``, ``forensics-app.exe``; the macOS app runs ``forensics-app``).
"""

import multiprocessing
import os
import sys


def main() -> None:
    # a helper process's fork server is this program started again: hand it over before anything else (the
    # desktop app's worker threads start disk readers and indexing from one: forensics_app.services.helper_processes)
    multiprocessing.freeze_support()
    name = os.path.basename(sys.executable).lower()
    if name.startswith("forensics-app"):
        from forensics_app.gui.app import entry_point
    else:
        from forensics_app.cli.main import entry_point
    entry_point()


if __name__ == "__main__":
    main()
