"""Forensically sound web page capture: Playwright + Chromium behind a recording proxy.

Public API (extension points for the social-media capture are marked *):

- :class:`CaptureOptions` — every option, declared once (CLI flags, forms, provenance)
- :class:`BrowserSession` — one browser for a batch; :func:`discover_browser`, :func:`launch_args`
- :class:`WebCapturer` — captures one URL into a :class:`CaptureResult` (files + provenance → artifacts)
- :func:`register_behaviour` * — page steps run before the snapshot (:class:`Behaviour`)
- ``ArtifactHook`` * — extra files added to a capture; ``ProfileProvider`` * — saved login state
- ``CaptureOptions.behaviour_settings`` * — 'name=value' settings behaviours read; ``CaptureState.proxy_url`` *
  — hooks fetch through the recording proxy; :func:`register_partial_codes` * — warnings that make a capture partial
- :func:`normalise_url`, :func:`measure_clock`
"""

from .behaviours import behaviour_names, register_behaviour
from .browser import BrowserNotFound, discover_browser, ensure_ffmpeg, launch_args
from .capture import CaptureResult, WebCapturer
from .clock import measure_clock
from .options import DEVICES, CaptureOptions, describe_options
from .provenance import register_partial_codes
from .session import BrowserSession
from .state import ArtifactHook, Behaviour, CaptureFile, CaptureState, ProfileProvider
from .urls import AddressBlocked, normalise_url

NAME = "web"

__all__ = [
    "AddressBlocked", "ArtifactHook", "Behaviour", "BrowserNotFound", "BrowserSession", "CaptureFile",
    "CaptureOptions", "CaptureResult", "CaptureState", "DEVICES", "NAME", "ProfileProvider", "WebCapturer",
    "behaviour_names", "describe_options", "discover_browser", "ensure_ffmpeg", "launch_args", "measure_clock",
    "normalise_url", "register_behaviour", "register_partial_codes",
]
