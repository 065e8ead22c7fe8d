"""``forensics report``, ``forensics export``, ``forensics verify-package`` and ``forensics tsa …``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.table import Table

from evidence_store import UsageError
from report_templates import MinutesFields, Person

from ..services.export import ExportOptions, export_package
from ..services.report_package_verify import verify_package
from ..services.reports import ReportOptions, generate_report
from .common import cancellable, common_options, emit_json, err, is_json, opened_vault, out, progress_bar
from .trust_cmds import load_anchors, trust_options


def _person(text: str, option: str) -> Person:
    parts = [p.strip() for p in text.split(";")]
    if not parts[0]:
        raise UsageError(f"{option} needs at least a name: \"Name; position; organisation; ID document\"")
    parts += [""] * (4 - len(parts))
    return Person(name=parts[0], position=parts[1], organisation=parts[2], identity=parts[3])


@click.command("report")
@common_options
@click.argument("case_ref", metavar="CASE")
@click.option("--kind", type=click.Choice(["court", "minutes", "stats"]), default="court", show_default=True,
              help="Court report, collection minutes (one per acquisition) or periodic statistics.")
@click.option("--lang", type=click.Choice(["vi", "en"]), help="Report language (default: the language setting).")
@click.option("--out", "out_file", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The PDF to write (must not exist).")
@click.option("--items", help="Only these item IDs (comma-separated), with their parts.")
@click.option("--from", "date_from", metavar="DATE", help="Items acquired from this local date (YYYY-MM-DD).")
@click.option("--to", "date_to", metavar="DATE", help="… up to and including this local date.")
@click.option("--period", help="Instead of --from/--to: 2026, 2026-H1, 2026-Q3 or 2026-07.")
@click.option("--number", default="", help="Document number of the minutes (else dotted, to fill by hand).")
@click.option("--legal-basis", default="", help="Legal basis (default: BLTTHS Art. 87, 99, 107, 133).")
@click.option("--mandate", default="", help="Decision or request the work was done under (free text).")
@click.option("--place", default="", help="Where the work was done (default: the place setting).")
@click.option("--decision-number", default="", help="Number of the task or decision the work was done under.")
@click.option("--decision-date", default="", metavar="DATE", help="… its date (YYYY-MM-DD).")
@click.option("--decision-issuer", default="", help="… who issued it.")
@click.option("--witness", multiple=True, metavar="\"NAME; POSITION; ORGANISATION; ID\"", help="A witness (repeatable).")
@click.option("--data-holder", metavar="\"NAME; POSITION; ORGANISATION; ID\"", help="The data holder, if any.")
@click.option("--seal", default="", help="Seal or storage medium of the copy.")
@click.option("--complaints", default="", help="Statements, complaints or requests to record.")
@click.option("--account", default="", help="Account used to view the content (if logged in).")
@click.option("--copies", type=click.IntRange(1, 20), default=2, show_default=True, help="Copies of the minutes.")
@click.option("--sign-p12", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Sign the PDF (PAdES) with this PKCS#12 file; passphrase from FORENSICS_P12_PASSPHRASE.")
@click.option("--sign-token", is_flag=True,
              help="Sign the PDF (PAdES) on your PKCS#11 token, with its certificate and the chain stored on it "
                   "(you sign in to the token with its PIN: FORENSICS_TOKEN_PIN or a prompt).")
@click.option("--entity", "entity_values", multiple=True, metavar="VALUE",
              help="Court report: links between evidence for this entity (phone, account, …; repeatable).")
@click.option("--timeline-from", metavar="DATE", help="Court report: a timeline exhibit from this date (UTC).")
@click.option("--timeline-to", metavar="DATE", help="… up to and including this date.")
def report(case_ref: str, kind: str, lang: str | None, out_file: Path, items: str | None, date_from: str | None,
           date_to: str | None, period: str | None, number: str, legal_basis: str, mandate: str,
           witness: tuple[str, ...], data_holder: str | None, seal: str, complaints: str, account: str, copies: int,
           sign_p12: Path | None, sign_token: bool = False, entity_values: tuple[str, ...] = (),
           timeline_from: str | None = None, timeline_to: str | None = None, place: str = "",
           decision_number: str = "", decision_date: str = "", decision_issuer: str = "") -> int:
    """Generate a report of CASE ("all" for statistics over every case); stored in the vault and logged."""
    if decision_date:
        from datetime import date

        try:
            date.fromisoformat(decision_date)
        except ValueError:
            raise UsageError(f"--decision-date {decision_date!r} is not a date (YYYY-MM-DD)") from None
    fields = MinutesFields(number=number, legal_basis=legal_basis, mandate=mandate, place=place,
                           decision_number=decision_number, decision_date=decision_date,
                           decision_issuer=decision_issuer,
                           witnesses=tuple(_person(w, "--witness") for w in witness),
                           data_holder=_person(data_holder, "--data-holder") if data_holder else None,
                           seal=seal, complaints=complaints, account=account, copies=copies)
    passphrase = None
    if sign_p12 is not None and sign_token:
        raise UsageError("use either --sign-p12 or --sign-token, not both")
    if sign_p12 is not None:
        passphrase = os.environ.get("FORENSICS_P12_PASSPHRASE")
        if passphrase is None:
            if not sys.stdin.isatty():
                raise UsageError("no certificate passphrase: set FORENSICS_P12_PASSPHRASE")
            passphrase = str(click.prompt("Certificate passphrase", hide_input=True))
    options = ReportOptions(kind=kind, lang=lang or "", items=tuple(items.split(",")) if items else (),
                            date_from=date_from, date_to=date_to, period=period, fields=fields, sign_p12=sign_p12,
                            sign_passphrase=passphrase, entities=entity_values, timeline_from=timeline_from,
                            timeline_to=timeline_to, sign_token=sign_token)
    with opened_vault() as vault:
        result = generate_report(vault, case_ref, out_file, options)
    if is_json():
        emit_json(result.to_json())
        return 0
    out.print(f"Wrote {result.path} ({result.pages} pages), report {result.report_id}, stored as item "
              f"{result.item.id}.", highlight=False)
    out.print(f"  SHA-256 {result.item.sha256}", highlight=False)
    out.print(f"  custody checkpoint: {result.checkpoint['size']} entries", highlight=False)
    for token in result.tokens:
        if token.problem:
            err.print(f"[yellow]timestamp {token.tsa_url}:[/] {token.problem}", highlight=False)
        else:
            out.print(f"  trusted timestamp {token.gen_time} from {token.tsa_name}", highlight=False)
    return 0


@click.command("export")
@common_options
@click.argument("case_ref", metavar="CASE")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Package folder to create (new or empty); with --zip, OUT.zip.")
@click.option("--zip", "as_zip", is_flag=True, help="Write one ZIP file instead of a folder.")
@click.option("--items", help="Only these item IDs (comma-separated), with their parts.")
@click.option("--report", "report_lang", type=click.Choice(["vi", "en"]),
              help="First generate a court report of the same items in this language (stored, then packaged).")
def export(case_ref: str, out_dir: Path, as_zip: bool, items: str | None, report_lang: str | None) -> int:
    """Write an evidence package of CASE for the prosecution (logged; checkable without the vault)."""
    options = ExportOptions(items=tuple(items.split(",")) if items else (), zip=as_zip, report_lang=report_lang)
    with opened_vault() as vault, cancellable() as cancel, progress_bar("exporting") as progress:
        result = export_package(vault, case_ref, out_dir, options, progress=progress, cancel=cancel)
    if is_json():
        emit_json(result.to_json())
        return 0
    out.print(f"Wrote evidence package {result.path}: {result.items} items, {result.files} files.", highlight=False)
    out.print(f"  manifest SHA-256 {result.manifest_sha256}", highlight=False)
    for token in result.tokens:
        if token.problem:
            err.print(f"[yellow]timestamp {token.tsa_url}:[/] {token.problem}", highlight=False)
    out.print(f"Check it with: forensics verify-package {result.path}", highlight=False)
    return 0


@click.command("verify-package")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@trust_options
def verify_package_cmd(path: Path, as_json: bool, trust_files: tuple[Path, ...], fingerprints: tuple[str, ...],
                       tsa_roots: tuple[Path, ...], system_roots: bool) -> int:
    """Check an evidence package (folder or ZIP) without a vault.

    Exit 0: intact and signed by the trusted keys given; 1: problems (each listed); 4: intact, but no trusted
    key was given, so its origin is not verified.
    """
    from ..services.trust import EXIT_ORIGIN_NOT_VERIFIED

    check = verify_package(path, trust=load_anchors(trust_files, fingerprints, tsa_roots), system_roots=system_roots)
    if as_json:
        emit_json(check.to_json())
    elif check.ok:
        head = ("[green]VERIFIED[/]" if check.origin_verified else "[yellow]INTACT, ORIGIN NOT VERIFIED[/]")
        out.print(f"{head}: {check.files} files, {check.items} items, {check.proofs} custody proofs against "
                  f"checkpoint {check.checkpoint_size}, {check.timestamps} timestamp(s).", highlight=False)
        if check.origin_verified:
            out.print(f"signed by: {', '.join(check.trusted_signers)} (keys in the trust anchors given)",
                      highlight=False)
        for note in check.notes:
            out.print(f"note: {note}", highlight=False)
    else:
        out.print(f"[red]FAILED[/]: {len(check.findings)} problem(s) found", highlight=False)
        for finding in check.findings:  # one line each, whole paths: easy to read, copy and grep
            out.print(f"  [bold]{finding.code}[/] {finding.path}: {finding.message}", highlight=False,
                      soft_wrap=True)
    if not check.ok:
        return 1
    return 0 if check.origin_verified else EXIT_ORIGIN_NOT_VERIFIED


@click.group("tsa")
def tsa_group() -> None:
    """Timestamp authorities (RFC 3161): which to ask, which roots to trust; stamp the custody log."""


@tsa_group.command("add")
@common_options
@click.argument("url")
@click.option("--root", "roots", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM file with the authority's trusted root certificate (kept in the vault).")
def tsa_add(url: str, roots: tuple[Path, ...]) -> None:
    """Ask URL for timestamps from now on (added to the tsa_urls setting)."""
    from ..services.settings import set_settings, validate
    from ..services.timestamps import load_roots

    validate("tsa_urls", [url])
    pems = []
    for root in roots:
        text = root.read_text("ascii", errors="replace")
        load_roots(text)  # a clear error now rather than at the next report
        pems.append(text)
    with opened_vault() as vault:
        urls = list(vault.get_setting("tsa_urls", []) or [])
        if url not in urls:
            set_settings(vault, {"tsa_urls": urls + [url]})
        if pems:
            known = vault.get_setting("tsa_roots", [])
            known = [known] if isinstance(known, str) else list(known or [])
            set_settings(vault, {"tsa_roots": known + [p for p in pems if p not in known]})
    if is_json():
        emit_json({"added": url, "roots": len(pems)})
    else:
        out.print(f"Timestamp authority {url} added ({len(pems)} trusted root(s)).", highlight=False)


@tsa_group.command("list")
@common_options
def tsa_list() -> None:
    """The configured authorities and trusted roots."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from ..services.timestamps import cert_facts, configured_roots, configured_urls

    with opened_vault() as vault:
        urls = configured_urls(vault)
        roots = [cert_facts(r.public_bytes(Encoding.PEM).decode("ascii")) for r in configured_roots(vault)]
    if is_json():
        emit_json({"urls": urls, "roots": roots})
        return
    table = Table("trusted root", "valid until (UTC)", "SHA-256 fingerprint")
    for root in roots:
        table.add_row(root["subject"], root["not_after"], root["sha256"])
    for url in urls:
        out.print(f"authority: {url}", highlight=False)
    out.print(table)


@tsa_group.command("stamp")
@common_options
def tsa_stamp() -> int:
    """Sign a custody checkpoint now and have every configured authority timestamp it."""
    from ..services.custody import take_checkpoint
    from ..services.timestamps import configured_urls, timestamp_checkpoint

    with opened_vault() as vault:
        if not configured_urls(vault):
            raise UsageError("no timestamp authority configured: forensics tsa add URL --root ROOT.pem")
        point = take_checkpoint(vault)
        tokens = timestamp_checkpoint(vault, point)
    if is_json():
        emit_json({"checkpoint": point, "timestamps": [tok.to_json() | {"token": None} for tok in tokens]})
    else:
        for tok in tokens:
            state = "verified" if tok.verified else f"NOT verified ({tok.problem})"
            out.print(f"{tok.tsa_url}: {tok.gen_time or '—'} {state}", highlight=False)
    return 0 if tokens and all(tok.verified for tok in tokens) else 1


COMMANDS = [report, export, verify_package_cmd, tsa_group]
