"""Persistence in the data dir: small JSON files written atomically.

Layout::

    {data_dir}/node.json            the node's desired agents, ids, desired_state watermark
    {data_dir}/replay.json          live nonces (replay protection across restarts)
    {data_dir}/state/{agent}.json   one agent's persisted key/value state
    {data_dir}/scratch/{agent}/     working directory of a code agent

Every write goes to a temporary file in the same directory, is flushed, and
replaces the target with `os.replace`, so a crash leaves either the old or the
new file, never a torn one. Files are created with mode 0600. node.json and
agent state are durable: the temporary file is fsynced before the rename and
the directory after it, so a power cut does not lose a write that finished.

Agent state is written off the event loop (`asyncio.to_thread`, coalesced:
the newest state wins) when `persist` is called from a running loop; the
supervisor awaits `AgentState.flush()` before it answers a task and when it
stops an agent, so a task's reply means its state is on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from pathlib import Path
import tempfile
from typing import Any

from .protocol import NAME_RE

_LOGGER = logging.getLogger(__name__)
MAX_STATE_BYTES = 1024 * 1024


def atomic_write_json(path: Path, data: Any, *, fsync: bool = False) -> int:
    """Write `data` as JSON to `path` atomically; return the size in bytes."""
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return atomic_write_bytes(path, raw.encode("utf-8"), fsync=fsync)


def atomic_write_bytes(path: Path, encoded: bytes, *, fsync: bool = False) -> int:
    """Replace `path` with `encoded` atomically (durably with `fsync`); return the size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(encoded)
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
        Path(tmp_name).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp_name).unlink()
        raise
    if fsync:
        _fsync_dir(path.parent)
    return len(encoded)


def _fsync_dir(directory: Path) -> None:
    """Make a rename in `directory` durable (not every filesystem allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def read_json(path: Path, default: Any) -> Any:
    """Read a JSON file; return `default` when missing or unreadable (logged)."""
    try:
        with path.open("rb") as handle:
            return json.loads(handle.read().decode("utf-8"))
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as err:
        _LOGGER.warning("Ignoring unreadable %s: %s", path.name, err)
        return default


class Store:
    """JSON persistence rooted at the node's data dir."""

    def __init__(self, root: Path) -> None:
        """Use (and create) `root`, readable by the owner only."""
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        (self.root / "state").mkdir(exist_ok=True, mode=0o700)

    # -- node files

    def load_node(self) -> dict[str, Any]:
        """Return node.json (desired agents, ids, desired_state watermark)."""
        data = read_json(self.root / "node.json", {})
        return data if isinstance(data, dict) else {}

    def save_node(self, data: dict[str, Any]) -> None:
        """Replace node.json (fsynced: it decides what runs after a reboot)."""
        atomic_write_json(self.root / "node.json", data, fsync=True)

    def load_replay(self) -> dict[str, float]:
        """Return the saved nonce cache."""
        data = read_json(self.root / "replay.json", {})
        return data if isinstance(data, dict) else {}

    def save_replay(self, seen: dict[str, float]) -> None:
        """Replace the saved nonce cache."""
        atomic_write_json(self.root / "replay.json", seen)

    # -- agent state

    def _state_path(self, agent: str) -> Path:
        if not NAME_RE.match(agent):
            raise ValueError(f"invalid agent name {agent!r}")
        return self.root / "state" / f"{agent}.json"

    def load_state(self, agent: str) -> tuple[dict[str, Any], str | None]:
        """Return an agent's (state, marker of the state it was seeded with)."""
        data = read_json(self._state_path(agent), {})
        if not isinstance(data, dict) or not isinstance(data.get("data"), dict):
            return {}, None
        marker = data.get("seeded_from")
        return data["data"], marker if isinstance(marker, str) else None

    def encode_state(self, state: dict[str, Any], marker: str | None) -> bytes:
        """Return an agent's state file content; refuse more than MAX_STATE_BYTES."""
        record = {"v": 1, "data": state, "seeded_from": marker}
        raw = json.dumps(
            record, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
        if len(raw) > MAX_STATE_BYTES:
            raise ValueError(
                f"agent state would be {len(raw)} bytes (limit {MAX_STATE_BYTES})"
            )
        return raw

    def write_state(self, agent: str, raw: bytes) -> None:
        """Replace an agent's state file with `raw` (from `encode_state`), durably."""
        atomic_write_bytes(self._state_path(agent), raw, fsync=True)

    def save_state(self, agent: str, state: dict[str, Any], marker: str | None) -> None:
        """Replace an agent's state now (durably); refuse more than MAX_STATE_BYTES."""
        self.write_state(agent, self.encode_state(state, marker))

    def delete_state(self, agent: str) -> None:
        """Delete an agent's persisted state (if any)."""
        with contextlib.suppress(FileNotFoundError):
            self._state_path(agent).unlink()

    def scratch_dir(self, agent: str) -> Path:
        """Return (and create) a code agent's working directory."""
        if not NAME_RE.match(agent):
            raise ValueError(f"invalid agent name {agent!r}")
        path = self.root / "scratch" / agent
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path


class AgentState:
    """One agent's persisted key/value state (kept across restarts of the agent)."""

    def __init__(self, store: Store, agent: str) -> None:
        """Load the agent's state from the store."""
        self._store = store
        self.agent = agent
        self.data, self.marker = store.load_state(agent)
        self._latest: bytes | None = None  # newest content not written yet
        self._writer: asyncio.Task[None] | None = None
        self._error: OSError | None = None

    def get(self, key: str, default: Any = None) -> Any:
        """Return a copy of a stored value (JSON round trip: no aliasing)."""
        if key not in self.data:
            return default
        return json.loads(json.dumps(self.data[key]))

    def set(self, key: str, value: Any) -> None:
        """Store a JSON value and write the file at once (atomic replace)."""
        if not isinstance(key, str) or not key or len(key) > 256:
            raise ValueError(
                "state keys are non-empty strings of at most 256 characters"
            )
        try:
            copied = json.loads(json.dumps(value, allow_nan=False))
        except (TypeError, ValueError) as err:
            raise ValueError(f"value of {key!r} is not JSON: {err}") from None
        previous = self.data.get(key, _MISSING)
        self.data[key] = copied
        try:
            raw = self._store.encode_state(self.data, self.marker)
        except BaseException:
            if previous is _MISSING:
                self.data.pop(key, None)
            else:
                self.data[key] = previous
            raise
        self._write(raw)

    def _write(self, raw: bytes) -> None:
        """Write now (no event loop) or in a thread (coalesced, in order)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._store.write_state(self.agent, raw)
            return
        self._latest = raw
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._drain())

    async def _drain(self) -> None:
        while self._latest is not None:
            raw, self._latest = self._latest, None
            try:
                await asyncio.to_thread(self._store.write_state, self.agent, raw)
            except OSError as err:
                self._error = err
                _LOGGER.warning("Cannot save the state of %s: %s", self.agent, err)
            else:
                self._error = None

    async def flush(self) -> None:
        """Wait until every `set` so far is on disk; raise OSError if the last write failed."""
        writer = self._writer
        if writer is not None and not writer.done():
            await asyncio.shield(writer)
        error, self._error = self._error, None
        if error is not None:
            raise error

    def replace(self, data: dict[str, Any], marker: str | None) -> None:
        """Replace the whole state (a migrated or seeded agent), now."""
        self._store.save_state(self.agent, data, marker)
        self.data, self.marker = dict(data), marker

    def snapshot(self) -> dict[str, Any]:
        """Return a deep copy of the whole state."""
        copied: dict[str, Any] = json.loads(json.dumps(self.data))
        return copied


_MISSING = object()
