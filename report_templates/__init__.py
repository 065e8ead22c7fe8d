"""Court reports, collection minutes and periodic statistics (ReportLab), in Vietnamese and English.

Templates take a :class:`ReportContext` filled by the service layer and write a
PDF; they never open the vault. New item kinds plug in with
:func:`register_exhibit`.
"""

from .court import render_court
from .exhibit_catalog import registered_kinds, renderer_for
from .exhibits import ExhibitRenderer, register_exhibit
from .fonts import register_fonts
from .i18n import LANGS, both, check_lang, long_date, long_datetime, t
from .minutes import render_minutes
from .model import (
    CertInfo,
    CheckpointInfo,
    ContentReader,
    CustodyRow,
    MinutesFields,
    Organisation,
    Person,
    ReportContext,
    Session,
    StatsBucket,
    StatsData,
    TimestampInfo,
)
from .stats import render_stats
from .text import glyph_safe, markup, plain

RENDERERS = {"court": render_court, "minutes": render_minutes, "stats": render_stats}

__all__ = [
    "LANGS", "RENDERERS", "CertInfo", "CheckpointInfo", "ContentReader", "CustodyRow", "ExhibitRenderer",
    "MinutesFields", "Organisation", "Person", "ReportContext", "Session", "StatsBucket", "StatsData",
    "TimestampInfo", "both", "check_lang", "glyph_safe", "long_date", "long_datetime", "markup", "plain",
    "register_exhibit", "register_fonts", "registered_kinds", "render_court", "render_minutes", "render_stats",
    "renderer_for", "t",
]
