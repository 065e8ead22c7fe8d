"""Per-platform field accuracy of the social readers on the corpus of real saved pages.

    .venv/bin/python bench/social_accuracy.py [--corpus DIR] [--json]

Reads every page of the corpus (``fixtures/social``: pages, ``facts.json`` read by hand, origins in
its README) with the readers of this checkout and prints, per platform, the fields checked and read right,
then every mismatch (what the reader recorded instead).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    from collectors.social import health

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = health.run(args.corpus)
    if not results:
        print("no corpus found (fixtures/social or FORENSICS_SOCIAL_CORPUS)", file=sys.stderr)
        return 2
    table = health.by_platform(results)
    if args.json:
        print(json.dumps(table, indent=1))
        return 0
    print(f"{'platform':<10} {'pages':>5} {'fields read right':>18}  state   per field (right/checked)")
    for platform, entry in sorted(table.items()):
        fields = ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(entry["fields"].items()))
        print(f"{platform:<10} {entry['pages']:>5} {entry['right']:>8}/{entry['checked']:<9} {entry['state']:<7} {fields}")
    total = sum(e["right"] for e in table.values()), sum(e["checked"] for e in table.values())
    print(f"{'all':<10} {len(results):>5} {total[0]:>8}/{total[1]:<9}")
    for result in results:
        for key, got in result.got.items():
            print(f"  mismatch {result.page} {key}: recorded {got!r}")
    return 0 if total[0] == total[1] else 1


if __name__ == "__main__":
    sys.exit(main())
