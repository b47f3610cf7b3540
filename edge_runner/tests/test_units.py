"""In-process unit tests: packages, store, supervisor, builtin agents, CLI."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
import stat
import sys
import threading
from typing import Any

import aiomqtt
import pytest

from wactorz_edge import link as link_module, protocol as p, store as store_module
from wactorz_edge.agent import Agent
from wactorz_edge.agents import BUILTINS
from wactorz_edge.agents.system_stats import read_cpu_times, read_memory
from wactorz_edge.cli import build_parser, config_from_args
from wactorz_edge.link import LinkSettings, MqttLink
from wactorz_edge.packages import PackageInstaller, PackageRefusedError, pip_argv
from wactorz_edge.store import AgentState, Store, atomic_write_json
from wactorz_edge.supervisor import AgentSupervisor, TaskItem

# ------------------------------------------------------------------- packages


class RecordingExec:
    """Stands in for asyncio.create_subprocess_exec and records calls."""

    def __init__(self, returncode: int = 0) -> None:
        """Record calls; processes exit with `returncode`."""
        self.calls: list[tuple[Any, ...]] = []
        self.returncode = returncode

    async def __call__(self, *argv: Any, **kwargs: Any) -> Any:
        """Record argv and return a finished fake process."""
        self.calls.append(argv)
        code = self.returncode
        output = asyncio.StreamReader()
        output.feed_data(b"line1\nfailed here\n")
        output.feed_eof()

        class Process:
            returncode = code
            stdout = output

            async def wait(self) -> int:
                """Return the exit code at once."""
                return code

        return Process()


@pytest.mark.parametrize(
    "name",
    [
        "pkg; rm -rf /",
        "requests && curl x",
        "$(reboot)",
        "`id`",
        "a|b",
        "https://evil/x.whl",
        "../x",
        "/tmp/x",  # noqa: S108
        "-e .",
        "--index-url=x",
        "requests==2.0",
        "",
        "x" * 200,
    ],
)
async def test_bad_package_names_never_start_a_process(name: str) -> None:
    """Malformed names are refused before any subprocess."""
    fake = RecordingExec()
    installer = PackageInstaller(["requests"], exec_=fake)
    with pytest.raises(PackageRefusedError):
        await installer.install([name])
    assert fake.calls == [] and installer.runs == 0


async def test_only_allow_listed_names_install_as_argv() -> None:
    """Allowed names run `python -m pip install --no-input NAME` once."""
    fake = RecordingExec()
    installer = PackageInstaller(["Requests", "paho_mqtt"], exec_=fake)
    with pytest.raises(PackageRefusedError, match="not allow-listed"):
        await installer.install(["numpy"])
    await installer.install(["requests", "paho-mqtt", "requests"])
    assert fake.calls == [
        (sys.executable, "-m", "pip", "install", "--no-input", "requests"),
        (sys.executable, "-m", "pip", "install", "--no-input", "paho-mqtt"),
    ]
    assert pip_argv("x") == [sys.executable, "-m", "pip", "install", "--no-input", "x"]
    with pytest.raises(PackageRefusedError, match="disabled"):
        PackageInstaller([]).check(["requests"])
    with pytest.raises(PackageRefusedError):
        PackageInstaller(["bad name"])


async def test_failed_install_raises_with_output_tail() -> None:
    """A failing pip is an error with the end of its output."""
    installer = PackageInstaller(["requests"], exec_=RecordingExec(returncode=1))
    lines: list[str] = []
    with pytest.raises(RuntimeError, match="failed here"):
        await installer.install(["requests"], lines.append)
    assert lines == ["line1", "failed here"]


def test_pip_options_come_from_the_node() -> None:
    """Local wheel folders and --no-index are separate argv items before the name."""
    assert pip_argv("tiny", ["/srv/wheels"], no_index=True) == [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-input",
        "--no-index",
        "--find-links",
        "/srv/wheels",
        "tiny",
    ]


# ---------------------------------------------------------------------- store


def test_atomic_writes_and_state(tmp_path: Path) -> None:
    """State files are replaced whole; no temp files remain; bad files are ignored."""
    store = Store(tmp_path / "data")
    state = AgentState(store, "agent-1")
    state.set("count", 3)
    state.set("nested", {"a": [1, 2]})
    value = state.get("nested")
    value["a"].append(3)  # no aliasing
    assert AgentState(store, "agent-1").get("nested") == {"a": [1, 2]}
    assert [f.name for f in (tmp_path / "data" / "state").iterdir()] == ["agent-1.json"]
    with pytest.raises(ValueError, match="not JSON"):
        state.set("bad", object())
    with pytest.raises(ValueError, match="limit"):
        state.set("huge", "x" * (1024 * 1024 + 1))
    assert "huge" not in state.data and state.get("count") == 3
    state.replace({"count": 9}, "mig-1")
    reloaded = AgentState(store, "agent-1")
    assert reloaded.data == {"count": 9} and reloaded.marker == "mig-1"
    (tmp_path / "data" / "state" / "broken.json").write_text("{not json")
    assert store.load_state("broken") == ({}, None)
    with pytest.raises(ValueError, match="invalid agent name"):
        store.load_state("../etc/passwd")
    store.delete_state("agent-1")
    assert AgentState(store, "agent-1").data == {}
    atomic_write_json(tmp_path / "x.json", {"é": 1}, fsync=True)
    assert json.loads((tmp_path / "x.json").read_text(encoding="utf-8")) == {"é": 1}


class Recorder:
    """Wraps `Store.write_state` and `os.fsync`: which thread wrote, what was fsynced."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
        """Patch the store's writer and the store module's fsync."""
        self.threads: list[int] = []
        self.synced: list[str] = []  # "file" or "dir"
        self.fail = False
        real_write, real_fsync = store.write_state, store_module.os.fsync

        def write_state(agent: str, raw: bytes) -> None:
            self.threads.append(threading.get_ident())
            if self.fail:
                raise OSError(28, "No space left on device")
            real_write(agent, raw)

        def fsync(fd: int) -> None:
            kind = "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
            self.synced.append(kind)
            real_fsync(fd)

        monkeypatch.setattr(store, "write_state", write_state)
        monkeypatch.setattr(store_module.os, "fsync", fsync)


async def test_persist_writes_durably_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """persist() returns at once; the file is written in a thread, fsynced (file, then dir)."""
    store = Store(tmp_path / "data")
    recorder = Recorder(monkeypatch, store)
    state = AgentState(store, "agent-d")
    for count in range(1, 6):
        state.set("count", count)  # coalesced: the newest content wins
    assert state.get("count") == 5
    await state.flush()
    assert recorder.threads and threading.get_ident() not in recorder.threads
    assert len(recorder.threads) < 5
    assert recorder.synced[-2:] == ["file", "dir"]
    assert AgentState(store, "agent-d").get("count") == 5
    with pytest.raises(ValueError, match="limit"):  # refused at once, in memory too
        state.set("huge", "x" * (1024 * 1024 + 1))
    assert "huge" not in state.data

    recorder.fail = True
    state.set("count", 6)
    with pytest.raises(OSError, match="No space"):
        await state.flush()
    await state.flush()  # reported once
    recorder.fail = False
    state.set("count", 7)
    await state.flush()
    assert AgentState(store, "agent-d").get("count") == 7


class Persisting(Agent):
    """Counts tasks in its persisted state."""

    async def handle_task(self, payload: Any) -> Any:
        """Persist and return the new count."""
        count = self.recall("count", 0) + 1
        self.persist("count", count)
        return count


async def test_a_task_reply_waits_for_its_state_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reply is sent after the write; a failed write is reported, the reply still sent."""
    store = Store(tmp_path / "data")
    recorder = Recorder(monkeypatch, store)
    services = FakeServices()
    state = AgentState(store, "keeper")
    spec = p.validate_spawn({"name": "keeper", "class": "x"})
    supervisor = AgentSupervisor(
        spec,
        agent_id="id-k",
        factory=lambda: Persisting(
            name="keeper", agent_id="id-k", config={}, services=services, state=state
        ),
        services=services,
    )
    supervisor.start()
    assert await ask(supervisor, "x") == (True, 1, None)
    assert store.load_state("keeper")[0] == {"count": 1}  # already there
    recorder.fail = True
    assert await ask(supervisor, "x") == (True, 2, None)
    errors = [d for kind, _, d in services.events if kind == "errors"]
    assert "state not saved" in errors[-1]["error"]
    recorder.fail = False
    assert await ask(supervisor, "x") == (True, 3, None)
    await supervisor.stop()
    assert store.load_state("keeper")[0] == {"count": 3}


# ----------------------------------------------------------------- supervisor


class FakeServices:
    """NodeServices recording events."""

    node = "test-node"

    def __init__(self) -> None:
        """Start with no events."""
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    def publish(
        self, topic: str, data: Any, *, retain: bool = False, qos: int = 0
    ) -> None:
        """Record a publish."""
        self.events.append(("publish", topic, {"data": data}))

    def emit(
        self, agent_id: str, agent_name: str, suffix: str, data: dict[str, Any]
    ) -> None:
        """Record an agent event."""
        self.events.append((suffix, agent_name, data))

    async def request(
        self, sender: str, target: str, payload: Any, timeout: float
    ) -> Any:
        """Never answer."""
        raise TimeoutError

    def agent_list(self) -> list[dict[str, Any]]:
        """Describe no agents."""
        return []

    def states(self) -> list[str]:
        """Return the status states seen."""
        return [data["state"] for kind, _, data in self.events if kind == "status"]


class Crashy(Agent):
    """Fails on start a given number of times (counted on the class)."""

    starts = 0
    fail_first = 2

    async def on_start(self) -> None:
        """Fail the first `fail_first` starts."""
        type(self).starts += 1
        if type(self).starts <= self.fail_first:
            raise RuntimeError(f"boom {type(self).starts}")

    async def handle_task(self, payload: Any) -> Any:
        """Echo, or fail on "fail"."""
        if payload == "fail":
            raise ValueError("bad task")
        return payload


def make_supervisor(
    tmp_path: Path, services: FakeServices, cls: type[Agent], restart: dict[str, Any]
) -> AgentSupervisor:
    """Build a supervisor of `cls` with a restart policy."""
    spec = p.validate_spawn({"name": "crashy", "class": "x", "restart": restart})
    state = AgentState(Store(tmp_path), "crashy")
    return AgentSupervisor(
        spec,
        agent_id="id-1",
        factory=lambda: cls(
            name="crashy", agent_id="id-1", config={}, services=services, state=state
        ),
        services=services,
    )


async def ask(
    supervisor: AgentSupervisor, payload: Any
) -> tuple[bool, Any, str | None]:
    """Submit a task and return (ok, result, error)."""
    future: asyncio.Future[tuple[bool, Any, str | None]] = (
        asyncio.get_running_loop().create_future()
    )
    refused = supervisor.submit(
        TaskItem(payload, lambda ok, res, err: future.set_result((ok, res, err)))
    )
    if refused is not None:
        return False, None, refused
    return await asyncio.wait_for(future, 5)


async def test_supervisor_restarts_with_backoff_then_runs(tmp_path: Path) -> None:
    """Two start crashes: restarted with backoff, tasks queued meanwhile are served."""
    Crashy.starts, Crashy.fail_first = 0, 2
    services = FakeServices()
    supervisor = make_supervisor(
        tmp_path, services, Crashy, {"backoff_s": 0.01, "max_restarts": 5}
    )
    supervisor.start()
    assert await ask(supervisor, {"x": 1}) == (True, {"x": 1}, None)
    assert supervisor.restarts == 2
    assert services.states()[-1] == "running"
    assert "restarting" in services.states()
    errors = [d for kind, _, d in services.events if kind == "errors"]
    assert [e["phase"] for e in errors] == ["start", "start"]
    assert (await ask(supervisor, "fail"))[2] == "ValueError: bad task"
    await supervisor.stop()
    assert supervisor.state == "stopped"
    assert (await ask(supervisor, 1))[2] == "agent crashy is stopped"


async def test_supervisor_gives_up_after_the_budget(tmp_path: Path) -> None:
    """A crash loop spends the budget: failed, fatal error, queued tasks answered."""
    Crashy.starts, Crashy.fail_first = 0, 100
    services = FakeServices()
    supervisor = make_supervisor(
        tmp_path, services, Crashy, {"backoff_s": 0.01, "max_restarts": 2}
    )
    supervisor.start()
    result = await ask(supervisor, "queued")
    await supervisor.wait()
    assert supervisor.state == "failed"
    assert result == (False, None, "agent crashy failed")
    assert Crashy.starts == 3
    fatal = [
        d
        for kind, _, d in services.events
        if kind == "errors" and d["severity"] == "fatal"
    ]
    assert "restart budget spent" in fatal[0]["error"]


async def test_consecutive_task_failures_crash_the_agent(tmp_path: Path) -> None:
    """Five failed tasks in a row restart the agent."""
    Crashy.starts, Crashy.fail_first = 0, 0
    services = FakeServices()
    supervisor = make_supervisor(tmp_path, services, Crashy, {"backoff_s": 0.01})
    supervisor.start()
    for _ in range(5):
        assert (await ask(supervisor, "fail"))[0] is False
    assert await ask(supervisor, "ok") == (True, "ok", None)
    assert supervisor.restarts == 1
    await supervisor.stop()


# ------------------------------------------------------------ builtin agents


def test_builtin_config_validation() -> None:
    """Builtin configs are checked before anything runs."""
    assert BUILTINS["counter"].validate_config({}) == {"start": 0}
    with pytest.raises(TypeError):
        BUILTINS["counter"].validate_config({"start": "1"})
    with pytest.raises(ValueError, match="target"):
        BUILTINS["forward"].validate_config({})
    with pytest.raises(ValueError, match="prefix"):
        BUILTINS["mqtt_relay"].validate_config({"prefix": "nodes/x"})
    with pytest.raises(ValueError, match="wildcards"):
        BUILTINS["mqtt_relay"].validate_config({"prefix": "a/#"})
    assert BUILTINS["system_stats"].validate_config({"interval_s": 5}) == {
        "interval_s": 5.0
    }


async def test_relay_and_stats_agents(tmp_path: Path) -> None:
    """mqtt_relay publishes under its prefix; system_stats reads /proc."""
    services = FakeServices()
    state = AgentState(Store(tmp_path), "relay")
    relay = BUILTINS["mqtt_relay"](
        name="relay",
        agent_id="r",
        config={"prefix": "edge/x"},
        services=services,
        state=state,
    )
    assert await relay.handle_task({"topic": "a/b", "data": 1}) == {
        "published": "edge/x/a/b"
    }
    assert services.events[-1] == ("publish", "edge/x/a/b", {"data": 1})
    stats = BUILTINS["system_stats"](
        name="stats",
        agent_id="s",
        config={"interval_s": 1},
        services=services,
        state=state,
    )
    await stats.on_start()
    sample = await stats.handle_task(None)
    assert set(sample) == {"cpu_percent", "memory", "load", "temperature_c"}
    await stats.on_tick()
    assert services.events[-1][1] == "agents/s/metrics"
    if Path("/proc/stat").exists():
        assert read_cpu_times() is not None and read_memory() is not None


# ------------------------------------------------------------------------ cli


def test_cli_reads_secrets_from_files_and_validates(tmp_path: Path) -> None:
    """Password and secret come from files; bad values are clear errors."""
    password = tmp_path / "pw"
    password.write_text("s3cret\n", encoding="utf-8")
    secret = tmp_path / "secret"
    secret.write_text("ab" * 32, encoding="utf-8")
    secret.chmod(0o600)
    args = build_parser().parse_args(
        [
            "--broker",
            "mqtt.local",
            "--name",
            "rpi-1",
            "--username",
            "edge",
            "--password-file",
            str(password),
            "--secret-file",
            str(secret),
            "--tls",
            "--allow-package",
            "requests",
            "--data-dir",
            str(tmp_path / "d"),
        ]
    )
    config = config_from_args(args)
    assert config.link.password == "s3cret" and config.link.tls
    assert config.link.client_id == "wactorz-edge-rpi-1"
    assert config.secret == bytes.fromhex("ab" * 32)
    assert config.allowed_packages == ("requests",)
    bad = build_parser().parse_args(
        ["--broker", "b", "--name", "n", "--allow-package", "x; rm -rf /"]
    )
    with pytest.raises(ValueError, match="allow-package"):
        config_from_args(bad)
    with pytest.raises(ValueError, match="node name"):
        config_from_args(build_parser().parse_args(["--broker", "b", "--name", "a/b"]))
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--broker", "b", "--name", "n", "--password", "x"])


def test_yolo_is_offered_only_with_ultralytics_and_checks_its_config(
    tmp_path: Path,
) -> None:
    """Without ultralytics: not a builtin, refused with the install hint; config is checked."""
    from importlib.util import find_spec  # noqa: PLC0415

    from wactorz_edge.agents import UNAVAILABLE  # noqa: PLC0415
    from wactorz_edge.agents.yolo import YoloAgent  # noqa: PLC0415

    if find_spec("ultralytics") is None:
        assert "yolo" not in BUILTINS
        assert "wactorz-edge[yolo]" in UNAVAILABLE["yolo"]
    else:
        assert BUILTINS["yolo"] is YoloAgent
    config = YoloAgent.validate_config(
        {"weights": "yolov8n.yaml", "image_dirs": [str(tmp_path / "x" / "..")]}
    )
    assert config["image_dirs"] == [str(tmp_path)]
    assert config["confidence"] == 0.25 and config["allow_urls"] is False
    for bad in (
        {"weights": "https://example.com/w.pt"},
        {"confidence": 2},
        {"detector": "Front Door"},
        {"image_dirs": ["relative"]},
        {"camera": "file:///dev/video0"},
        {"camera": "relative.avi"},
        {"interval_s": 5},
        {"device": "cpu; rm -rf /"},
        {"unknown": 1},
    ):
        with pytest.raises((ValueError, TypeError)):
            YoloAgent.validate_config(bad)
    assert YoloAgent.validate_config({"camera": 0, "interval_s": 2})["camera"] == 0


# ----------------------------------------------------------------------- link


class FlakyClient:
    """An aiomqtt client stand-in whose first publish times out (no PUBACK)."""

    def __init__(self) -> None:
        """Fail once, then record."""
        self.published: list[str] = []
        self.failures = 1

    async def publish(self, topic: str, payload: bytes, **_: Any) -> None:
        """Raise like aiomqtt on a missing PUBACK, then publish."""
        if self.failures:
            self.failures -= 1
            raise aiomqtt.MqttError("Operation timed out")
        self.published.append(topic)


async def test_a_failed_publish_is_retried_and_the_outbox_keeps_draining(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A publish that fails while connected does not silence the node until a reconnect."""
    monkeypatch.setattr(link_module, "BACKOFF_MIN_S", 0.01)
    link = MqttLink(
        LinkSettings(host="127.0.0.1"),
        aiomqtt.Will("nodes/n/status", b"offline"),
        lambda topic, raw: None,
        _no_connect,
    )
    client = FlakyClient()
    drain = asyncio.get_running_loop().create_task(link._drain(client))  # type: ignore[arg-type]
    link.publish("nodes/n/agents", b"reply", qos=1)
    link.publish("nodes/n/heartbeat", b"beat", qos=0)

    async def both_published() -> None:
        while len(client.published) < 2:
            await asyncio.sleep(0.01)

    try:
        await asyncio.wait_for(both_published(), 5)  # (Python 3.10: no asyncio.timeout)
    finally:
        drain.cancel()
        await asyncio.gather(drain, return_exceptions=True)
    assert client.published == ["nodes/n/agents", "nodes/n/heartbeat"]


async def _no_connect() -> None:
    """Nothing to do on connect."""
