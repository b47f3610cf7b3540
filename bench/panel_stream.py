"""Panel stream benchmark: what the websocket sends to one open panel while 1000 agents heart-beat.

Run from the repository root:

    .venv/bin/python bench/panel_stream.py             # 1000 agents, 20 s (two heartbeat rounds)
    .venv/bin/python bench/panel_stream.py --agents 200 --seconds 10

Ours: the integration's PanelHub (custom_components/wactorz/websocket.py) with one
subscriber: deltas coalesced per 250 ms window, agents keyed by small integers.
Baseline: the naive stream, a full snapshot of every agent sent for every actor event.
Both follow the same real ActorSystem (1000 actors, heartbeat interval 10 s, the core's
bucketed ticker) in the same run, and count the bytes and messages a websocket would
carry (HA's event envelope included); the baseline's snapshot is re-serialized at most
every 100 ms (its size barely changes) so that it does not starve the event loop. Results go to bench/results/panel_stream.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import sys
import time
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from custom_components.wactorz import websocket as ws  # noqa: E402
from custom_components.wactorz.core import Actor, ActorEvent, ActorSystem, actor_factory  # noqa: E402
from custom_components.wactorz.core.redaction import SecretScrubber  # noqa: E402
from homeassistant.helpers.json import json_bytes  # noqa: E402


class Idle(Actor):
    """Does nothing; only heart-beats."""


class Counter:
    """A stand-in websocket connection that counts what it is sent."""

    def __init__(self) -> None:
        """Start at zero."""
        self.messages = 0
        self.bytes = 0

    def send_message(self, message: bytes | str) -> None:
        """Count one message."""
        self.messages += 1
        self.bytes += len(message)


async def run(agents: int, seconds: float, interval: float) -> dict[str, Any]:
    """Measure ours and the baseline over the same event stream."""
    loop = asyncio.get_running_loop()
    system = ActorSystem("home", loop=loop, heartbeat_interval=interval)
    for index in range(agents):
        await system.spawn(actor_factory(Idle), f"agent-{index}")
    runtime = SimpleNamespace(
        system=system,
        scrubber=SecretScrubber(),
        entry=SimpleNamespace(entry_id="bench"),
    )
    hub = ws.PanelHub(SimpleNamespace(loop=loop), runtime)  # type: ignore[arg-type]
    hub.start()
    ours = Counter()
    hub.add(ws.Subscription(ours, 1))  # type: ignore[arg-type]
    snapshot_bytes = ours.bytes

    baseline = Counter()
    events = 0
    cached: tuple[float, bytes] = (0.0, b"")

    def full_snapshot_per_event(_event: ActorEvent) -> None:
        # Serializing 1000 agents for each of 100+ events a second would starve the loop
        # (and so slow down both sides): the snapshot is re-serialized at most every 100 ms.
        nonlocal events, cached
        events += 1
        now = time.monotonic()
        if now - cached[0] > 0.1:
            payload = json_bytes(hub.snapshot())
            cached = (now, b'{"id":1,"type":"event","event":' + payload + b"}")
        baseline.send_message(cached[1])

    system.events.subscribe(full_snapshot_per_event)
    ours.messages = ours.bytes = 0
    started = time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - started
    hub.close()
    await system.shutdown()

    def rates(counter: Counter) -> dict[str, float]:
        return {
            "bytes_per_s": round(counter.bytes / elapsed, 1),
            "messages_per_s": round(counter.messages / elapsed, 2),
        }

    result = {
        "ours": rates(ours),
        "baseline": rates(baseline),
        "agents": agents,
        "seconds": round(elapsed, 2),
        "heartbeat_interval_s": interval,
        "window_ms": round(ws.FLUSH_INTERVAL_S * 1000),
        "actor_events_per_s": round(events / elapsed, 1),
        "snapshot_bytes": snapshot_bytes,
    }
    result["bytes_ratio"] = round(
        result["baseline"]["bytes_per_s"] / max(result["ours"]["bytes_per_s"], 1), 1
    )
    return result


def main() -> None:
    """Run the benchmark and write bench/results/panel_stream.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args.agents, args.seconds, args.interval))
    print(json.dumps(result, indent=2))
    if not args.no_write:
        out = ROOT / "bench" / "results" / "panel_stream.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
