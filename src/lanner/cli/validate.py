"""``lanner validate FILE|DIR... [--json]``: every problem of every flow, with file:line:col.

Directories are scanned recursively for ``*.yml``/``*.yaml``; YAML files that are clearly not
flows (no ``id``/``namespace``/``tasks``, e.g. a docker-compose file) are reported as skipped,
not as failures. Exit code 1 when any flow is invalid.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

FLOW_SUFFIXES = (".yml", ".yaml")
_FLOW_KEYS = ("id", "namespace", "tasks")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="FILE|DIR", help="flow files, or directories to scan")
    parser.add_argument("--json", action="store_true", help="print a JSON list, one object per file")


def execute(args: argparse.Namespace) -> int:
    files, missing = _collect([Path(p) for p in args.paths])
    reports = [_validate_file(path, explicit) for path, explicit in files]
    for path in missing:
        reports.append({"file": str(path), "valid": False, "skipped": False, "errors": [
            {"path": "", "line": None, "column": None, "message": "no such file or directory", "hint": None}],
            "warnings": []})
    if args.json:
        json.dump(reports, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_text(reports)
    return 1 if any(not r["valid"] for r in reports) else 0


def _collect(paths: list[Path]) -> tuple[list[tuple[Path, bool]], list[Path]]:
    files: list[tuple[Path, bool]] = []
    missing: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FLOW_SUFFIXES
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            files.extend((p, False) for p in found)
        elif path.is_file():
            files.append((path, True))
        else:
            missing.append(path)
    return files, missing


def _validate_file(path: Path, explicit: bool) -> dict[str, Any]:
    from lanner.plugins.flowparse import parse_flow

    report: dict[str, Any] = {"file": str(path), "valid": True, "skipped": False, "errors": [],
                              "warnings": []}
    try:
        content = path.read_bytes()
    except OSError as exc:
        report["valid"] = False
        report["errors"].append(_issue_dict_raw("", f"cannot read the file: {exc.strerror or exc}"))
        return report
    if not explicit and _not_a_flow(content):
        report["skipped"] = True
        report["reason"] = "not a flow (no `id`, `namespace` or `tasks`)"
        return report
    result = parse_flow(content, str(path))
    report["errors"] = [_issue_dict(i) for i in result.errors]
    report["warnings"] = [_issue_dict(i) for i in result.warnings]
    report["valid"] = not report["errors"]
    if report["valid"] and result.flow is not None:
        report["flow"] = {"namespace": result.flow.namespace, "id": result.flow.id}
    return report


def _not_a_flow(content: bytes) -> bool:
    """A YAML mapping without any of the flow keys (docker-compose, CI config...)."""
    from lanner.model.loader import load_yaml

    doc = load_yaml(content, expect_mapping=False)
    if not isinstance(doc.data, dict):
        return False  # unreadable or not a mapping: let the flow parser explain why
    return not any(key in doc.data for key in _FLOW_KEYS)


def _issue_dict(issue: Any) -> dict[str, Any]:
    return {"path": issue.path, "line": issue.line, "column": issue.column, "message": issue.message,
            "hint": issue.hint}


def _issue_dict_raw(path: str, message: str) -> dict[str, Any]:
    return {"path": path, "line": None, "column": None, "message": message, "hint": None}


def _print_text(reports: list[dict[str, Any]]) -> None:
    flows = errors = warnings = skipped = invalid = 0
    for report in reports:
        name = report["file"]
        if report.get("skipped"):
            skipped += 1
            print(f"{name}: skipped: {report['reason']}")
            continue
        flows += 1
        invalid += 0 if report["valid"] else 1
        for severity, items in (("error", report["errors"]), ("warning", report["warnings"])):
            for item in items:
                print(_located(name, severity, item))
        errors += len(report["errors"])
        warnings += len(report["warnings"])
        if report["valid"]:
            print(f"{name}: OK" + (f" ({len(report['warnings'])} warning(s))" if report["warnings"] else ""))
    summary = f"{flows} flow{'s' if flows != 1 else ''}, {errors} error{'s' if errors != 1 else ''}"
    if warnings:
        summary += f", {warnings} warning{'s' if warnings != 1 else ''}"
    if invalid:
        summary += f" ({invalid} invalid)"
    if skipped:
        summary += f", {skipped} skipped"
    print(summary)


def _located(name: str, severity: str, item: dict[str, Any]) -> str:
    where = name
    if item["line"] is not None:
        where += f":{item['line']}"
        if item["column"] is not None:
            where += f":{item['column']}"
    text = f"{where}: {severity}: "
    if item["path"]:
        text += f"{item['path']}: "
    text += str(item["message"])
    if item["hint"]:
        text += f" (hint: {item['hint']})"
    return text
