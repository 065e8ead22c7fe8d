"""Collectors turn a source (files, a web page, a disk image) into artifacts plus provenance.

They never write the vault: the service layer hands their artifacts to
``evidence_store``. See :mod:`collectors.base`.
"""
