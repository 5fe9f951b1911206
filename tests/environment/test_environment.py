"""The environment definitions agree with each other and with the lock."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from workbench import paths

ROOT = paths.root_dir()


def _normalise(requirement: str) -> str:
    name = re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0]
    return name.lower().replace("_", "-")


def _pyproject_direct() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_normalise(r) for r in project["dependencies"]}
    for extra in project.get("optional-dependencies", {}).values():
        names |= {_normalise(r) for r in extra}
    return names


PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def _lock_entries() -> dict[str, tuple[str, list[str]]]:
    """Each pin of the lock: name -> (version, its --hash values)."""
    entries: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = _normalise(match.group(1))
            entries[current] = (match.group(2), [])
        elif line.strip().startswith("--hash=") and current:
            entries[current][1].append(line.strip().rstrip(" \\").removeprefix("--hash="))
    return entries


def _lock() -> dict[str, str]:
    return {name: version for name, (version, _) in _lock_entries().items()}


def test_every_pin_of_the_lock_carries_its_sha256_hashes():
    entries = _lock_entries()
    assert len(entries) > 200
    unhashed = sorted(name for name, (_, hashes) in entries.items() if not hashes)
    assert not unhashed, f"pins without --hash: {unhashed}"
    bad = [h for _, hashes in entries.values() for h in hashes if not re.fullmatch(r"sha256:[0-9a-f]{64}", h)]
    assert not bad


def test_build_tools_are_current_and_pinned_alike():
    pins = _lock()
    setuptools = tuple(int(part) for part in pins["setuptools"].split(".")[:3])
    # 78.1.1 fixed the last published setuptools vulnerability (CVE-2025-47273, path traversal).
    assert setuptools >= (78, 1, 1)
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    assert build == [f"setuptools=={pins['setuptools']}"]


def test_requirements_in_matches_pyproject():
    lines = (ROOT / "requirements.in").read_text().splitlines()
    from_in = {_normalise(line) for line in lines if line.strip() and not line.startswith("#")}
    assert from_in == _pyproject_direct()


def test_every_direct_dependency_is_pinned_in_the_lock():
    pins = _lock()
    missing = sorted(_pyproject_direct() - set(pins))
    assert not missing, f"not in requirements.lock: {missing}"
    assert pins["whisperx"] == "3.8.6"


def test_environment_yml_targets_python_311_and_installs_from_the_lock():
    spec = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in spec["dependencies"]
    pip_section = next(item["pip"] for item in spec["dependencies"] if isinstance(item, dict))
    # conda runs `pip install -U -r` on these lines: pip options that a requirements file
    # cannot hold (--no-deps) or an editable install in hash-checking mode would fail there.
    assert pip_section == ["-r requirements.lock"]


def test_cli_help_lists_commands_without_heavy_imports():
    code = (
        "import sys, time; t=time.perf_counter();"
        "from typer.testing import CliRunner; from workbench.cli import app;"
        "r=CliRunner().invoke(app, ['--help']);"
        "heavy=[m for m in ('torch','whisperx','bertopic','prophet','pandas','papermill','altair') if m in sys.modules];"
        "print(r.exit_code, heavy); print(r.output)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first_line, _, output = result.stdout.partition("\n")
    assert first_line == "0 []", result.stdout + result.stderr
    for command in ("version", "sample-data", "params", "store", "run"):
        assert command in output


def test_import_layers_contracts_hold():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
