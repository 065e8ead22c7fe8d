"""Forensic evidence-collection toolkit: the desktop app, the command line and the services both call."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("forensics-toolkit")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"

TOOL_NAME = "forensics-toolkit"
