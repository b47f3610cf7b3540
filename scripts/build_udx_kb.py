#!/usr/bin/env python3
"""Regenerate custom_components/wactorz/knowledge/udx_kb.json from our docs.

Usage: scripts/build_udx_kb.py [--check]   (--check: exit 1 when the KB is stale)
Pure stdlib: loads knowledge/udx_build.py by path (no Home Assistant import).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "custom_components" / "wactorz" / "knowledge" / "udx_build.py"


def main() -> int:
    """Build (or check) the KB."""
    spec = importlib.util.spec_from_file_location("udx_build", BUILD)
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    docs = {path: (ROOT / path).read_text(encoding="utf-8") for path in build.DOCS}
    text = build.dumps(build.build_kb(docs))
    target = ROOT / build.KB_FILE
    if "--check" in sys.argv[1:]:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{build.KB_FILE} is stale: run scripts/build_udx_kb.py")
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {build.KB_FILE} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
