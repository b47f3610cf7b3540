"""A real OpenSSH server (Debian's `openssh-server`) on a free loopback port, as a test child.

Host keys, the config, `authorized_keys` and a HOME-like directory live in a
temporary directory; the system's sshd configuration and service are never
touched. `restart(new_host_key=True)` keeps the port and changes the host key
(the "changed host key" case). `session_path` replaces PATH in the sessions
(a host without some program: a directory with links to the programs it has).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
import shutil
import subprocess
import time

from .broker import _true_socket, free_port

SSHD = "/usr/sbin/sshd"


def sshd_missing_reason() -> str | None:
    """Return why a real sshd cannot run here, or None when it can."""
    if not os.path.exists(SSHD):
        return (
            f"{SSHD} is missing: install Debian's openssh-server (scripts/setup does)"
        )
    for program in ("ssh", "ssh-keygen", "ssh-keyscan", "scp"):
        if shutil.which(program) is None:
            return f"{program} is missing: install openssh-client"
    if os.geteuid() != 0 and not os.access("/run/sshd", os.F_OK):
        return "sshd needs /run/sshd (privilege separation); run as root or create it"
    return None


class Sshd:
    """One sshd child: `port`, `home`, `host_key_pub`, `authorize(public_key)`."""

    def __init__(self, workdir: Path, *, session_path: str | None = None) -> None:
        """Generate a host key and write the config; call start()."""
        self.workdir = workdir
        self.port = free_port()
        self.home = workdir / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.authorized_keys = workdir / "authorized_keys"
        self.authorized_keys.write_text("", encoding="utf-8")
        self.authorized_keys.chmod(0o600)
        self.host_key = workdir / "ssh_host_ed25519_key"
        self.config = workdir / "sshd_config"
        self.log = workdir / "sshd.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._new_host_key()
        lines = [
            "ListenAddress 127.0.0.1",
            f"HostKey {self.host_key}",
            f"PidFile {workdir / 'sshd.pid'}",
            f"AuthorizedKeysFile {self.authorized_keys}",
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "AllowTcpForwarding no",
            "X11Forwarding no",
            # The runner's install lands in a temporary HOME, not in /root.
            f"SetEnv HOME={self.home}"
            + (f" PATH={session_path}" if session_path is not None else ""),
            "Subsystem sftp internal-sftp",
            "LogLevel ERROR",
        ]
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    @property
    def host_key_pub(self) -> Path:
        """Return the public host key file."""
        return self.host_key.with_suffix(".pub")

    def _new_host_key(self) -> None:
        for path in (self.host_key, self.host_key_pub):
            path.unlink(missing_ok=True)
        subprocess.run(  # noqa: S603 - fixed argv
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.host_key)],
            check=True,
            timeout=30,
        )

    def fingerprint(self) -> str:
        """Return the host key's SHA256 fingerprint as ssh-keygen prints it."""
        out = subprocess.run(  # noqa: S603 - fixed argv
            ["ssh-keygen", "-l", "-f", str(self.host_key_pub)],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
        return out.split()[1]

    def authorize(self, public_key: str) -> None:
        """Let `public_key` log in."""
        with self.authorized_keys.open("a", encoding="utf-8") as handle:
            handle.write(public_key.strip() + "\n")

    def start(self) -> None:
        """Start sshd in the foreground and wait until it accepts connections."""
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [SSHD, "-D", "-e", "-f", str(self.config), "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"sshd exited: {self.log.read_text(encoding='utf-8')[-2000:]}"
                )
            with contextlib.closing(_true_socket()) as sock:
                sock.settimeout(0.2)
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise TimeoutError(f"sshd did not listen on {self.port}")

    def stop(self) -> None:
        """Stop sshd (its sessions end with it)."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
            self.process = None

    def restart(self, *, new_host_key: bool = False) -> None:
        """Restart on the same port, optionally with a new host key."""
        self.stop()
        if new_host_key:
            self._new_host_key()
        self.start()
