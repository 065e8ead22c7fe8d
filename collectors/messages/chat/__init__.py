"""Chat exports (Telegram Desktop, Facebook DYI) read by registered exporter plug-ins into conversation rows."""

from .model import ROWS_FORMAT, ROWS_MEDIA_TYPE, Conversation, Row, read_rows
from .registry import ChatExporter, exporters, register_exporter

__all__ = ["ROWS_FORMAT", "ROWS_MEDIA_TYPE", "ChatExporter", "Conversation", "Row", "exporters", "read_rows",
           "register_exporter"]
