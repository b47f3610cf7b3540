"""A real sshd for the remote tests (skipped with the reason when it cannot run)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sshd import Sshd, sshd_missing_reason


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    """Start sshd on a free loopback port with fresh host keys."""
    reason = sshd_missing_reason()
    if reason is not None:
        pytest.skip(reason)
    workdir = tmp_path / "sshd"
    workdir.mkdir()
    server = Sshd(workdir)
    server.start()
    yield server
    server.stop()
