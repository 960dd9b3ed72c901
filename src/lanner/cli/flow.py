"""``lanner flow fix FILE [--write | -o OUT] [--no-ai] [--json]``: bring a legacy Kestra flow up
to date.

Removed or renamed syntax is rewritten deterministically, keeping comments and order (old type
names, legacy script tasks, ``taskDefaults``, a top-level ``schedule:``...). Whatever errors remain
go to the AI copilot when one is configured (``ai:``), unless ``--no-ai``. The diff is printed;
``--write`` overwrites FILE, ``-o`` writes elsewhere. Exit 0 when the fixed flow is valid.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    fix = actions.add_parser("fix", help="rewrite removed/renamed Kestra syntax so the flow validates",
                             description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    fix.add_argument("file", metavar="FILE", help="the flow file")
    target = fix.add_mutually_exclusive_group()
    target.add_argument("--write", action="store_true", help="overwrite FILE with the fixed flow")
    target.add_argument("-o", "--output", metavar="OUT", help="write the fixed flow to OUT")
    fix.add_argument("--no-ai", action="store_true", help="deterministic rewrites only, never the copilot")
    fix.add_argument("--max-attempts", type=int, metavar="N", help="copilot model calls at most (default 3)")
    fix.add_argument("--json", action="store_true", help="print the result as JSON")


def execute(args: argparse.Namespace) -> int:
    if args.action == "fix":
        return _fix(args)
    raise AssertionError(args.action)  # argparse only accepts the actions above


def _fix(args: argparse.Namespace) -> int:
    from lanner.copilot.fix import fix_flow
    from lanner.copilot.redact import redact, secret_values
    from lanner.copilot.service import CopilotError, copilot_from_config
    from lanner.settings import load_settings

    path = Path(args.file)
    try:
        original = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {path}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return 1
    section = load_settings().section("ai")
    secrets = secret_values(section)
    ai_note = None
    result = fix_flow(original, str(path), None)  # the rewrites that need no model
    if not result.valid and not args.no_ai and section:  # only then is the copilot built
        try:
            copilot = copilot_from_config(section, max_attempts=args.max_attempts)
        except CopilotError as exc:
            ai_note = f"the copilot is not available: {exc}"
        else:
            try:
                result = fix_flow(original, str(path), copilot)
            except CopilotError as exc:  # the model failed: the deterministic result stands
                ai_note = f"the copilot failed: {exc}"
            finally:
                copilot.close()
    destination = str(path) if args.write else args.output
    if destination and (result.changed or args.output):
        Path(destination).write_text(result.text, "utf-8")
    if args.json:
        print(redact(json.dumps(_json(result, str(path), destination, ai_note), indent=2), secrets))
    else:
        _print_human(result, str(path), destination, ai_note, args.no_ai or not section, secrets)
    return 0 if result.valid else 1


def _json(result: Any, name: str, destination: str | None, ai_note: str | None) -> dict[str, Any]:
    return {
        "file": name, "written": destination, "valid": result.valid, "changed": result.changed,
        "fixed": result.text,
        "changes": [{"line": c.line, "path": c.path, "message": c.message} for c in result.changes],
        "manual": [{"line": c.line, "path": c.path, "message": c.message} for c in result.manual],
        "copilot": result.copilot.to_dict() if result.copilot else None, "copilotUsed": result.copilot_used,
        "errors": [i.to_dict() for i in result.report.errors],
        "warnings": [i.to_dict() for i in result.report.warnings], "diff": result.diff(name), "note": ai_note,
    }


def _print_human(result: Any, name: str, destination: str | None, ai_note: str | None, no_ai: bool,
                 secrets: list[str]) -> None:
    from lanner.copilot.redact import redact

    def err(line: str) -> None:
        print(redact(line, secrets), file=sys.stderr)

    diff = result.diff(name)
    if diff:
        print(redact(diff.rstrip("\n"), secrets))
    for change in result.changes:
        err(f"{name}:{change.line}: fixed: {change.path}: {change.message}")
    for change in result.manual:
        err(f"{name}:{change.line}: not rewritten: {change.path}: {change.message}")
    if result.copilot is not None:
        state = "used" if result.copilot_used else "its answer was not valid, not used"
        err(f"copilot ({result.copilot.attempts} attempt(s)): {state}. {result.copilot.explanation}")
    if ai_note:
        err(ai_note)
    for issue in result.report.errors:
        err(issue.located())
    if result.valid:
        done = f"written to {destination}" if destination else (
            "run with --write to overwrite the file, or -o OUT" if result.changed else "nothing to change")
        err(f"{name}: valid after fixing ({done})")
    else:
        extra = " (configure `ai:` so that the copilot fixes the rest)" if no_ai and not ai_note else ""
        err(f"{name}: still INVALID, {len(result.report.errors)} error(s){extra}")
