"""Filesystem locations, anchored on the package rather than the working directory.

Voilà runs a notebook with the notebook's folder as working directory and
Papermill with whatever ``--cwd`` says; both must find the same data, so every
path is derived from the repository root, with environment overrides.

Environment variables:
    WORKBENCH_ROOT: the repository root (default: parent of the package).
    WORKBENCH_DATA_DIR: data folder (default ``<root>/data``).
    WORKBENCH_OUTPUTS_DIR: per-run products (default ``<root>/outputs``).
    WORKBENCH_STORE: the DuckDB file (default ``<data>/warehouse.duckdb``).
    WORKBENCH_PARAMETERS_DIR: YAML parameter sets (default ``<root>/parameters``).
    WORKBENCH_CACHE_DIR: derived files worth keeping between runs, such as the
        apps' bundled chart JavaScript (default ``$XDG_CACHE_HOME/workbench``,
        else ``~/.cache/workbench``).
    WORKBENCH_MODELS_DIR: models assembled on this machine, such as the
        multilingual Whisper model joined from its two packages (default
        ``~/.cache/workbench/models``).
    WORKBENCH_PSEUDONYM_KEY_FILE: the secret key of caller-number pseudonyms
        (default ``$XDG_CONFIG_HOME/workbench/pseudonym.key``, else
        ``~/.config/workbench/pseudonym.key``); see :mod:`workbench.pseudonyms`.
        ``WORKBENCH_PSEUDONYM_KEY`` gives the key itself instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def root_dir() -> Path:
    """Repository root (``WORKBENCH_ROOT`` overrides)."""
    return _env_path("WORKBENCH_ROOT", PACKAGE_DIR.parent)


def data_dir() -> Path:
    """Folder holding raw inputs, the store and rejects (``WORKBENCH_DATA_DIR``)."""
    return _env_path("WORKBENCH_DATA_DIR", root_dir() / "data")


def sample_dir() -> Path:
    """Committed sample assets (recordings with their scripts)."""
    return root_dir() / "data" / "sample"


def generated_sample_dir() -> Path:
    """Where ``make demo`` writes the generated sample call centre."""
    return data_dir() / "generated"


def outputs_dir() -> Path:
    """Per-run products: executed notebooks, HTML reports, tables (``WORKBENCH_OUTPUTS_DIR``)."""
    return _env_path("WORKBENCH_OUTPUTS_DIR", root_dir() / "outputs")


def store_path() -> Path:
    """The single DuckDB file that holds the canonical tables (``WORKBENCH_STORE``)."""
    return _env_path("WORKBENCH_STORE", data_dir() / "warehouse.duckdb")


def parameters_dir() -> Path:
    """YAML parameter sets, ``parameters/<notebook>/<set>.yaml`` (``WORKBENCH_PARAMETERS_DIR``)."""
    return _env_path("WORKBENCH_PARAMETERS_DIR", root_dir() / "parameters")


def cache_dir() -> Path:
    """Derived, rebuildable files kept between runs (``WORKBENCH_CACHE_DIR``)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return _env_path("WORKBENCH_CACHE_DIR", base / "workbench")


def models_dir() -> Path:
    """Models assembled locally from packaged parts, kept between runs (``WORKBENCH_MODELS_DIR``)."""
    return _env_path("WORKBENCH_MODELS_DIR", Path.home() / ".cache" / "workbench" / "models")


def pseudonym_key_file() -> Path:
    """Key file of :mod:`workbench.pseudonyms` (``WORKBENCH_PSEUDONYM_KEY_FILE``).

    Outside the repository and the store on purpose: a store copied elsewhere
    does not carry what it takes to reverse its pseudonyms.
    """
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return _env_path("WORKBENCH_PSEUDONYM_KEY_FILE", base / "workbench" / "pseudonym.key")


def notebooks_dir() -> Path:
    """Pipeline notebooks (apps live in ``notebooks/apps``)."""
    return root_dir() / "notebooks"


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def hub_offline() -> Iterator[None]:
    """Forbid Hugging Face Hub downloads inside the block (``HF_HUB_OFFLINE=1``, ``TRANSFORMERS_OFFLINE=1``).

    huggingface_hub reads the variable once, at import, so its constant is
    switched too for the duration of the block; the caller's settings are
    restored afterwards. Model loaders (transcription, embeddings) wrap their
    loads in it, so a missing local model fails fast instead of downloading.
    """
    from huggingface_hub import constants

    saved = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    saved_constant = constants.HF_HUB_OFFLINE
    os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"
    constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = saved_constant
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
