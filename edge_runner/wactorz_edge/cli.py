"""Command line: `wactorz-edge --broker HOST --name NODE ...`.

The broker password and the node secret are read from files (never from argv,
never logged). Without a secret file the node still announces itself and sends
heartbeats, but refuses every control message (`not_paired`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
from pathlib import Path
import signal
import stat
import sys

from . import __version__
from .link import LinkSettings
from .packages import PackageRefusedError, check_name
from .protocol import DEFAULT_MAX_SKEW_S, NAME_RE, key_id, parse_secret
from .runner import Runner, RunnerConfig

_LOGGER = logging.getLogger("wactorz_edge")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser."""
    parser = argparse.ArgumentParser(
        prog="wactorz-edge",
        allow_abbrev=False,
        description="Host Wactorz agents on this machine, controlled by Home Assistant over MQTT.",
    )
    parser.add_argument(
        "--broker", required=True, help="MQTT broker host name or address"
    )
    parser.add_argument(
        "--port", type=int, default=1883, help="MQTT broker port (1883)"
    )
    parser.add_argument(
        "--name", required=True, help="node name ([A-Za-z0-9_.-], max 64)"
    )
    parser.add_argument("--username", help="MQTT user name")
    parser.add_argument(
        "--password-file", type=Path, help="file holding the MQTT password"
    )
    parser.add_argument("--tls", action="store_true", help="connect with TLS")
    parser.add_argument(
        "--ca", type=Path, help="CA bundle for TLS (default: system CAs)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="where state is kept (default: ~/.local/state/wactorz-edge/NODE)",
    )
    parser.add_argument(
        "--secret-file",
        type=Path,
        help="file holding the per-node secret (64+ hex chars)",
    )
    parser.add_argument(
        "--generate-secret",
        action="store_true",
        help="write a new random secret to --secret-file (mode 0600) and exit",
    )
    parser.add_argument(
        "--allow-package",
        action="append",
        default=[],
        metavar="NAME",
        help="allow `pip install NAME` for agents (repeatable; off by default)",
    )
    parser.add_argument(
        "--pip-find-links",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="a local folder of wheels for package installs (repeatable)",
    )
    parser.add_argument(
        "--pip-no-index",
        action="store_true",
        help="install packages only from --pip-find-links folders (no package index)",
    )
    parser.add_argument(
        "--allow-code",
        action="store_true",
        help="accept signed code agents (run in a limited child process)",
    )
    parser.add_argument(
        "--stop-on-eof",
        action="store_true",
        help="shut down when standard input closes (for a supervising parent process)",
    )
    parser.add_argument(
        "--heartbeat-interval", type=float, default=10.0, help="seconds (10)"
    )
    parser.add_argument(
        "--keepalive", type=int, default=30, help="MQTT keepalive seconds (30)"
    )
    parser.add_argument(
        "--max-skew",
        type=int,
        default=DEFAULT_MAX_SKEW_S,
        help=f"accepted clock skew of control messages in seconds ({DEFAULT_MAX_SKEW_S})",
    )
    parser.add_argument(
        "--offline-start",
        type=float,
        default=30.0,
        help="start the stored agents after this many seconds without a broker (30)",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level (INFO)",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    return parser


def _read_secret_file(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        _LOGGER.warning("%s is readable by others: chmod 600 it", path)
    return parse_secret(path.read_text(encoding="utf-8"))


def _generate_secret(path: Path) -> int:
    if path.exists():
        print(f"{path} exists; not overwriting it", file=sys.stderr)  # noqa: T201
        return 2
    import secrets  # noqa: PLC0415 - only this command needs it

    secret = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret.hex() + "\n")
    print(f"wrote a new node secret to {path} (key id {key_id(secret)})")  # noqa: T201
    return 0


def config_from_args(args: argparse.Namespace) -> RunnerConfig:
    """Build the runner configuration; raise ValueError with a clear message."""
    if not NAME_RE.match(args.name):
        raise ValueError(f"invalid node name {args.name!r}")
    if not 0 < args.port < 65536:
        raise ValueError("--port must be 1-65535")
    if args.ca is not None and not args.tls:
        raise ValueError("--ca needs --tls")
    try:
        for name in args.allow_package:
            check_name(name)
    except PackageRefusedError as err:
        raise ValueError(f"--allow-package: {err}") from None
    if args.pip_no_index and not args.pip_find_links:
        raise ValueError("--pip-no-index needs --pip-find-links")
    for folder in args.pip_find_links:
        if not folder.is_dir():
            raise ValueError(f"--pip-find-links: {folder} is not a folder")
    password = None
    if args.password_file is not None:
        password = args.password_file.read_text(encoding="utf-8").rstrip("\r\n")
    secret = None
    if args.secret_file is not None:
        if args.secret_file.exists():
            secret = _read_secret_file(args.secret_file)
        else:
            _LOGGER.warning(
                "%s does not exist: the node is not paired", args.secret_file
            )
    else:
        _LOGGER.warning(
            "No --secret-file: the node is not paired and refuses control messages"
        )
    data_dir = (
        args.data_dir or Path.home() / ".local" / "state" / "wactorz-edge" / args.name
    )
    return RunnerConfig(
        node=args.name,
        link=LinkSettings(
            host=args.broker,
            port=args.port,
            client_id=f"wactorz-edge-{args.name}",
            username=args.username,
            password=password,
            tls=args.tls,
            ca_file=str(args.ca) if args.ca else None,
            keepalive=args.keepalive,
        ),
        data_dir=data_dir,
        secret=secret,
        allow_code=args.allow_code,
        allowed_packages=tuple(args.allow_package),
        pip_find_links=tuple(str(folder.resolve()) for folder in args.pip_find_links),
        pip_no_index=args.pip_no_index,
        heartbeat_s=max(0.2, args.heartbeat_interval),
        max_skew_s=args.max_skew,
        offline_start_s=args.offline_start,
    )


async def _stop_on_eof(runner: Runner) -> None:
    """Shut the runner down when stdin reaches EOF (the supervising parent is gone)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    try:
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
        )
    except (OSError, ValueError) as err:  # a regular file or a closed stdin
        _LOGGER.warning("--stop-on-eof: cannot watch standard input: %s", err)
        return
    while await reader.read(4096):
        pass
    _LOGGER.info("Standard input closed: shutting down")
    runner.request_shutdown()


async def _serve(config: RunnerConfig, stop_on_eof: bool = False) -> None:
    runner = Runner(config)
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # not POSIX
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, runner.request_shutdown)
    watcher = loop.create_task(_stop_on_eof(runner)) if stop_on_eof else None
    try:
        await runner.run()
    finally:
        if watcher is not None:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)


def main(argv: list[str] | None = None) -> int:
    """Run the edge runner; return the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.generate_secret:
        if args.secret_file is None:
            print("--generate-secret needs --secret-file", file=sys.stderr)  # noqa: T201
            return 2
        return _generate_secret(args.secret_file)
    try:
        config = config_from_args(args)
    except (OSError, ValueError) as err:
        print(f"wactorz-edge: {err}", file=sys.stderr)  # noqa: T201
        return 2
    asyncio.run(_serve(config, args.stop_on_eof))
    return 0
