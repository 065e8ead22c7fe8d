"""Messages as evidence: e-mail containers (EML, mbox, Maildir, PST/OST, MSG) and chat exports.

Collectors here produce artifacts and never write the vault. E-mail: each
message becomes a ``message`` artifact under its ``mailbox`` container, with its
attachments as ``attachment`` children (see :mod:`.rfc822` for the data contract
and :mod:`.sources` for what a path can hold). Chat exports: see :mod:`.chat`.
"""
