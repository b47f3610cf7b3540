"""The `doc_to_pptx` recipe kind: a PDF or text document -> a PowerPoint deck.

1. Read the text (pypdf for PDF, bounded pages and characters; plain text
   bounded bytes), in the executor. The file must be under a directory HA
   allows (`allowlist_external_dirs`, media dirs) or the config dir.
2. Make an outline: with an LLM (structured output: title + slides of title
   and bullets) when one is configured and `use_llm` is not false; otherwise
   deterministically: headings (markdown `#`, numbered, ALL CAPS or short
   lines without a final period) start slides, paragraphs become bullets
   (first sentence, cut), long sections are split.
3. Write the .pptx with python-pptx (title slide + one title-and-content slide
   per section), in the executor, under the media dir (or `output_path` when
   it is allowed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import datetime as dt
from pathlib import Path
import re
from typing import Any

from homeassistant.core import HomeAssistant

from .image import RecipeError, media_reply, media_root, slug

MAX_PDF_PAGES = 300
MAX_TEXT_CHARS = 400_000
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_SLIDES = 40
MAX_BULLETS = 6
MAX_BULLET_CHARS = 160
MAX_TITLE_CHARS = 80
LLM_TEXT_CHARS = 24_000
MEDIA_SUBDIR = ("wactorz", "slides")
TEXT_SUFFIXES = (".txt", ".md", ".text")

type Outline = Callable[[str, int], Awaitable[dict[str, Any] | None]]

OUTLINE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "slides": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "title": {"type": "string"},
                    "bullets": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["title", "bullets"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["title", "slides"],
    "additionalProperties": False,
}
OUTLINE_PROMPT = (
    "Turn the document into a slide deck outline: a deck title and at most {n} slides, "
    "each with a short title and 2-6 short bullets in the document's language. Use only "
    "facts from the document."
)

_HEADING = re.compile(
    r"^(#{1,6}\s+.+|\d+(\.\d+)*[.)]?\s+[A-Z].{0,70}|[A-Z][A-Z0-9 ,&:/-]{2,70})$"
)
_END_PUNCTUATION = (".", ",", ";", ":", "!", "?")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(slots=True)
class Slide:
    """One content slide."""

    title: str
    bullets: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Deck:
    """A title and its slides."""

    title: str
    slides: list[Slide]


def read_document(path: Path) -> str:
    """Return the text of a PDF or text file, bounded (blocking: run in the executor)."""
    if not path.is_file():
        raise RecipeError(f"There is no file {path.name}.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise RecipeError(
            f"{path.name} is larger than {MAX_FILE_BYTES // 1024 // 1024} MB."
        )
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        import pypdf  # noqa: PLC0415 - imported in the executor, only when used

        try:
            reader = pypdf.PdfReader(str(path))
            parts: list[str] = []
            size = 0
            for page in reader.pages[:MAX_PDF_PAGES]:
                text = page.extract_text() or ""
                parts.append(text)
                size += len(text)
                if size >= MAX_TEXT_CHARS:
                    break
        except pypdf.errors.PyPdfError as err:
            raise RecipeError(f"{path.name} could not be read as a PDF.") from err
        return "\n\n".join(parts)[:MAX_TEXT_CHARS]
    if suffix in TEXT_SUFFIXES:
        with path.open("rb") as file:
            return file.read(MAX_TEXT_CHARS * 4).decode("utf-8", "replace")[
                :MAX_TEXT_CHARS
            ]
    raise RecipeError(
        "Only PDF and text files (.pdf, .txt, .md) can be turned into slides."
    )


def _clean_heading(line: str) -> str:
    line = line.lstrip("#").strip()
    return line[:MAX_TITLE_CHARS]


def _is_heading(line: str) -> bool:
    """Return whether a line that starts a block is a heading."""
    if line.startswith("#"):
        return len(line.lstrip("#").strip()) > 0
    if not 2 <= len(line) <= MAX_TITLE_CHARS or line.endswith(_END_PUNCTUATION):
        return False
    if _HEADING.match(line):
        return True
    return (line[0].isupper() or line[0].isdigit()) and len(line.split()) <= 8


def _bullet(paragraph: str) -> str:
    text = " ".join(paragraph.split())
    first = _SENTENCE.split(text, maxsplit=1)[0]
    if len(first) > MAX_BULLET_CHARS:
        first = first[: MAX_BULLET_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return first.lstrip("-•* ").strip()


def outline_deterministic(text: str, title: str | None, max_slides: int) -> Deck:
    """Split by headings and paragraphs: one slide per section, bullets per paragraph."""
    lines = [line.rstrip() for line in text.splitlines()]
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            sections[-1][1].append(" ".join(paragraph))
            paragraph.clear()

    for raw in lines:
        line = raw.strip()
        if not line:
            flush()
            continue
        if not paragraph and _is_heading(line):
            flush()
            sections.append((_clean_heading(line), []))
            continue
        if line.startswith(("- ", "* ", "• ")):
            flush()
            sections[-1][1].append(line)
            continue
        paragraph.append(line)
        if line.endswith(
            (".", "!", "?")
        ):  # PDFs lose blank lines: a sentence ends a bullet
            flush()
    flush()
    deck_title = title
    if not deck_title and sections[0][0] is None and sections[0][1]:
        deck_title = _bullet(sections[0][1][0])[:MAX_TITLE_CHARS]
        sections[0] = (None, sections[0][1][1:])
    if not deck_title and len(sections) > 1 and sections[1][0]:
        deck_title = sections[1][0]
    slides: list[Slide] = []
    for heading, paragraphs in sections:
        bullets = [b for b in (_bullet(p) for p in paragraphs) if b]
        if not bullets and heading is None:
            continue
        name = heading or deck_title or "Overview"
        for start in range(0, max(len(bullets), 1), MAX_BULLETS):
            chunk = bullets[start : start + MAX_BULLETS]
            suffix = f" ({start // MAX_BULLETS + 1})" if start else ""
            slides.append(Slide(f"{name}{suffix}", chunk))
    if not slides:
        raise RecipeError("The document has no text to make slides from.")
    return Deck(deck_title or "Document", slides[:max_slides])


def deck_from_llm(
    data: dict[str, Any], title: str | None, max_slides: int
) -> Deck | None:
    """Return the deck of a structured LLM answer, or None when it is unusable."""
    slides = []
    for item in data.get("slides") or []:
        if not isinstance(item, dict):
            continue
        bullets = [
            str(b)[:MAX_BULLET_CHARS]
            for b in item.get("bullets") or []
            if str(b).strip()
        ][:MAX_BULLETS]
        name = str(item.get("title") or "").strip()[:MAX_TITLE_CHARS]
        if name:
            slides.append(Slide(name, bullets))
    if not slides:
        return None
    deck_title = title or str(data.get("title") or "").strip()[:MAX_TITLE_CHARS]
    return Deck(deck_title or "Document", slides[:max_slides])


def write_pptx(deck: Deck, path: Path) -> int:
    """Write the deck with python-pptx; return the slide count (blocking: executor)."""
    try:
        from pptx import Presentation  # noqa: PLC0415 - imported in the executor
    except ImportError as err:
        raise RecipeError("python-pptx is not installed.") from err
    presentation = Presentation()
    title_layout = presentation.slide_layouts[0]
    content_layout = presentation.slide_layouts[1]
    first = presentation.slides.add_slide(title_layout)
    first.shapes.title.text = deck.title
    first.placeholders[1].text = f"{len(deck.slides)} slides"
    for slide in deck.slides:
        page = presentation.slides.add_slide(content_layout)
        page.shapes.title.text = slide.title
        body = page.placeholders[1].text_frame
        body.clear()
        for index, bullet in enumerate(slide.bullets):
            paragraph = body.paragraphs[0] if index == 0 else body.add_paragraph()
            paragraph.text = bullet
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".pptx.part")
    presentation.save(str(tmp))
    tmp.replace(path)
    return len(presentation.slides)


def _resolve_input(hass: HomeAssistant, value: str) -> Path:
    """Return an allowed path (blocking: resolves symlinks; run in the executor)."""
    path = Path(value) if Path(value).is_absolute() else Path(hass.config.path(value))
    if not (
        hass.config.is_allowed_path(str(path))
        or path.resolve().is_relative_to(Path(hass.config.config_dir).resolve())
    ):
        raise RecipeError(
            f"{path.name} is not in a folder Home Assistant allows (allowlist_external_dirs)."
        )
    return path


async def async_run_pptx_recipe(
    hass: HomeAssistant,
    data: dict[str, Any],
    defaults: dict[str, Any],
    outline: Outline | None = None,
) -> dict[str, Any]:
    """Run the document -> PowerPoint recipe."""
    try:
        max_slides = int(data.get("max_slides", defaults.get("max_slides", 12)))
    except (TypeError, ValueError) as err:
        raise RecipeError("max_slides must be a number.") from err
    max_slides = max(1, min(MAX_SLIDES, max_slides))
    title = str(data.get("title") or "").strip()[:MAX_TITLE_CHARS] or None
    source = data.get("file_path") or data.get("path")
    if source:
        path = await hass.async_add_executor_job(_resolve_input, hass, str(source))
        text = await hass.async_add_executor_job(read_document, path)
        name = path.stem
    else:
        text = str(data.get("document") or data.get("text") or "")[:MAX_TEXT_CHARS]
        name = title or "document"
        if not text.strip():
            raise RecipeError("Give a file_path (PDF or TXT) or the document text.")
    deck: Deck | None = None
    used_llm = False
    if outline is not None and data.get("use_llm", defaults.get("use_llm", True)):
        answer = await outline(text[:LLM_TEXT_CHARS], max_slides)
        if answer:
            deck = deck_from_llm(answer, title, max_slides)
            used_llm = deck is not None
    if deck is None:
        deck = await hass.async_add_executor_job(
            outline_deterministic, text, title, max_slides
        )
    root = media_root(hass)
    target = data.get("output_path")
    if target:
        out = await hass.async_add_executor_job(_resolve_input, hass, str(target))
        if out.suffix.lower() != ".pptx":
            out = out.with_suffix(".pptx")
    else:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        out = root.joinpath(*MEDIA_SUBDIR, f"{stamp}-{slug(name)}.pptx")
    count = await hass.async_add_executor_job(write_pptx, deck, out)
    reply: dict[str, Any] = {
        "pptx_path": str(out),
        "slide_count": count,
        "title": deck.title,
        "outline": "llm" if used_llm else "headings",
        "text": f"Made {count} slides: {out.name}",
    }
    if out.is_relative_to(root):
        reply.update(media_reply(root, out))
    return reply
