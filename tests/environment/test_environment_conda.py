"""environment.yml installs the way conda installs it.

conda writes the ``pip:`` lines of an environment file into a temporary
``condaenv.*.requirements.txt`` next to the file and runs
``python -m pip install -U -r <that file> --exists-action=b`` there, so every
line must be requirements-file syntax (``--no-deps`` is not). The test parses
the file as conda does and runs that command in a fresh virtual environment
that sees the already-installed locked stack, with no index: pip must parse
the file, accept the lock's hashes and find every pin satisfied, offline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from workbench import paths

ROOT = paths.root_dir()


def conda_pip_lines(environment_file: Path) -> list[str]:
    """The ``pip:`` lines of an environment file, as conda reads them."""
    spec = yaml.safe_load(environment_file.read_text(encoding="utf-8"))
    sections = [item["pip"] for item in spec["dependencies"] if isinstance(item, dict) and "pip" in item]
    assert len(sections) == 1, "one pip section expected"
    return [str(line) for line in sections[0]]


def test_pip_section_has_only_requirements_file_syntax():
    lines = conda_pip_lines(ROOT / "environment.yml")
    assert lines == ["-r requirements.lock"]


@pytest.mark.slow
def test_pip_section_runs_as_conda_runs_it_in_a_fresh_venv(tmp_path):
    workdir = tmp_path / "checkout"
    workdir.mkdir()
    for name in ("environment.yml", "requirements.lock"):
        shutil.copy(ROOT / name, workdir / name)
    requirements = workdir / "condaenv.test.requirements.txt"
    requirements.write_text("\n".join(conda_pip_lines(workdir / "environment.yml")), encoding="utf-8")

    venv = tmp_path / "env"
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python3.*/site-packages"))
    import pip

    stack_site = Path(pip.__file__).resolve().parents[1]
    # The fresh venv sees the installed stack (pip included) the way .ci/ensure-env's overlay does.
    (site / "00-stack.pth").write_text(f"import site; site.addsitedir({str(stack_site)!r})\n", encoding="utf-8")

    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-U", "-r", requirements.name, "--exists-action=b"],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Requirement already satisfied: whisperx==3.8.6" in done.stdout
    assert "Collecting" not in done.stdout and "Downloading" not in done.stdout


def test_a_python_other_than_311_is_told_exactly_how_to_get_one(tmp_path):
    fake = tmp_path / "python3.13"
    fake.write_text('#!/bin/sh\n[ "$1" = --version ] && { echo "Python 3.13.5"; exit 0; }\nexit 1\n')
    fake.chmod(0o755)
    done = subprocess.run(["bash", str(ROOT / ".ci" / "ensure-env")], capture_output=True, text=True,
                          env={**os.environ, "WORKBENCH_PYTHON": str(fake)}, timeout=60)  # fmt: skip
    assert done.returncode == 1
    assert "found: Python 3.13.5" in done.stderr
    assert "conda env create -f environment.yml" in done.stderr and "WORKBENCH_STACK=" in done.stderr
    assert "uv python install 3.11" in done.stderr


@pytest.mark.slow
def test_an_environment_holding_the_lock_serves_as_the_stack(tmp_path):
    # The conda route's second step: `make demo WORKBENCH_STACK=<env prefix>` builds .venv on it.
    import pip

    stack_prefix = Path(pip.__file__).resolve().parents[4]
    checkout = tmp_path / "checkout"
    (checkout / ".ci").mkdir(parents=True)
    shutil.copy(ROOT / ".ci" / "ensure-env", checkout / ".ci" / "ensure-env")
    shutil.copy(ROOT / "requirements.lock", checkout / "requirements.lock")
    shutil.copytree(ROOT / "workbench", checkout / "workbench", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "WORKBENCH_STACK": str(stack_prefix), "WORKBENCH_VENV_CACHE": str(tmp_path / "cache")}
    done = subprocess.run(["bash", str(checkout / ".ci" / "ensure-env")], capture_output=True, text=True,
                          env=env, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert f"using the environment {stack_prefix} as the stack" in done.stdout
    assert not (tmp_path / "cache").exists(), "nothing is installed when the stack is given"
    probe = subprocess.run([str(checkout / ".venv" / "bin" / "python"), "-c", "import workbench, whisperx; print(workbench.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert probe.stdout.strip().splitlines()[-1:] == [str(checkout / "workbench" / "__init__.py")], probe.stdout + probe.stderr[-2000:]
    # Another stack for the same lock rebuilds the overlay instead of keeping the old one.
    other = tmp_path / "other-stack"
    other.symlink_to(stack_prefix)
    again = subprocess.run(["bash", str(checkout / ".ci" / "ensure-env")], capture_output=True, text=True,
                           env={**env, "WORKBENCH_STACK": str(other)}, timeout=600)  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    assert str(other) in (checkout / ".venv" / ".overlay").read_text()
