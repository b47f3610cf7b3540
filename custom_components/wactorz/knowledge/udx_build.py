"""Build the UDX knowledge base from our own docs (pure stdlib, no Home Assistant).

`scripts/build_udx_kb.py` writes `udx_kb.json` with it; a test rebuilds it from
the docs and compares, so the shipped KB cannot go stale. HACS installs only
`custom_components/wactorz`, hence the docs travel as this generated file.
"""

from __future__ import annotations

from collections.abc import Mapping
import hashlib
import json
import re

DOCS = ("README.md", "docs/ARCHITECTURE.md", "docs/PROTOCOL.md", "docs/PANEL.md")
KB_FILE = "custom_components/wactorz/knowledge/udx_kb.json"
KB_VERSION = 1
MAX_SECTION_CHARS = 2400

_HEADING_RE = re.compile(r"^(#{1,4})\s+(.+?)\s*#*\s*$")


def _split_long(text: str, limit: int = MAX_SECTION_CHARS) -> list[str]:
    """Split text at blank lines (then lines) into parts of at most `limit` characters."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for block in re.split(r"\n\s*\n", text):
        pieces = [block]
        if len(block) > limit:
            pieces = []
            line_part = ""
            for line in block.splitlines():
                if len(line_part) + len(line) + 1 > limit and line_part:
                    pieces.append(line_part)
                    line_part = ""
                line_part = f"{line_part}\n{line}" if line_part else line[:limit]
            if line_part:
                pieces.append(line_part)
        for piece in pieces:
            if len(current) + len(piece) + 2 > limit and current:
                parts.append(current)
                current = ""
            current = f"{current}\n\n{piece}" if current else piece
    if current:
        parts.append(current)
    return parts


def sections_of(doc: str, text: str) -> list[dict[str, str]]:
    """Return the sections of one markdown document: title path and body."""
    sections: list[dict[str, str]] = []
    titles: list[str] = []
    body: list[str] = []
    in_code = False

    def flush() -> None:
        content = "\n".join(body).strip()
        if content:
            title = " > ".join(t for t in titles if t) or doc
            parts = _split_long(content)
            for number, part in enumerate(parts, start=1):
                suffix = f" ({number}/{len(parts)})" if len(parts) > 1 else ""
                sections.append({"doc": doc, "title": title + suffix, "text": part})
        body.clear()

    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        match = None if in_code else _HEADING_RE.match(line)
        if match is None:
            body.append(line.rstrip())
            continue
        flush()
        level = len(match[1])
        del titles[level - 1 :]
        titles.extend([""] * (level - 1 - len(titles)))
        titles.append(match[2].replace("`", ""))
    flush()
    return sections


def build_kb(docs: Mapping[str, str]) -> dict[str, object]:
    """Return the knowledge base of `docs` ({path: markdown}), deterministic."""
    sections: list[dict[str, str]] = []
    for path in sorted(docs):
        sections.extend(sections_of(path, docs[path]))
    return {
        "version": KB_VERSION,
        "sources": {
            path: hashlib.sha256(docs[path].encode()).hexdigest()
            for path in sorted(docs)
        },
        "sections": [
            {"id": f"{s['doc']}#{n}", **s} for n, s in enumerate(sections, start=1)
        ],
    }


def dumps(kb: Mapping[str, object]) -> str:
    """Serialize the KB the way it is committed."""
    return json.dumps(kb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
