"""Benchmark: court report and evidence package of a large case, against a minimal ReportLab document.

The case has 1,000 items: 800 files (text and binary) and 200 screenshots under
20 web captures (180 of 1280x1600 px, 20 tall ones of 1280x6000 px that the
report tiles across pages). In the same run, for scale:

* a minimal ReportLab document with the same inventory table (id, name, size,
  SHA-256) and the same 200 images, each scaled onto a page (target: the court
  report within 3x of it);
* copying the same decrypted files and hashing them with ``sha256sum`` and
  ``b3sum`` (what a package must at least do).

Each phase runs in its own process so its peak memory (max RSS) is its own;
the target is under 1 GB.

    .venv/bin/python bench/report.py [--files 800] [--screenshots 200] [--keep DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "benchmark passphrase, not for evidence"


def screenshot(index: int, height: int) -> bytes:
    """A page-like PNG (bands of colour, lines of text) that differs for every index."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1280, height), "white")
    draw = ImageDraw.Draw(image)
    rng = random.Random(index)
    for y in range(0, height, 60):
        if rng.random() < 0.3:
            draw.rectangle([0, y, 1280, y + 50], fill=(rng.randrange(180, 255), rng.randrange(180, 255), 240))
        draw.text((40, y + 18), f"screenshot {index} line {y // 60} " + "lorem ipsum " * rng.randrange(2, 9),
                  fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=6)
    return out.getvalue()


def build(workdir: Path, files: int, screenshots: int) -> None:
    """The vault, and the decrypted copies the baselines use (outside any timing)."""
    os.environ["FORENSICS_KDF_PROFILE"] = "test"
    sys.path.insert(0, str(ROOT))
    from evidence_store import Vault
    from forensics_app.services.files import add_files

    source = workdir / "source"
    for index in range(files):
        folder = source / f"thư mục {index // 100:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        if index % 2:
            (folder / f"tệp {index:04d}.txt").write_text(f"Nội dung tệp {index}\n" * (20 + index % 200), "utf-8")
        else:
            (folder / f"dữ liệu {index:04d}.bin").write_bytes(os.urandom(2048 + (index * 97) % 60000))
    vault = Vault.create(workdir / "vault", PASSPHRASE, "Nguyễn Văn Kiểm", position="Điều tra viên",
                         agency="Công an tỉnh Thử Nghiệm", unit="Phòng An ninh mạng")
    case = vault.create_case("BENCH-001", "Vụ việc đo hiệu năng / Benchmark case")
    add_files(vault, case.id, [source])
    images = workdir / "images"
    images.mkdir()
    per_capture = max(1, screenshots // 20)
    made = 0
    for capture in range(-(-screenshots // per_capture)):
        url = f"https://social.example.vn/post/{capture}"
        with vault.batch(case) as batch:
            parent = batch.add_record(kind="web_capture", name=url, source=url, metadata={"provenance": {
                "requested_url": url, "final_url": url, "http_status": 200, "title": f"Bài đăng {capture}",
                "started_at": "2026-11-30T02:00:00.000000Z", "ended_at": "2026-11-30T02:00:30.000000Z"}})
            for _ in range(per_capture):
                if made == screenshots:
                    break
                height = 6000 if made % 10 == 9 else 1600
                data = screenshot(made, height)
                (images / f"{made:03d}.png").write_bytes(data)
                batch.add_content(io.BytesIO(data), kind="screenshot", name=f"screenshot-{made:03d}.png",
                                  source=url, parent=parent, media_type="image/png")
                made += 1
    items = vault.list_items(case.id)
    rows = [[str(i.id), i.name, str(i.size or ""), i.sha256 or ""] for i in items]
    (workdir / "table.json").write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
    copies = workdir / "copies"
    for item in items:
        if item.has_content:
            target = copies / f"{item.id:05d}"
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(b"".join(vault.read_item(item)))
    vault.close()
    print(f"built: {len(items)} items ({sum(1 for i in items if i.kind == 'screenshot')} screenshots)", flush=True)


def phase_court(workdir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from evidence_store import Vault
    from forensics_app.services.reports import ReportOptions, generate_report

    with Vault.open(workdir / "vault", PASSPHRASE) as vault:
        result = generate_report(vault, "BENCH-001", workdir / "court.pdf", ReportOptions(kind="court", lang="vi"))
    print(json.dumps({"pages": result.pages, "bytes": result.item.size}))


def phase_package(workdir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from evidence_store import Vault
    from forensics_app.services.export import export_package

    with Vault.open(workdir / "vault", PASSPHRASE) as vault:
        result = export_package(vault, "BENCH-001", workdir / "package")
    print(json.dumps({"files": result.files, "bytes": result.bytes}))


def phase_minimal(workdir: Path) -> None:
    """What a minimal ReportLab script does with the same table and the same images."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, PageBreak, SimpleDocTemplate, Table, TableStyle

    rows = json.loads((workdir / "table.json").read_text("utf-8"))
    table = Table([["ID", "Name", "Size", "SHA-256"]] + rows, repeatRows=1,
                  colWidths=[12 * mm, 50 * mm, 18 * mm, 95 * mm])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "Helvetica", 6), ("GRID", (0, 0), (-1, -1), 0.3, "grey")]))
    story = [table, PageBreak()]
    doc = SimpleDocTemplate(str(workdir / "minimal.pdf"), pagesize=A4)
    for path in sorted((workdir / "images").glob("*.png")):
        image = Image(str(path))
        scale = min((doc.width - 12) / image.imageWidth, (doc.height - 24) / image.imageHeight)  # frame padding
        image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
        story += [image, PageBreak()]
    doc.build(story)
    print(json.dumps({"bytes": (workdir / "minimal.pdf").stat().st_size}))


def phase_copy(workdir: Path) -> None:
    """The floor for a package: copy the decrypted files, then sha256sum and b3sum over them."""
    target = workdir / "plain-copy"
    shutil.copytree(workdir / "copies", target)
    names = sorted(p.name for p in target.iterdir())
    for tool in ("sha256sum", "b3sum"):
        with (target / f"{tool}.txt").open("w") as out:
            subprocess.run([tool, *names], cwd=target, stdout=out, check=True)
    print(json.dumps({"files": len(names)}))


PHASES = {"court": phase_court, "package": phase_package, "minimal": phase_minimal, "copy": phase_copy}


def run_phase(name: str, workdir: Path) -> tuple[float, float, dict[str, object]]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--phase", name, "--workdir", str(workdir)],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{done.stderr[-3000:]}")
    lines = done.stdout.strip().splitlines()
    facts = json.loads(lines[-2]) if len(lines) > 1 else {}
    peak_mb = float(lines[-1]) / 1024
    return seconds, peak_mb, facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=800)
    parser.add_argument("--screenshots", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="Work in this folder and keep it (default: a temporary one).")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        PHASES[args.phase](args.workdir)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)
        return
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="bench-report-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        start = time.perf_counter()
        build(workdir, args.files, args.screenshots)
        print(f"set-up (not timed below): {time.perf_counter() - start:.1f} s\n", flush=True)
        results = {}
        for name in ("minimal", "court", "copy", "package"):
            seconds, peak, facts = run_phase(name, workdir)
            results[name] = (seconds, peak)
            print(f"{name:<9} {seconds:8.2f} s   peak RSS {peak:7.0f} MB   {json.dumps(facts)}", flush=True)
        court, minimal = results["court"][0], results["minimal"][0]
        package, floor = results["package"][0], results["copy"][0]
        peak = max(p for _, p in results.values())
        print(f"\ncourt report / minimal ReportLab document: {court / minimal:.2f}x (target <= 3x)")
        print(f"package / copy + sha256sum + b3sum:        {package / floor:.2f}x")
        print(f"largest peak RSS: {peak:.0f} MB (target < 1024 MB)")
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
