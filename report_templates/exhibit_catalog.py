"""Every built-in exhibit renderer, registered once; the court report looks renderers up here.

The renderer modules import :mod:`.exhibits` (the registry and the helpers they share) and this module
imports them, so no module imports back into one that is still loading.
"""

from . import exhibit_kinds, message_exhibit, monitor_exhibit, social_exhibit  # noqa: F401  (each registers its kinds)
from .exhibits import registered_kinds, renderer_for

__all__ = ["registered_kinds", "renderer_for"]
