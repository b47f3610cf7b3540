"""Build custom_components/wactorz/translations/en.json from strings.json.

Home Assistant core resolves `[%key:...%]` references at build time; a custom
integration must ship the resolved file. `--check` exits 1 when en.json is stale.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import sys
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "wactorz"
STRINGS = INTEGRATION / "strings.json"
EN = INTEGRATION / "translations" / "en.json"
_REF = re.compile(r"^\[%key:component::wactorz::([^%]+)%\]$")


def _lookup(strings: dict[str, Any], path: str) -> str:
    node: Any = strings
    for part in path.split("::"):
        node = node[part]
    if not isinstance(node, str):
        raise TypeError(f"reference {path} is not a string")
    return node


def resolve(strings: dict[str, Any], node: Any | None = None) -> Any:
    """Return `node` (default: all strings) with every reference replaced."""
    node = strings if node is None else node
    if isinstance(node, dict):
        return {key: resolve(strings, value) for key, value in node.items()}
    if isinstance(node, str):
        match = _REF.match(node)
        return resolve(strings, _lookup(strings, match[1])) if match else node
    return node


def render() -> str:
    """Return the text en.json must have."""
    strings = json.loads(STRINGS.read_text(encoding="utf-8"))
    return json.dumps(resolve(strings), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    """Write en.json, or check it with --check."""
    text = render()
    if "--check" in sys.argv:
        if not EN.exists() or EN.read_text(encoding="utf-8") != text:
            print("translations/en.json is stale: run scripts/translations.py")
            return 1
        return 0
    EN.parent.mkdir(exist_ok=True)
    EN.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
