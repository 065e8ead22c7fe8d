"""Local files and folders (logical acquisition)."""

from .local import LocalFiles, file_metadata, open_source

__all__ = ["LocalFiles", "file_metadata", "open_source"]
