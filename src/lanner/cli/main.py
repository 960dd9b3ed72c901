"""``lanner`` command line: one module per noun, imported only when that command runs.

Start-up time matters (``lanner --help`` and ``lanner validate`` under 0.3 s), so this module
imports nothing heavy: the command's module is imported after the command name is known.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# command -> (module, one-line help). Each module has configure(parser) and execute(args) -> int.
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("lanner.cli.validate", "Validate flow files: every error with file, line and column"),
    "run": ("lanner.cli.run", "Run a flow file to completion on this machine"),
    "server": ("lanner.cli.server", "Start the server: Kestra-compatible REST API, scheduler, executor"),
    "deploy": ("lanner.cli.remote.deploy", "Create or update flows on a server"),
    "executions": ("lanner.cli.remote.executions", "List, show, kill or restart executions on a server"),
    "backfill": ("lanner.cli.remote.backfill",
                 "Backfill a flow's Schedule trigger on a server (--dry-run lists the dates)"),
    "kv": ("lanner.cli.remote.kv", "Get, set or list KV entries on a server"),
    "copilot": ("lanner.cli.copilot", "Write or change a flow with the AI copilot (validated, repaired)"),
    "flow": ("lanner.cli.flow", "Flow tools: `lanner flow fix FILE` rewrites removed/renamed Kestra syntax"),
    "docs": ("lanner.cli.docs", "Generate the task, trigger and flow reference (Markdown) from the code"),
    "apis": ("lanner.cli.apis", "Serve fake CoinGecko/Socrata APIs for the dlt blueprints, offline"),
    "data": ("lanner.cli.data", "Generate and serve the course's NYC taxi files offline"),
    "services": ("lanner.cli.services",
                 "Start, stop and show the course's services (PostgreSQL 18) without Docker"),
}

EXIT_USAGE = 2
EXIT_INTERNAL = 3


def _base_parser() -> argparse.ArgumentParser:
    from lanner import __version__

    parser = argparse.ArgumentParser(
        prog="lanner",
        description="Lanner: run Kestra flows with Python. No JVM, no Docker.",
        epilog="Run 'lanner COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"lanner {__version__}")
    return parser


def _print_overview(parser: argparse.ArgumentParser) -> None:
    parser.print_help()
    print("\ncommands:")
    for name, (_, text) in COMMANDS.items():
        print(f"  {name:<12} {text}")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    parser = _base_parser()
    command = next((a for a in args if not a.startswith("-")), None)
    if command is None:
        if any(a in ("--version",) for a in args):
            parser.parse_args(args)
        _print_overview(parser)
        return 0 if any(a in ("-h", "--help") for a in args) or not args else EXIT_USAGE
    if command not in COMMANDS:
        import difflib

        close = difflib.get_close_matches(command, list(COMMANDS), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        print(f"lanner: unknown command '{command}'.{hint} Run 'lanner --help'.", file=sys.stderr)
        return EXIT_USAGE
    module_name, text = COMMANDS[command]
    module = importlib.import_module(module_name)
    sub = argparse.ArgumentParser(prog=f"lanner {command}", description=text)
    module.configure(sub)
    index = args.index(command)
    parsed = sub.parse_args(args[:index] + args[index + 1:])
    try:
        return int(module.execute(parsed))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `lanner ... | head`: the reader left; no traceback, no noise at exit
        from lanner.cli.display import silence

        silence(sys.stdout)
        return 141  # as a shell reports a command ended by SIGPIPE
    except Exception as exc:  # never a traceback for the user unless asked for
        from lanner.errors import LannerError

        if os.environ.get("LANNER_DEBUG"):
            raise
        if isinstance(exc, LannerError):
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"internal error: {exc!r}\n(set LANNER_DEBUG=1 to see the traceback, and please "
              "report it)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
