"""``lanner deploy FILE|DIR [--server URL]``: create or update flows on a server.

``--namespace-files DIR --namespace NS`` also uploads every file under DIR as namespace files of
NS (``{{ read('queries/load.sql') }}``, ``namespaceFiles: {enabled: true}`` in script tasks)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from lanner.cli.client import ClientError, LannerClient, add_server_options, print_json

YAML = {"Content-Type": "application/x-yaml"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, metavar="FILE|DIR",
                        help="flow files, or folders searched for *.yml / *.yaml")
    parser.add_argument("--namespace-files", type=Path, metavar="DIR",
                        help="upload every file under DIR as namespace files (needs --namespace)")
    parser.add_argument("--namespace", metavar="NS", help="namespace of the --namespace-files")
    add_server_options(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON result per flow")


def flow_files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
        else:
            found.append(path)
    return found


def _ids(source: str) -> tuple[str | None, str | None]:
    from lanner.model.loader import load_yaml

    data = load_yaml(source).data
    if not isinstance(data, dict):
        return None, None
    namespace, flow_id = data.get("namespace"), data.get("id")
    return (str(namespace) if namespace else None), (str(flow_id) if flow_id else None)


def deploy_one(client: LannerClient, source: str) -> dict[str, Any]:
    """PUT when the flow exists (a new revision only if the source changed), else POST."""
    namespace, flow_id = _ids(source)
    if namespace and flow_id:
        try:
            before = client.request("GET", f"/flows/{namespace}/{flow_id}")
        except ClientError as exc:
            if exc.status != 404:
                raise
        else:
            after = client.request("PUT", f"/flows/{namespace}/{flow_id}", content=source.encode(),
                                   headers=YAML)
            action = "unchanged" if after["revision"] == before["revision"] else "updated"
            return {"action": action, "namespace": namespace, "id": flow_id, "revision": after["revision"]}
    created = client.request("POST", "/flows", content=source.encode(), headers=YAML)
    return {"action": "created", "namespace": created["namespace"], "id": created["id"],
            "revision": created["revision"]}


def upload_namespace_files(client: LannerClient, namespace: str, root: Path) -> list[str]:
    """POST each file under ``root`` to ``/namespaces/{ns}/files?path=/relative/path``."""
    uploaded = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = "/" + path.relative_to(root).as_posix()
        with path.open("rb") as handle:
            client.request("POST", f"/namespaces/{namespace}/files", params={"path": relative},
                           files={"fileContent": (path.name, handle)})
        uploaded.append(relative)
    return uploaded


def execute(args: argparse.Namespace) -> int:
    if args.namespace_files is not None and not args.namespace:
        print("error: --namespace-files needs --namespace NS", file=sys.stderr)
        return 2
    if args.namespace_files is not None and not args.namespace_files.is_dir():
        print(f"error: no such folder: {args.namespace_files}", file=sys.stderr)
        return 1
    files = flow_files(args.paths)
    if not files and args.namespace_files is None:
        print("error: no flow file found", file=sys.stderr)
        return 1
    failures = 0
    results = []
    with LannerClient.from_args(args) as client:
        if args.namespace_files is not None:
            for relative in upload_namespace_files(client, args.namespace, args.namespace_files):
                if not args.json:
                    print(f"uploaded  {args.namespace}:{relative}")
        for path in files:
            try:
                result = deploy_one(client, path.read_text("utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                result = {"action": "failed", "error": str(exc)}
            except ClientError as exc:
                if exc.status is None or exc.status == 401:
                    raise
                result = {"action": "failed", "error": str(exc)}
            result["file"] = str(path)
            results.append(result)
            if result["action"] == "failed":
                failures += 1
                if not args.json:
                    print(f"{path}: not deployed: {result['error']}", file=sys.stderr)
            elif not args.json:
                print(f"{result['action']:<9} {result['namespace']}.{result['id']} revision "
                      f"{result['revision']} ({path})")
    if args.json:
        print_json(results)
    return 1 if failures else 0
