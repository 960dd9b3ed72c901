"""``lanner copilot "PROMPT" [--flow FILE] [-o FILE | --write] [--json]``: write or change a flow
with the AI copilot (the model of Lanner's ``ai:`` configuration).

The answer is validated with ``lanner validate``'s validator and repaired up to ``--max-attempts``
times. Exit 0 only when the flow written (or printed) is valid; an invalid best attempt is still
written, with a header saying so, and its errors are printed. Keys are never printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_INVALID = 1


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("prompt", help="what the flow should do, or what to change in --flow")
    parser.add_argument("--flow", metavar="FILE", help="an existing flow to change (a minimal edit)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("-o", "--output", metavar="FILE", help="write the flow there (default: print it)")
    target.add_argument("--write", action="store_true", help="overwrite the --flow file")
    parser.add_argument("--max-attempts", type=int, metavar="N", help="model calls at most (default 3)")
    parser.add_argument("--retrieval", choices=("hybrid", "lexical"),
                        help="how task types are retrieved (default: hybrid when the local embedding "
                             "model is installed)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def execute(args: argparse.Namespace) -> int:
    from lanner.copilot.redact import redact, secret_values
    from lanner.copilot.service import CopilotError, copilot_from_config
    from lanner.settings import load_settings

    section = load_settings().section("ai")
    secrets = secret_values(section)
    if args.write and not args.flow:
        print("error: --write needs --flow FILE", file=sys.stderr)
        return 2
    current = None
    if args.flow:
        try:
            current = Path(args.flow).read_text("utf-8")
        except OSError as exc:
            print(f"error: cannot read {args.flow}: {exc.strerror or exc}", file=sys.stderr)
            return 1
    try:
        copilot = copilot_from_config(section, retrieval=args.retrieval, max_attempts=args.max_attempts)
    except CopilotError as exc:
        print(redact(f"error: {exc}", secrets), file=sys.stderr)
        return 1
    try:
        result = copilot.generate(args.prompt, current)
    except CopilotError as exc:
        print(redact(f"error: {exc}", secrets), file=sys.stderr)
        return 1
    finally:
        copilot.close()
    destination = args.flow if args.write else args.output
    text = result.yaml if result.valid else marked(result)
    if destination:
        Path(destination).write_text(text, "utf-8")
    if args.json:
        data: dict[str, Any] = {**result.to_dict(), "file": destination}
        print(redact(json.dumps(data, indent=2), secrets))
    else:
        _print_human(result, text, destination, redact_with=secrets)
    return 0 if result.valid else EXIT_INVALID


def marked(result: Any) -> str:
    """An invalid best attempt, with a header no one can miss (the errors' lines shift by its
    length; they are printed re-located)."""
    header = [f"# INVALID FLOW: `lanner copilot` found no valid flow in {result.attempts} attempt(s).",
              f"# This is the best attempt; {len(result.errors)} error(s) remain (run `lanner validate`)."]
    return "\n".join(header) + "\n" + str(result.yaml)


def _print_human(result: Any, text: str, destination: str | None, *, redact_with: list[str]) -> None:
    from lanner.copilot.redact import redact
    from lanner.copilot.validation import validate

    def err(line: str = "") -> None:
        print(redact(line, redact_with), file=sys.stderr)

    if destination is None:
        print(redact(text.rstrip("\n"), redact_with))
    if result.diff:
        err(result.diff.rstrip("\n"))
    if result.explanation:
        err(result.explanation)
    name = destination or "<stdout>"
    if result.valid:
        err(f"{name}: valid flow ({result.attempts} attempt(s), {result.retrieval} retrieval)")
        return
    for issue in validate(text, name).errors:
        err(issue.located())
    err(f"{name}: INVALID after {result.attempts} attempt(s)")
