"""``lanner docs generate [--out DIR] [--check]``: the task/trigger/flow reference as Markdown.

Writes ``DIR/reference/`` (default ``docs``) from the plugin classes and their JSON schemas.
``--check`` writes nothing: it exits 1 when the reference in DIR is not what would be generated
(for CI; ``tests/docs`` checks the same).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="generate")
    gen = actions.add_parser("generate", help="write the reference pages",
                             description="Write the task, trigger and flow reference (Markdown) "
                                         "under OUT/reference.")
    gen.add_argument("--out", default="docs", metavar="DIR",
                     help="documentation directory; pages go to DIR/reference (default: docs)")
    gen.add_argument("--check", action="store_true",
                     help="write nothing; exit 1 if DIR/reference is out of date")
    gen.add_argument("--third-party", action="store_true",
                     help="also document plugin types installed from other packages (entry points)")
    gen.add_argument("--json", action="store_true", help="print the result as JSON")


def execute(args: argparse.Namespace) -> int:
    from lanner.plugins.docgen import compare, generate

    out = Path(args.out)
    if args.check:
        with tempfile.TemporaryDirectory(prefix="lanner-docs-") as tmp:
            generate(Path(tmp), third_party=args.third_party)
            stale = compare(Path(tmp) / "reference", out / "reference")
        if args.json:
            print(json.dumps({"upToDate": not stale, "differs": stale}, indent=2))
        elif stale:
            print(f"{out / 'reference'} is out of date ({len(stale)} file(s)): " + ", ".join(stale[:10])
                  + (" ..." if len(stale) > 10 else ""), file=sys.stderr)
            print(f"run: lanner docs generate --out {out}", file=sys.stderr)
        else:
            print(f"{out / 'reference'} is up to date")
        return 1 if stale else 0
    written = generate(out, third_party=args.third_party)
    if args.json:
        print(json.dumps({"written": [str(p) for p in written]}, indent=2))
    else:
        print(f"wrote {len(written)} pages under {out / 'reference'}")
    return 0
