"""Pure pieces of the remote package: unit quoting, runner packing, validation, strings."""

from __future__ import annotations

import io
import json
from pathlib import Path
import tarfile

import pytest

from custom_components.wactorz.remote import deploy, nautilus, ssh
from custom_components.wactorz.remote.commands import (
    deploy_command,
    register,
    unregister,
)

INTEGRATION = Path(__file__).resolve().parents[2] / "custom_components" / "wactorz"


def test_exec_start_quoting_round_trips() -> None:
    """Spaces, quotes, backslashes, % and $ survive systemd's ExecStart parsing rules."""
    argv = [
        "/home/pi/my dir/venv/bin/wactorz-edge",
        "--name",
        'a"b\\c',
        "100%",
        "$HOME",
    ]
    text = deploy.unit_text("n1", argv)
    line = next(row for row in text.splitlines() if row.startswith("ExecStart="))
    assert "%%" in line and "$$" in line
    assert deploy.systemd_unquote(line.removeprefix("ExecStart=")) == argv
    assert "WantedBy=default.target" in text


def test_runner_is_packed_as_an_sdist_without_tests() -> None:
    """The tarball holds pyproject, README and the package, not tests or bytecode."""
    name, data = deploy.pack_runner(deploy.RUNNER_SOURCE)
    assert name.startswith("wactorz_edge-") and name.endswith(".tar.gz")
    root = name.removesuffix(".tar.gz")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        names = tar.getnames()
    assert f"{root}/pyproject.toml" in names
    assert f"{root}/wactorz_edge/cli.py" in names
    assert not [n for n in names if "/tests/" in n or n.endswith(".pyc")]


@pytest.mark.parametrize("path", ["../x", "a/../../b", "-rf", "x\ny", ""])
def test_bad_target_dirs_are_refused(path: str) -> None:
    """A deploy directory cannot climb out, look like an option or hold a newline."""
    with pytest.raises(deploy.DeployError):
        deploy.check_target_dir(path)


@pytest.mark.parametrize(
    "spec", ["--index-url=http://evil", "-e .", "pkg; rm -rf /", ""]
)
def test_runner_spec_is_a_requirement_not_an_option(spec: str) -> None:
    """runner_spec never becomes a pip option or carries shell syntax."""
    with pytest.raises(deploy.DeployError):
        deploy.check_runner_spec(spec)
    assert deploy.check_runner_spec("wactorz-edge==0.1.0") == "wactorz-edge==0.1.0"


def test_host_and_destination_validation() -> None:
    """Host entries and push destinations are checked before anything runs."""
    good = nautilus.NamedHost.from_dict(
        {"name": "pi", "host": "192.168.1.4", "user": "pi", "allowed_commands": ["df"]}
    )
    assert good.target.label == "pi@192.168.1.4:22"
    for bad in (
        {"name": "pi", "host": "-oProxyCommand=x", "user": "pi"},
        {"name": "pi", "host": "h", "user": "pi", "allowed_commands": ["rm -rf"]},
        {"name": "pi", "host": "h", "user": "pi", "remote_dir": "../etc"},
        {"name": "bad name", "host": "h", "user": "pi"},
    ):
        with pytest.raises(nautilus.NautilusError):
            nautilus.NamedHost.from_dict(bad)
    for dest in ("/etc", "../x", "-r"):
        with pytest.raises(nautilus.NautilusError):
            nautilus.check_dest(dest)


def test_messages_match_strings_json() -> None:
    """The English chat texts are the translated service errors' texts."""
    exceptions = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))[
        "exceptions"
    ]
    for messages in (ssh.MESSAGES, deploy.MESSAGES, nautilus.MESSAGES):
        for key, text in messages.items():
            assert exceptions[key]["message"] == text, key


async def test_deploy_command_parsing() -> None:
    """/deploy takes a node and an optional named host; nothing else."""

    class Api:
        calls: list[tuple[str, str]] = []

        async def async_deploy_command(self, node: str, host: str) -> str:
            self.calls.append((node, host))
            return "ok"

    class System:
        """Stands for an ActorSystem (weak-referenceable)."""

    system = System()
    assert await deploy_command(system, "/nodes") is None
    assert "not available" in str(await deploy_command(system, "/deploy pi"))
    api = Api()
    register(system, api)
    try:
        assert await deploy_command(system, "/deploy pi") == "ok"
        assert await deploy_command(system, "/deploy pi kitchen-host") == "ok"
        assert "Usage" in str(await deploy_command(system, "/deploy"))
        assert "Usage" in str(await deploy_command(system, "/deploy a b c"))
    finally:
        unregister(system)
    assert api.calls == [("pi", "pi"), ("pi", "kitchen-host")]
