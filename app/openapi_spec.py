"""Write ``openapi.yaml``, the committed copy of the API's OpenAPI document.

    python -m app.openapi_spec            # rewrites openapi.yaml at the repository root
    python -m app.openapi_spec --check    # exit 1 if openapi.yaml is out of date

The document comes from the app itself (``create_app().openapi()``); tests/test_openapi.py
fails whenever the two differ, so a route change and its contract change land together.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from app.config import Settings
from app.main import create_app

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "openapi.yaml"
REGENERATE = "python -m app.openapi_spec"


def spec() -> dict[str, Any]:
    # Defaults, not the environment: the document must not depend on who generates it.
    return create_app(Settings.model_construct()).openapi()


def render(document: dict[str, Any]) -> str:
    """Stable YAML: the app's own key order, no line wrapping, no anchors."""
    header = f"# Generated from the app by `{REGENERATE}`. Do not edit by hand.\n"
    return header + yaml.dump(
        document,
        Dumper=_NoAliases,
        sort_keys=False,
        allow_unicode=True,
        width=10_000,
        default_flow_style=False,
    )


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=REGENERATE, description="Write openapi.yaml.")
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args(argv)
    text = render(spec())
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else ""
        if current != text:
            print(f"{args.path} is out of date: run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    args.path.write_text(text, encoding="utf-8")
    print(f"wrote {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
