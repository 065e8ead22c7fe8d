"""``forensics trust …`` and the options every verifier takes to pin its anchors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .common import common_options, emit_json, is_json, opened_vault, out


def trust_options(func: Any) -> Any:
    """--trust / --fingerprint / --tsa-root / --system-roots: the anchors a verifier pins (never the evidence's own)."""
    func = click.option("--system-roots", is_flag=True,
                        help="Also trust the operating system's CA store for timestamp authorities.")(func)
    func = click.option("--tsa-root", "tsa_roots", multiple=True, type=click.Path(exists=True, dir_okay=False,
                                                                                   path_type=Path),
                        help="A trusted root certificate of a timestamp authority (PEM).")(func)
    func = click.option("--fingerprint", "fingerprints", multiple=True, metavar="FP",
                        help="A trusted key fingerprint as printed on the signed minutes (ed25519:1a2b 3c4d …).")(func)
    return click.option("--trust", "trust_files", multiple=True, type=click.Path(exists=True, dir_okay=False,
                                                                               path_type=Path),
                        help="The agency's trust file (`forensics trust export`): examiner keys, TSA roots.")(func)


def load_anchors(trust_files: tuple[Path, ...], fingerprints: tuple[str, ...], tsa_roots: tuple[Path, ...]) -> Any:
    from ..services.trust import load_trust

    return load_trust(list(trust_files), fingerprints=fingerprints, tsa_roots=tsa_roots)


@click.group("trust")
def trust_group() -> None:
    """Trust files: the keys and roots a prosecutor pins when verifying (never those inside the evidence)."""


@trust_group.command("export")
@common_options
@click.option("--out", "out_file", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The trust file to write (must not exist).")
def trust_export(out_file: Path) -> None:
    """Write this vault's trust file: every examiner's key and fingerprint, the timestamp roots, enrolled workers."""
    from ..services.trust import export_trust, write_trust

    with opened_vault() as vault:
        data = export_trust(vault)
        vault.log("trust.export", details={"file": str(out_file.resolve()),
                                           "examiners": [e["fingerprint"] for e in data["examiners"]]})
    write_trust(data, out_file)
    if is_json():
        emit_json(data)
        return
    out.print(f"Wrote {out_file}: {len(data['examiners'])} examiner key(s), {len(data['tsa_roots'])} timestamp root(s).")
    for examiner in data["examiners"]:
        out.print(f"  {examiner['name']}: {examiner['fingerprint']}", highlight=False)


COMMANDS = [trust_group]
