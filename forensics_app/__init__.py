"""Forensic evidence-collection toolkit: the desktop app, the command line and the services both call."""

# The single source of the version (pyproject.toml reads it): no importlib.metadata at
# start-up, and bundles that carry no package metadata still know what they are.
__version__ = "0.1.0"

TOOL_NAME = "forensics-toolkit"
