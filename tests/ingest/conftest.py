"""Fixtures of the ingest tests: a real PostgreSQL server the tests start and stop themselves."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

#: OS user the server runs as when the tests run as root (PostgreSQL refuses to run as root).
POSTGRES_OS_USER = "postgres"
#: Database role the tests connect as (trust authentication, on 127.0.0.1 and the socket only).
POSTGRES_ROLE = "workbench"


def postgres_binaries() -> Path | None:
    """Folder holding ``initdb``, ``pg_ctl`` and ``postgres``: Debian's newest ``/usr/lib/postgresql/*/bin``, else PATH."""
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda f: int(Path(f).parent.name)
                     if Path(f).parent.name.isdigit() else 0, reverse=True)
    found = shutil.which("initdb")
    if found:
        folders.append(str(Path(found).resolve().parent))
    for folder in folders:
        if all((Path(folder) / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of a fresh PostgreSQL server on a free loopback port, stopped and removed afterwards.

    ``initdb`` into a temporary folder, trust authentication for the Unix
    socket (in that folder) and 127.0.0.1 only, ``pg_ctl start``. As root, the
    server runs as the ``postgres`` OS user that Debian's package creates.
    Skips, saying why, only when the server's programs or that user are absent.
    """
    binaries = postgres_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl, postgres) not found under /usr/lib/postgresql/*/bin "
                    "or on PATH: install Debian's postgresql package (make setup does)")
    run_as: list[str] = []
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(POSTGRES_OS_USER)
        except KeyError:
            pytest.skip(f"running as root and there is no '{POSTGRES_OS_USER}' OS user to run PostgreSQL as "
                        "(Debian's postgresql package creates it)")
        run_as = ["runuser", "-u", POSTGRES_OS_USER, "--"] if shutil.which("runuser") else None
        if run_as is None:
            pytest.skip("running as root without runuser to start PostgreSQL as another user")
    # Not under pytest's tmp folder: its parents are private to root, and the server user must reach it.
    root = Path(tempfile.mkdtemp(prefix="workbench-postgres-"))
    data, sockets, log = root / "data", root / "socket", root / "server.log"
    sockets.mkdir()
    if owner is not None:
        for path in (root, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    port = _free_port()

    def run(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run([*run_as, *command], capture_output=True, text=True, timeout=120, cwd=root)

    try:
        made = run(str(binaries / "initdb"), "-D", str(data), "-U", POSTGRES_ROLE, "--encoding=UTF8", "--locale=C",
                   "--auth-local=trust", "--auth-host=reject")
        assert made.returncode == 0, f"initdb failed: {made.stderr}"
        (data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n", encoding="utf-8"
        )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off"
        started = run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start")
        log_text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        assert started.returncode == 0, f"pg_ctl start failed: {started.stderr} {log_text}"
        yield f"postgresql+psycopg://{POSTGRES_ROLE}@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
