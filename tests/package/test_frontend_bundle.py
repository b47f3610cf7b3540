"""The committed panel/card bundle matches its sources (rebuild with `cd frontend && npm run build`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
BUNDLE = ROOT / "custom_components" / "wactorz" / "frontend"
MANIFEST = BUNDLE / "build-manifest.json"

# Keep in step with SOURCE_FILES / SOURCE_DIRS in frontend/scripts/build-manifest.mjs.
SOURCE_FILES = (
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "vite.config.ts",
    "scripts/build-manifest.mjs",
)
SOURCE_DIRS = ("src",)
REBUILD = "the committed bundle is stale: run `cd frontend && npm ci && npm run build` and commit custom_components/wactorz/frontend/"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sources_hash() -> str:
    """Return the hash the build records (same algorithm as build-manifest.mjs)."""
    paths = [FRONTEND / name for name in SOURCE_FILES]
    for directory in SOURCE_DIRS:
        paths.extend(p for p in (FRONTEND / directory).rglob("*") if p.is_file())
    lines = sorted(
        (
            path.relative_to(FRONTEND).as_posix(),
            _sha256(path.read_bytes().replace(b"\r\n", b"\n")),
        )
        for path in paths
    )
    return _sha256("".join(f"{name}\0{digest}\n" for name, digest in lines).encode())


@pytest.fixture(scope="module")
def manifest() -> dict:
    """Return the build manifest written by `npm run build`."""
    assert MANIFEST.is_file(), f"{MANIFEST} is missing: {REBUILD}"
    return json.loads(MANIFEST.read_text("utf-8"))


def test_bundle_is_built_from_the_current_sources(manifest: dict) -> None:
    """Editing frontend/src (or the lock file) without rebuilding fails here."""
    assert manifest["sources_sha256"] == sources_hash(), REBUILD


def test_bundle_files_are_the_built_ones(manifest: dict) -> None:
    """Every built file is there unchanged, and nothing else (no stale chunks)."""
    files = manifest["files"]
    assert {"wactorz-panel.js", "wactorz-card.js"} <= set(files)
    on_disk = {
        path.relative_to(BUNDLE).as_posix()
        for path in BUNDLE.rglob("*")
        if path.is_file() and path.name != MANIFEST.name
    }
    assert on_disk == set(files), REBUILD
    for name, info in files.items():
        data = (BUNDLE / name).read_bytes()
        assert len(data) == info["bytes"], f"{name}: {REBUILD}"
        assert _sha256(data) == info["sha256"], f"{name}: {REBUILD}"


def test_card_stays_small(manifest: dict) -> None:
    """The card loads on every dashboard: it must not pull in Babylon.js."""
    card = (BUNDLE / "wactorz-card.js").read_text("utf-8")
    imported = [
        line for line in card.splitlines() if "import" in line and "chunks/" in line
    ]
    assert all("agent-scene" not in line for line in imported)
    assert manifest["files"]["wactorz-card.js"]["bytes"] < 40_000
