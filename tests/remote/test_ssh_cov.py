"""The SSH client's failure paths: bad input, known_hosts edits, unreachable hosts, ssh's own 255.

Where a host must answer, the real sshd of tests/sshd.py does; a closed
loopback port stands for a host that is down (its "trusted" key is written
to our known_hosts first, so ssh itself gets to try and fail).
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest

from custom_components.wactorz.remote import ssh as ssh_module
from custom_components.wactorz.remote.ssh import (
    MAX_ARGV_CHARS,
    MAX_STDIN_BYTES,
    HostKey,
    SshClient,
    SshError,
    SshTarget,
    check_port,
    parse_key_lines,
    remote_command,
    run_program,
    which,
)
from tests.broker import free_port
from tests.sshd import Sshd

from .test_ssh import _trusted_client

FAKE_KEY = HostKey("ssh-ed25519", base64.b64encode(b"k" * 51).decode())
OTHER_KEY = HostKey("ssh-ed25519", base64.b64encode(b"o" * 51).decode())


def test_bad_ports_programs_and_commands_are_refused() -> None:
    """Out-of-range ports, missing programs and command lines over the limit."""
    for port in (0, 65536, -22):
        with pytest.raises(SshError) as err:
            check_port(port)
        assert err.value.key == "ssh_invalid_target" and err.value.validation
        assert str(err.value) == f"{port} is not a valid SSH port."
    with pytest.raises(SshError) as err:
        which("wactorz-no-such-program")
    assert str(err.value) == (
        "The wactorz-no-such-program program is not installed on the Home "
        "Assistant host."
    )
    with pytest.raises(ValueError, match="command too long"):
        remote_command(["echo", "x" * MAX_ARGV_CHARS])


def test_known_hosts_lines_skip_comments_other_hosts_and_junk() -> None:
    """Only well-formed key lines for the asked name count."""
    text = "\n".join(
        [
            f"# pi {FAKE_KEY.key_type} {FAKE_KEY.key}",
            f"other,pi2 {OTHER_KEY.key_type} {OTHER_KEY.key}",
            "pi ssh-dss AAAAB3NzaC1kc3M=",
            "pi ssh-ed25519 not!base64",
            "pi",
            f"alias,pi {FAKE_KEY.key_type} {FAKE_KEY.key} comment",
        ]
    )
    assert parse_key_lines(text, "pi") == [FAKE_KEY]
    assert parse_key_lines(text, "pi2") == [OTHER_KEY]
    assert parse_key_lines(text) == [OTHER_KEY, FAKE_KEY]


async def test_forget_removes_only_that_host(tmp_path: Path) -> None:
    """Forgetting a host drops its line, keeps the others, and says when there was none."""
    client = SshClient(tmp_path / "ssh")
    assert await client.async_forget("10.0.0.9", 22) is False  # no file yet
    await client.async_trust("10.0.0.9", 22, FAKE_KEY)
    await client.async_trust("10.0.0.9", 2222, OTHER_KEY)
    await client.async_trust("10.0.0.9", 22, FAKE_KEY)  # the same key again: no change
    assert await client.async_forget("10.0.0.9", 22) is True
    assert await client.async_known_key("10.0.0.9", 22) is None
    assert await client.async_known_key("10.0.0.9", 2222) == OTHER_KEY
    assert await client.async_forget("10.0.0.9", 22) is False
    assert await client.async_forget("10.0.0.9", 2222) is True
    assert client.known_hosts_path.read_text(encoding="utf-8") == ""


async def test_unreadable_stored_key_is_not_replaced_silently(tmp_path: Path) -> None:
    """A stored line for the host that we cannot read still blocks a silent change."""
    client = SshClient(tmp_path / "ssh")
    client.directory.mkdir(mode=0o700)
    client.known_hosts_path.write_text(
        "pi ssh-dss AAAAB3NzaC1kc3M=\n", encoding="utf-8"
    )
    with pytest.raises(SshError) as err:
        await client.async_trust("pi", 22, FAKE_KEY)
    assert err.value.key == "ssh_host_key_changed"
    assert err.value.placeholders["old_fingerprint"] == "-"
    await client.async_trust("pi", 22, FAKE_KEY, replace=True)
    assert client.known_hosts_path.read_text(encoding="utf-8") == (
        f"pi {FAKE_KEY.key_type} {FAKE_KEY.key}\n"
    )


async def test_key_generation_failure_is_reported(tmp_path: Path) -> None:
    """ssh-keygen cannot write the key: a clear error, not a half-made identity."""
    client = SshClient(tmp_path / "ssh")
    client.directory.mkdir(mode=0o700)
    client.key_path.with_suffix(".pub").mkdir()  # the public key cannot be written
    with pytest.raises(SshError) as err:
        await client.async_public_key()
    assert err.value.key == "ssh_keygen_failed"
    assert str(err.value).startswith("Could not create the SSH client key: ")


async def test_unreachable_host_is_reported_with_ssh_s_reason(tmp_path: Path) -> None:
    """A trusted host that is down: ssh_unreachable with ssh's last line; scp the same."""
    client = SshClient(tmp_path / "ssh")
    port = free_port()
    await client.async_trust("127.0.0.1", port, FAKE_KEY)
    target = SshTarget("127.0.0.1", "pi", port)
    with pytest.raises(SshError) as err:
        await client.async_run(target, ["true"])
    assert err.value.key == "ssh_unreachable" and not err.value.validation
    assert "Connection refused" in err.value.placeholders["error"]
    assert err.value.placeholders["target"] == f"pi@127.0.0.1:{port}"

    with pytest.raises(ValueError, match="stdin too large"):
        await client.async_run(target, ["cat"], stdin=b"x" * (MAX_STDIN_BYTES + 1))
    with pytest.raises(ValueError, match="bad remote path"):
        await client.async_push(target, tmp_path, "-rf")

    # IPv6 host, no rsync on the HA host: scp tries, ssh's failure is reported the same.
    await client.async_trust("::1", port, FAKE_KEY)
    real_which = ssh_module.shutil.which
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            ssh_module.shutil,
            "which",
            lambda name: None if name == "rsync" else real_which(name),
        )
        with pytest.raises(SshError) as err:
            await client.async_push(SshTarget("::1", "pi", port), tmp_path, "dest")
    assert err.value.key == "ssh_unreachable"


async def test_remote_exit_255_is_the_command_s_unless_ssh_says_so(
    sshd: Sshd, tmp_path: Path
) -> None:
    """A remote program exiting 255 with output is its result; silent 255 is ssh_failed."""
    client, target = await _trusted_client(sshd, tmp_path / "ssh")
    result = await client.async_run(target, ["sh", "-c", "echo broken >&2; exit 255"])
    assert result.returncode == 255 and result.stderr == "broken\n"
    with pytest.raises(SshError) as err:
        await client.async_run(target, ["sh", "-c", "exit 255"])
    assert err.value.key == "ssh_failed"
    assert err.value.placeholders["error"] == "ssh exited with 255"


async def test_trust_checks_with_a_stored_key(sshd: Sshd, tmp_path: Path) -> None:
    """With a key stored: a wrong expected fingerprint is refused; a changed host is refused."""
    client, _target = await _trusted_client(sshd, tmp_path / "ssh")
    old = sshd.fingerprint()
    with pytest.raises(SshError) as err:
        await client.async_check_trust("127.0.0.1", sshd.port, "SHA256:wrong")
    assert err.value.key == "ssh_fingerprint_mismatch"
    assert err.value.placeholders == {
        "host": f"[127.0.0.1]:{sshd.port}",
        "fingerprint": old,
        "expected": "SHA256:wrong",
    }
    assert (
        await client.async_check_trust("127.0.0.1", sshd.port, old)
    ).fingerprint == old
    await asyncio.get_running_loop().run_in_executor(
        None, lambda: sshd.restart(new_host_key=True)
    )
    with pytest.raises(SshError) as err:
        await client.async_check_trust("127.0.0.1", sshd.port, sshd.fingerprint())
    assert err.value.key == "ssh_host_key_changed"
    assert err.value.host_key is not None
    assert err.value.host_key.fingerprint == sshd.fingerprint()
    stored = await client.async_known_key("127.0.0.1", sshd.port)
    assert stored is not None and stored.fingerprint == old


async def test_push_of_a_single_file_with_rsync(sshd: Sshd, tmp_path: Path) -> None:
    """One file lands in the remote directory under its name."""
    client, target = await _trusted_client(sshd, tmp_path / "ssh")
    source = tmp_path / "notes $(id).txt"
    source.write_text("hello", encoding="utf-8")
    remote = sshd.home / "files"
    assert (await client.async_run(target, ["mkdir", "-p", str(remote)])).ok
    result = await client.async_push(target, source, str(remote))
    assert result.ok, result.stderr
    assert result.program == "rsync"
    assert (remote / source.name).read_text(encoding="utf-8") == "hello"


async def test_cancelled_program_is_killed(tmp_path: Path) -> None:
    """Cancelling a running program (HA stopping, say) kills it and its children."""
    pidfile = tmp_path / "pid"
    task = asyncio.ensure_future(
        run_program(["sh", "-c", f'echo $$ > "{pidfile}"; exec sleep 30'], timeout=60)
    )
    async with asyncio.timeout(10):
        while not pidfile.exists() or not pidfile.read_text():
            await asyncio.sleep(0.05)
    pid = int(pidfile.read_text())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    def gone() -> bool:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
        except FileNotFoundError:
            return True
        return stat.rsplit(")", 1)[1].split()[0] == "Z"  # killed, not reaped yet

    async with asyncio.timeout(10):
        while not gone():
            await asyncio.sleep(0.05)
