"""The desktop application (PySide6): a thin shell over ``forensics_app.services``.

Widgets show and collect; the work is service calls run by :mod:`.jobs` off the
GUI thread. Every visible text comes from :mod:`.texts` in Vietnamese and English.
"""
