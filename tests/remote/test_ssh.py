"""The SSH client against a real OpenSSH server on loopback (Debian's openssh-server)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
import stat
import time

import pytest

from custom_components.wactorz.remote import ssh as ssh_module
from custom_components.wactorz.remote.ssh import (
    HostKey,
    SshClient,
    SshError,
    SshTarget,
    remote_command,
    run_program,
)
from tests.sshd import Sshd, sshd_missing_reason


async def _trusted_client(sshd: Sshd, directory: Path) -> tuple[SshClient, SshTarget]:
    client = SshClient(directory)
    sshd.authorize(await client.async_public_key())
    target = SshTarget("127.0.0.1", "root", sshd.port)
    await client.async_check_trust(target.host, target.port, sshd.fingerprint())
    return client, target


async def test_key_is_made_once_private(tmp_path: Path) -> None:
    """The client key is ed25519, 0600 in a 0700 directory, and not remade."""
    client = SshClient(tmp_path / "ssh")
    first = await client.async_public_key()
    assert first.startswith("ssh-ed25519 ")
    assert stat.S_IMODE(client.key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(client.directory.stat().st_mode) == 0o700
    assert await SshClient(tmp_path / "ssh").async_public_key() == first


async def test_unknown_host_shows_fingerprint_and_trust_stores_it(
    sshd: Sshd, tmp_path: Path
) -> None:
    """First contact: refused with the scanned key; its fingerprint is ssh-keygen's; confirm stores it."""
    client = SshClient(tmp_path / "ssh")
    sshd.authorize(await client.async_public_key())
    target = SshTarget("127.0.0.1", "root", sshd.port)
    with pytest.raises(SshError) as caught:
        await client.async_run(target, ["true"])
    assert caught.value.key == "ssh_host_unknown"
    assert caught.value.host_key is not None
    assert caught.value.host_key.fingerprint == sshd.fingerprint()
    assert sshd.fingerprint() in str(caught.value)
    assert not client.known_hosts_path.exists()

    await client.async_trust(target.host, target.port, caught.value.host_key)
    line = client.known_hosts_path.read_text(encoding="utf-8")
    assert line.startswith(f"[127.0.0.1]:{sshd.port} ssh-ed25519 ")
    result = await client.async_run(target, ["echo", "hello"])
    assert result.ok
    assert result.stdout == "hello\n"


async def test_wrong_expected_fingerprint_is_refused(
    sshd: Sshd, tmp_path: Path
) -> None:
    """A fingerprint given by the user that is not the host's stores nothing."""
    client = SshClient(tmp_path / "ssh")
    with pytest.raises(SshError) as caught:
        await client.async_check_trust(
            "127.0.0.1", sshd.port, "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        )
    assert caught.value.key == "ssh_fingerprint_mismatch"
    assert await client.async_known_key("127.0.0.1", sshd.port) is None


async def test_changed_host_key_is_refused(sshd: Sshd, tmp_path: Path) -> None:
    """After the host key changes, nothing connects and the stored key stays."""
    client, target = await _trusted_client(sshd, tmp_path / "ssh")
    old = sshd.fingerprint()
    assert (await client.async_run(target, ["true"])).ok
    sshd.restart(new_host_key=True)
    with pytest.raises(SshError) as caught:
        await client.async_run(target, ["touch", str(sshd.home / "should-not-exist")])
    assert caught.value.key == "ssh_host_key_changed"
    assert caught.value.placeholders["old_fingerprint"] == old
    assert caught.value.placeholders["fingerprint"] == sshd.fingerprint()
    assert not (sshd.home / "should-not-exist").exists()
    # Trusting the new key without `replace` is refused too; the stored key is unchanged.
    with pytest.raises(SshError):
        await client.async_trust(target.host, target.port, caught.value.host_key)
    stored = await client.async_known_key(target.host, target.port)
    assert stored is not None
    assert stored.fingerprint == old
    # An explicit replace (the user's confirmation) lets it connect again.
    await client.async_trust(
        target.host, target.port, caught.value.host_key, replace=True
    )
    assert (await client.async_run(target, ["true"])).ok


async def test_shell_metacharacters_arrive_literally(
    sshd: Sshd, tmp_path: Path
) -> None:
    """`;`, `$()`, backticks, quotes and globs reach the program as one argument each."""
    client, target = await _trusted_client(sshd, tmp_path / "ssh")
    marker = sshd.home / "pwned"
    nasty = [
        f"; touch {marker}",
        f"$(touch {marker})",
        f"`touch {marker}`",
        'it\'s "quoted" * ? | & > <',
        "line\nbreak",
    ]
    result = await client.async_run(target, ["printf", "%s\\0", *nasty])
    assert result.ok
    assert result.stdout.split("\0")[:-1] == nasty
    assert not marker.exists()


async def test_auth_failure_shows_our_public_key(sshd: Sshd, tmp_path: Path) -> None:
    """A host that does not know our key: a clear error with the key to add."""
    client = SshClient(tmp_path / "ssh")
    target = SshTarget("127.0.0.1", "root", sshd.port)
    await client.async_check_trust(target.host, target.port, sshd.fingerprint())
    with pytest.raises(SshError) as caught:
        await client.async_run(target, ["true"])
    assert caught.value.key == "ssh_auth_failed"
    assert caught.value.placeholders["public_key"] == await client.async_public_key()


async def test_timeout_kills_the_command(sshd: Sshd, tmp_path: Path) -> None:
    """A command past its deadline is stopped and reported."""
    client, target = await _trusted_client(sshd, tmp_path / "ssh")
    started = time.monotonic()
    with pytest.raises(SshError) as caught:
        await client.async_run(target, ["sleep", "30"], timeout=2)
    assert caught.value.key == "ssh_timeout"
    assert time.monotonic() - started < 10


async def test_output_is_bounded(sshd: Sshd, tmp_path: Path) -> None:
    """A flood of output keeps its head and tail within the limit."""
    client, target = await _trusted_client(sshd, tmp_path / "ssh")
    result = await client.async_run(target, ["seq", "1", "200000"], max_output=4096)
    assert result.ok
    assert result.truncated
    assert result.stdout.startswith("1\n2\n")
    assert result.stdout.rstrip().endswith("200000")
    assert len(result.stdout) < 4200


async def test_push_copies_a_directory(sshd: Sshd, tmp_path: Path) -> None:
    """Push copies a tree (names with spaces and metacharacters intact)."""
    client, target = await _trusted_client(sshd, tmp_path / "ssh")
    source = tmp_path / "site"
    (source / "sub dir").mkdir(parents=True)
    (source / "sub dir" / "a;b $(x).txt").write_text("payload", encoding="utf-8")
    remote = sshd.home / "dest"
    assert (await client.async_run(target, ["mkdir", "-p", str(remote)])).ok
    result = await client.async_push(target, source, str(remote))
    assert result.ok, result.stderr
    copied = remote / "site" / "sub dir" / "a;b $(x).txt"
    assert copied.read_text(encoding="utf-8") == "payload"


def test_remote_command_quotes_every_argument() -> None:
    """The remote command line is the quoted argv, nothing else."""
    assert remote_command(["echo", "a b", "$(id)"]) == "echo 'a b' '$(id)'"
    with pytest.raises(ValueError):
        remote_command([])
    with pytest.raises(ValueError):
        remote_command(["echo", "nul\x00"])


def test_target_validation_refuses_option_injection() -> None:
    """A host or user that ssh could read as an option is refused."""
    for host, user in (("-oProxyCommand=x", "pi"), ("pi", "-l"), ("a b", "pi")):
        with pytest.raises(SshError):
            SshTarget(host, user)
    with pytest.raises(ValueError):
        HostKey("ssh-ed25519", "not base64 !")


async def test_run_program_timeout_kills_children(tmp_path: Path) -> None:
    """A local program past its deadline is killed with its process group."""
    with pytest.raises(TimeoutError):
        await run_program(["sleep", "30"], timeout=0.5)
    await asyncio.sleep(0)


async def test_push_falls_back_to_scp_without_rsync(
    sshd: Sshd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a local rsync, scp (SFTP mode) copies the same tree."""
    client, target = await _trusted_client(sshd, tmp_path / "ssh")
    real_which = ssh_module.shutil.which
    monkeypatch.setattr(
        ssh_module.shutil,
        "which",
        lambda name: None if name == "rsync" else real_which(name),
    )
    source = tmp_path / "conf"
    source.mkdir()
    (source / "x $(id).yaml").write_text("a: 1", encoding="utf-8")
    remote = sshd.home / "scp-dest"
    assert (await client.async_run(target, ["mkdir", "-p", str(remote)])).ok
    result = await client.async_push(target, source, str(remote))
    assert result.ok, result.stderr
    assert (remote / "conf" / "x $(id).yaml").read_text(encoding="utf-8") == "a: 1"


def _site(root: Path) -> Path:
    source = root / "site"
    (source / "css").mkdir(parents=True)
    (source / "index.html").write_text("<h1>v1</h1>", encoding="utf-8")
    (source / "css" / "a b.css").write_text("body {}", encoding="utf-8")
    return source


async def test_push_with_delete_mirrors_with_rsync(sshd: Sshd, tmp_path: Path) -> None:
    """delete=True: rsync makes the remote copy exactly the source (extra files go)."""
    client, target = await _trusted_client(sshd, tmp_path / "ssh")
    source = _site(tmp_path)
    remote = sshd.home / "mirror"
    assert (await client.async_run(target, ["mkdir", "-p", str(remote)])).ok
    first = await client.async_push(target, source, str(remote), delete=True)
    assert first.ok, first.stderr
    assert first.program == "rsync"
    copy = remote / "site"
    (copy / "stale.html").write_text("old", encoding="utf-8")
    (copy / "old dir").mkdir()
    (copy / "old dir" / "x").write_text("x", encoding="utf-8")
    edited = source / "index.html"
    edited.write_text("<h1>v2</h1>", encoding="utf-8")
    # An edit seconds later, as in life: rsync's quick check (size and mtime in
    # whole seconds) skips a same-size file written within the same second.
    later = edited.stat().st_mtime + 5
    os.utime(edited, (later, later))
    (source / "css" / "a b.css").unlink()
    again = await client.async_push(target, source, str(remote), delete=True)
    assert again.ok, again.stderr
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*")) == [
        "css",
        "index.html",
    ]
    assert (copy / "index.html").read_text(encoding="utf-8") == "<h1>v2</h1>"
    # Without delete a push only adds: the next stale file stays.
    (copy / "kept.html").write_text("kept", encoding="utf-8")
    plain = await client.async_push(target, source, str(remote))
    assert plain.ok
    assert (copy / "kept.html").exists()


async def test_push_with_delete_refused_without_local_rsync(
    sshd: Sshd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No rsync on the HA host: a mirror is refused (not an scp copy without the delete)."""
    client, target = await _trusted_client(sshd, tmp_path / "ssh")
    real_which = ssh_module.shutil.which
    monkeypatch.setattr(
        ssh_module.shutil,
        "which",
        lambda name: None if name == "rsync" else real_which(name),
    )
    source = _site(tmp_path)
    remote = sshd.home / "mirror"
    (remote / "site").mkdir(parents=True)
    (remote / "site" / "stale.html").write_text("old", encoding="utf-8")
    with pytest.raises(SshError) as caught:
        await client.async_push(target, source, str(remote), delete=True)
    assert caught.value.key == "ssh_missing"
    assert str(caught.value) == (
        "The rsync program is not installed on the Home Assistant host."
    )
    assert sorted(p.name for p in (remote / "site").iterdir()) == ["stale.html"]


async def test_push_with_delete_refused_without_remote_rsync(
    tmp_path: Path,
) -> None:
    """A host without rsync: the mirror is refused naming the host; plain push uses scp."""
    reason = sshd_missing_reason()
    if reason is not None:
        pytest.skip(reason)
    bin_dir = tmp_path / "host-bin"
    bin_dir.mkdir()
    for program in ("sh", "mkdir", "true"):
        found = ssh_module.shutil.which(program)
        assert found is not None
        (bin_dir / program).symlink_to(found)
    (tmp_path / "sshd").mkdir()
    server = Sshd(tmp_path / "sshd", session_path=str(bin_dir))
    server.start()
    try:
        client, target = await _trusted_client(server, tmp_path / "ssh")
        source = _site(tmp_path)
        remote = server.home / "mirror"
        assert (await client.async_run(target, ["mkdir", "-p", str(remote)])).ok
        with pytest.raises(SshError) as caught:
            await client.async_push(target, source, str(remote), delete=True)
        assert caught.value.key == "ssh_remote_missing"
        assert caught.value.placeholders == {
            "program": "rsync",
            "target": f"root@127.0.0.1:{server.port}",
        }
        assert not (remote / "site").exists()
        copied = await client.async_push(target, source, str(remote))
        assert copied.ok, copied.stderr
        assert copied.program == "scp"
        assert (remote / "site" / "index.html").read_text(encoding="utf-8") == (
            "<h1>v1</h1>"
        )
    finally:
        server.stop()
