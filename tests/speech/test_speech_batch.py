"""Batch transcription: call ids, resume keys, atomic per-file writes, failures, outputs, workers.

Most tests use ``ScriptedEngine``, a registered engine that "hears" the
synthetic tone bursts of small generated WAVs and returns a fixed script (with
PII in it), so the batch logic runs in seconds. The tests marked ``asr`` run
the real WhisperX engine on the committed sample recordings.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import wave
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from workbench.errors import InputDataError, ParameterError
from workbench.paths import sample_dir
from workbench.speech import batch
from workbench.speech.batch import DOCUMENT_EXTRAS, call_id_from_filename, transcribe_files
from workbench.store import Store

from speech_corpus import write_wav

RATE_HZ = 16_000
RECORDINGS = sorted((sample_dir() / "recordings").glob("*.wav"))
AGENT_SCRIPT = "Thank you for calling, this call may be recorded for quality and training purposes."
CUSTOMER_SCRIPT = "My number is 415 555 0142, card 4111 1111 1111 1111, mail jo.smith@example.com."
PII_FRAGMENTS = ("0142", "4111", "jo.smith", "example.com")
# Seconds of a recording that makes ScriptedEngine(interrupt_on_seconds=...) raise KeyboardInterrupt.
INTERRUPT_SECONDS = 5.0


# --------------------------------------------------------------------------- fixtures


class ScriptedEngine:
    """A stand-in engine: each tone burst in a track is one utterance of a fixed script.

    Loud bursts (the agent's channel in :func:`write_call`) say ``AGENT_SCRIPT``,
    quiet ones ``CUSTOMER_SCRIPT``. ``split`` cuts each burst into that many
    segments (a different parameter set with a different segment count).
    ``interrupt_on_seconds`` and ``sleep_seconds`` simulate a kill and a slow
    model; they change no output, so they stay out of :attr:`parameters`.
    """

    name = "scripted"
    built = 0

    def __init__(self, asr_model=None, language="auto", threads=2, split=1, interrupt_on_seconds=None,
                 sleep_seconds=0.0):  # fmt: skip
        type(self).built += 1
        self.model_label = asr_model or "scripted-v1"
        self.language = language
        self.split = int(split)
        self.interrupt_on_seconds = interrupt_on_seconds
        self.sleep_seconds = float(sleep_seconds)
        self.parameters = {"engine": self.name, "model": self.model_label, "split": self.split, "threads": threads}

    def transcribe(self, audio, language=None):
        seconds = len(audio) / RATE_HZ
        if self.interrupt_on_seconds is not None and abs(seconds - self.interrupt_on_seconds) < 0.01:
            raise KeyboardInterrupt("simulated Ctrl-C in the middle of a file")
        time.sleep(self.sleep_seconds)
        frames = np.abs(np.asarray(audio))[: len(audio) // 160 * 160].reshape(-1, 160).max(axis=1)
        loud = frames > 0.05
        out = []
        edges = np.flatnonzero(np.diff(np.r_[0, loud.astype(int), 0]))
        for start_frame, end_frame in zip(edges[::2], edges[1::2]):
            start, end = start_frame / 100, end_frame / 100
            text = AGENT_SCRIPT if frames[start_frame:end_frame].max() > 0.4 else CUSTOMER_SCRIPT
            step = (end - start) / self.split
            for piece in range(self.split):
                out.append({"start_seconds": start + piece * step, "end_seconds": start + (piece + 1) * step,
                            "text": text, "confidence": 0.9, "language": "en"})  # fmt: skip
        return out


@pytest.fixture(autouse=True)
def scripted_engine(monkeypatch):
    from workbench.speech import engines

    monkeypatch.setitem(engines.ENGINES, "scripted", ScriptedEngine)
    ScriptedEngine.built = 0
    return ScriptedEngine


def write_call(path: Path, seconds: float = 4.0, turns=(("agent", 0.2, 1.2), ("customer", 1.6, 2.6))) -> Path:
    """A 16 kHz stereo WAV: agent tone bursts on the left (loud), customer on the right (quiet)."""
    rng = np.random.default_rng(len(path.name))
    samples = rng.normal(0, 1e-4, size=(int(seconds * RATE_HZ), 2))
    t = np.arange(samples.shape[0]) / RATE_HZ
    for speaker, start, end in turns:
        column, amplitude = (0, 0.5) if speaker == "agent" else (1, 0.25)
        span = (t >= start) & (t < end)
        samples[span, column] += amplitude * np.sin(2 * np.pi * 440 * t[span])
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_wav(path, *(np.clip(samples, -1, 1) * 32767).astype("<i2").T, rate_hz=RATE_HZ)


@pytest.fixture
def calls(tmp_path) -> list[Path]:
    folder = tmp_path / "audio"
    return [
        write_call(folder / "call-001.wav"),
        write_call(folder / "call-002.wav", turns=(("agent", 0.2, 1.0), ("customer", 1.5, 2.0), ("agent", 2.5, 3.5))),
        write_call(folder / "call-003.wav", seconds=3.0),
    ]


def run(paths, tmp_path, **options) -> pd.DataFrame:
    options.setdefault("engine", "scripted")
    options.setdefault("store_path", tmp_path / "w.duckdb")
    options.setdefault("progress", False)
    # The scripted tone bursts are no voices to diarize; speaker splitting has its own tests.
    options.setdefault("diarizer", "none")
    return transcribe_files(paths, **options)


def tables(store_path: Path) -> dict[str, pd.DataFrame]:
    with Store(store_path, read_only=True) as store:
        return {name: store.read_table(name) for name in
                ("transcript_segments", "speech_metrics", "compliance_results", "batches")}  # fmt: skip


def content(store_path: Path) -> dict[str, list]:
    """The store's transcript tables without timestamps, comparable between runs."""
    frames = tables(store_path)
    frames["batches"] = frames["batches"].drop(columns=["started_at", "finished_at"])
    return {name: frame.astype(str).to_dict("records") for name, frame in frames.items()}


# --------------------------------------------------------------------------- call ids


def test_call_id_from_filename_default_pattern_and_errors():
    assert call_id_from_filename("x/rec_en_001.wav") == "rec_en_001"
    pattern = r"(?P<date>\d{8})-(?P<call_id>C\d+)(?:-agent\d+)?"
    assert call_id_from_filename("/mnt/rec/20260105-C00042-agent7.wav", pattern) == "C00042"
    assert call_id_from_filename("20260105-C00043.mp3", pattern) == "C00043"
    with pytest.raises(InputDataError, match=r"notes\.wav.*does not match") as caught:
        call_id_from_filename("/mnt/rec/notes.wav", pattern)
    assert caught.value.file == "/mnt/rec/notes.wav"
    with pytest.raises(ParameterError, match="call_id"):
        call_id_from_filename("a.wav", r"(?P<id>.+)")
    with pytest.raises(ParameterError, match="regular expression"):
        call_id_from_filename("a.wav", r"(?P<call_id>[")


def test_a_file_not_matching_the_rule_fails_alone(calls, tmp_path):
    odd = write_call(tmp_path / "audio" / "voicemail.wav")
    summary = run([*calls, odd], tmp_path, call_id_pattern=r"call-(?P<call_id>\d+)")
    assert summary["status"].tolist() == ["succeeded"] * 3 + ["failed"]
    assert summary["call_id"].tolist()[:3] == ["001", "002", "003"]
    assert "voicemail" in summary["error"].iloc[3] and "does not match" in summary["error"].iloc[3]


# --------------------------------------------------------------------------- store contents


def test_batch_stores_redacted_segments_metrics_compliance_and_batch_rows(calls, tmp_path):
    summary = run(calls, tmp_path)
    assert list(summary.columns) == batch.SUMMARY_COLUMNS
    assert summary["status"].tolist() == ["succeeded"] * 3
    assert summary["segments"].tolist() == [2, 3, 2]
    assert summary["audio_seconds"].tolist() == pytest.approx([4.0, 4.0, 3.0])
    assert set(summary["model"]) == {"scripted-v1"} and set(summary["language"]) == {"en"}
    assert ScriptedEngine.built == 1, "the model is loaded once for the whole in-process batch"

    frames = tables(tmp_path / "w.duckdb")
    segments = frames["transcript_segments"]
    assert len(segments) == 7 and segments["call_id"].nunique() == 3
    first = segments[segments["call_id"] == "call-001"].sort_values("segment_index")
    assert first["speaker_role"].tolist() == ["agent", "customer"]
    assert first["start_seconds"].tolist() == pytest.approx([0.2, 1.6], abs=0.02)
    stored_text = " ".join(segments["text"])
    assert "[PHONE]" in stored_text and "[BANK_CARD]" in stored_text and "[EMAIL]" in stored_text
    assert not any(fragment in stored_text for fragment in PII_FRAGMENTS), "PII reached the store"
    assert segments["audio_sha256"].str.len().eq(64).all() and segments["parameters_hash"].nunique() == 1
    assert set(frames["speech_metrics"]["call_id"]) == {"call-001", "call-002", "call-003"}
    compliance = frames["compliance_results"]
    assert len(compliance) and set(compliance["call_id"]) == {"call-001", "call-002", "call-003"}
    assert not any(f in " ".join(compliance["evidence"].dropna()) for f in PII_FRAGMENTS)
    batches = frames["batches"]
    assert len(batches) == 3 and set(batches["kind"]) == {"transcripts"} and set(batches["status"]) == {"succeeded"}
    assert sorted(batches["rows_loaded"]) == [2, 2, 3]


def test_store_delete_where_replaces_a_set_of_rows_in_one_transaction(tmp_path):
    from workbench.errors import StoreError

    def segments(n, text):
        return pd.DataFrame({"call_id": "c", "segment_index": range(n), "speaker_role": "agent",
                             "start_seconds": 0.0, "end_seconds": 1.0, "text": text})  # fmt: skip

    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"transcript_segments": segments(3, "old")})
        replace = {"transcript_segments": ("call_id", ["c"])}
        with pytest.raises(StoreError):
            store.write_batch({"transcript_segments": segments(2, "new").assign(text=None)}, delete_where=replace)
        assert store.read_table("transcript_segments")["text"].tolist() == ["old"] * 3, "a failed write deletes nothing"
        store.write_batch({"transcript_segments": segments(2, "new")}, delete_where=replace)
        assert store.read_table("transcript_segments")["text"].tolist() == ["new", "new"]
        with pytest.raises(StoreError, match="unknown column"):
            store.write_batch({}, delete_where={"transcript_segments": ("nope", ["c"])})


# --------------------------------------------------------------------------- resume


def test_rerun_skips_and_new_parameters_replace_a_call_without_leftovers(calls, tmp_path):
    run(calls, tmp_path, engine_options={"split": 2})
    before = content(tmp_path / "w.duckdb")
    assert len(before["transcript_segments"]) == 14

    again = run(calls, tmp_path, engine_options={"split": 2})
    assert again["status"].tolist() == ["skipped"] * 3
    assert again["segments"].tolist() == [4, 6, 4]
    assert content(tmp_path / "w.duckdb") == before, "a re-run changed the store"

    # Other threads: same resume key (speed only). Other split: new parameters, fewer segments.
    assert run(calls, tmp_path, engine_options={"split": 2}, threads=1)["status"].eq("skipped").all()
    redone = run(calls[:1], tmp_path, engine_options={"split": 1})
    assert redone["status"].tolist() == ["succeeded"]
    segments = tables(tmp_path / "w.duckdb")["transcript_segments"]
    first = segments[segments["call_id"] == "call-001"]
    assert first["segment_index"].tolist() == [0, 1], "segments of the old transcript were left over"
    assert first["parameters_hash"].nunique() == 1
    assert len(segments) == 2 + 6 + 4
    assert len(tables(tmp_path / "w.duckdb")["batches"]) == 4  # one per (call, audio, parameters)


def test_changed_audio_is_transcribed_again(calls, tmp_path):
    run(calls, tmp_path)
    write_call(calls[0], turns=(("agent", 0.2, 1.2),))
    summary = run(calls, tmp_path)
    assert summary["status"].tolist() == ["succeeded", "skipped", "skipped"]
    segments = tables(tmp_path / "w.duckdb")["transcript_segments"]
    assert segments[segments["call_id"] == "call-001"]["speaker_role"].tolist() == ["agent"]


def test_dual_mono_call_is_stored_as_one_unknown_speaker_with_no_talk_ratio(tmp_path):
    # One voice on both channels (a mono recorder writing stereo), 34 dB of independent noise per side:
    # stored as one 'unknown' speaker, so the talk ratio and overtalk see no second party.
    path = write_call(tmp_path / "audio" / "dual.wav", turns=(("agent", 0.2, 1.2), ("agent", 1.6, 2.6)))
    with wave.open(str(path)) as wav:
        left = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)[:, 0].astype(float)
    noise = np.random.default_rng(5).normal(0, np.sqrt(np.mean(left**2)) / 10 ** (34 / 20), (left.size, 2))
    both = np.clip(left[:, None] + noise, -32768, 32767).astype("<i2")
    write_wav(path, *both.T, rate_hz=RATE_HZ)
    assert run([path], tmp_path)["status"].tolist() == ["succeeded"]
    stored = tables(tmp_path / "w.duckdb")
    assert stored["transcript_segments"]["speaker_role"].tolist() == ["unknown", "unknown"]
    metrics = stored["speech_metrics"].iloc[0]
    assert pd.isna(metrics["agent_talk_share"]) and pd.isna(metrics["overtalk_count"])


def test_a_new_channel_split_rule_transcribes_stored_calls_again(calls, tmp_path, monkeypatch):
    from workbench.speech import audio

    run(calls, tmp_path)
    monkeypatch.setattr(audio, "CHANNEL_SPLIT_VERSION", "another-rule")
    assert run(calls, tmp_path)["status"].eq("succeeded").all()


def test_interrupted_batch_loses_and_duplicates_nothing(calls, tmp_path):
    long_call = write_call(tmp_path / "audio" / "call-004.wav", seconds=INTERRUPT_SECONDS)
    files = [calls[0], long_call, *calls[1:]]
    committed = []
    with pytest.raises(KeyboardInterrupt):
        run(files, tmp_path, engine_options={"interrupt_on_seconds": INTERRUPT_SECONDS}, on_result=committed.append)
    assert [row["call_id"] for row in committed] == ["call-001"]
    partial = tables(tmp_path / "w.duckdb")
    assert set(partial["transcript_segments"]["call_id"]) == {"call-001"}
    assert partial["batches"]["status"].tolist() == ["succeeded"]

    resumed = run(files, tmp_path)
    assert resumed["status"].tolist() == ["skipped", "succeeded", "succeeded", "succeeded"]
    clean = tmp_path / "clean"
    run(files, clean, store_path=clean / "w.duckdb")
    assert content(tmp_path / "w.duckdb") == content(clean / "w.duckdb")


KILLED_RUN = textwrap.dedent(
    """
    import test_speech_batch as t
    from workbench.speech import engines
    from workbench.speech.batch import transcribe_files
    engines.register_engine("scripted", t.ScriptedEngine)
    transcribe_files({files!r}, engine="scripted", engine_options={{"sleep_seconds": 0.5}},
                     store_path={store!r}, output_dir={output!r}, progress=False, diarizer="none")
    """
)


@pytest.mark.slow
def test_batch_killed_after_the_first_file_resumes_without_loss(calls, tmp_path):
    store, output = tmp_path / "w.duckdb", tmp_path / "out"
    script = KILLED_RUN.format(files=[str(p) for p in calls], store=str(store), output=str(output))
    # This module (imported by the script) and the shared test support in tests/.
    here = Path(__file__).resolve()
    paths = [str(here.parent), str(here.parents[1]), os.environ.get("PYTHONPATH")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    process = subprocess.Popen([sys.executable, "-c", script], start_new_session=True, env=env)
    try:
        deadline = time.monotonic() + 120
        while not (output / "call-001.json").exists():
            assert process.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline, "the first file never finished"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    killed = tables(store)
    assert "call-001" in set(killed["transcript_segments"]["call_id"])
    assert len(killed["batches"]) < 3

    resumed = run(calls, tmp_path, store_path=store, output_dir=output)
    assert resumed["status"].iloc[0] == "skipped" and resumed["status"].isin(["skipped", "succeeded"]).all()
    clean = tmp_path / "clean"
    run(calls, clean, store_path=clean / "w.duckdb", output_dir=clean / "out")
    assert content(store) == content(clean / "w.duckdb")
    assert sorted(p.name for p in output.iterdir()) == sorted(p.name for p in (clean / "out").iterdir())


# --------------------------------------------------------------------------- failures


def test_corrupt_empty_and_unsupported_files_fail_with_reasons_and_the_batch_goes_on(calls, tmp_path):
    folder = tmp_path / "audio"
    corrupt = folder / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + os.urandom(600))
    empty = folder / "empty.wav"
    empty.write_bytes(b"")
    notes = folder / "notes.txt"
    notes.write_text("not audio at all\n")
    missing = folder / "missing.wav"
    summary = run([corrupt, calls[0], empty, notes, missing, calls[1]], tmp_path)
    assert summary["status"].tolist() == ["failed", "succeeded", "failed", "failed", "failed", "succeeded"]
    errors = dict(zip(summary["call_id"].fillna(summary["file"]), summary["error"]))
    assert "corrupt.wav" in errors["corrupt"]
    assert "empty" in errors["empty"].lower()
    assert "unsupported" in errors["notes"]
    assert "missing" in errors["missing"]
    batches = tables(tmp_path / "w.duckdb")["batches"]
    failed = batches[batches["status"] == "failed"]
    assert sorted(Path(p).name for p in failed["source_file"]) == ["corrupt.wav", "empty.wav", "missing.wav", "notes.txt"]
    assert set(tables(tmp_path / "w.duckdb")["transcript_segments"]["call_id"]) == {"call-001", "call-002"}

    # A failure recorded twice stays one row; fixing the file turns it into a success.
    run([corrupt], tmp_path)
    assert (tables(tmp_path / "w.duckdb")["batches"]["status"] == "failed").sum() == 4
    write_call(corrupt)
    assert run([corrupt], tmp_path)["status"].tolist() == ["succeeded"]


def test_cli_exit_code_is_nonzero_only_when_nothing_was_transcribed(calls, tmp_path):
    from workbench.cli import app

    empty = tmp_path / "audio" / "empty.wav"
    empty.write_bytes(b"")
    store = tmp_path / "w.duckdb"
    runner = CliRunner()
    mixed = runner.invoke(app, ["transcribe", str(empty), str(calls[0]), "--engine", "scripted",
                                "--store", str(store), "--no-progress"])  # fmt: skip
    assert mixed.exit_code == 0, mixed.output
    assert "succeeded" in mixed.output and "failed" in mixed.output and "1 transcribed" in mixed.output
    skipped = runner.invoke(app, ["transcribe", str(calls[0]), "--engine", "scripted", "--store", str(store),
                                  "--no-progress"])  # fmt: skip
    assert skipped.exit_code == 0 and "skipped" in skipped.output
    nothing = runner.invoke(app, ["transcribe", str(empty), "--engine", "scripted", "--store", str(store),
                                  "--no-progress"])  # fmt: skip
    assert nothing.exit_code == 1
    bad = runner.invoke(app, ["transcribe", str(calls[0]), "--engine", "scripted", "--spoken-language", "fr",
                              "--store", str(store)])  # fmt: skip
    assert bad.exit_code == 2 and "language" in bad.output
    both = runner.invoke(app, ["transcribe", str(calls[0]), "--workers", "2", "--scheduler", "tcp://x:1"])
    assert both.exit_code == 2


# --------------------------------------------------------------------------- outputs


def test_json_output_contract(calls, tmp_path):
    output = tmp_path / "out"
    run(calls, tmp_path, output_dir=output)
    assert sorted(p.name for p in output.iterdir()) == sorted(f"{p.stem}.{e}" for p in calls for e in ("json", "vtt"))
    document = json.loads((output / "call-002.json").read_text(encoding="utf-8"))
    assert list(document) == ["segments", "language", "model"]
    assert document["language"] == "en" and document["model"] == "scripted-v1"
    # The contract's four keys first; then the analyses stored with each segment (sentiment, role confidence
    # and, where the voice gave a value, its cues).
    assert [list(s)[:4] for s in document["segments"]] == [["speaker", "start", "end", "text"]] * 3
    assert all({"sentiment_score", "sentiment_label", "role_confidence"} <= set(s) for s in document["segments"])
    assert set().union(*document["segments"]) <= {"speaker", "start", "end", "text", *DOCUMENT_EXTRAS}
    assert [s["speaker"] for s in document["segments"]] == ["agent", "customer", "agent"]
    starts = [s["start"] for s in document["segments"]]
    assert starts == sorted(starts) and all(s["start"] < s["end"] for s in document["segments"])
    assert not any(f in (output / "call-002.json").read_text() for f in PII_FRAGMENTS)

    # Outputs lost after the store commit are written again by a re-run that skips the file.
    (output / "call-002.json").unlink()
    assert run(calls, tmp_path, output_dir=output)["status"].eq("skipped").all()
    assert json.loads((output / "call-002.json").read_text(encoding="utf-8")) == document


VTT_CUE_TIMING = re.compile(r"^(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3}) --> (\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})$")


def assert_valid_webvtt(text: str) -> list[tuple[float, float, str, str]]:
    """Check the WebVTT file structure (W3C WebVTT: header, cues, timings, voice spans); return the cues."""
    assert text.startswith("WEBVTT\n\n"), "header"
    assert "\r" not in text and "-->" not in text.replace(" --> ", "")
    cues = []
    for block in text.split("\n\n")[1:]:
        if not block.strip():
            continue
        lines = block.strip("\n").split("\n")
        identifier, timing, payload = lines[0], lines[1], lines[2:]
        assert identifier.strip() and "-->" not in identifier
        match = VTT_CUE_TIMING.match(timing)
        assert match, timing
        h1, m1, s1, ms1, h2, m2, s2, ms2 = map(int, match.groups())
        start, end = h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000
        assert end > start
        assert payload and all(line.strip() for line in payload)
        voice = re.fullmatch(r"<v ([^>]+)>([^<>]*)", payload[0])
        assert voice, payload[0]
        assert not re.search(r"&(?!amp;|lt;|gt;)", payload[0])
        cues.append((start, end, voice.group(1), voice.group(2)))
    starts = [c[0] for c in cues]
    assert starts == sorted(starts), "cue start times must not decrease"
    return cues


def test_webvtt_is_valid_with_voice_tags_and_escaped_text(calls, tmp_path):
    output = tmp_path / "out"
    run(calls[1:2], tmp_path, output_dir=output)
    cues = assert_valid_webvtt((output / "call-002.vtt").read_text(encoding="utf-8"))
    assert [c[2] for c in cues] == ["Agent", "Customer", "Agent"]
    assert "[PHONE]" in cues[1][3]

    tricky = pd.DataFrame({"speaker_role": ["customer", "agent", "unknown"], "start_seconds": [3725.5, 0.0, 1.0],
                           "end_seconds": [3726.0, 0.0, 2.0], "text": ["a < b & c --> d", "hi", "x"]})  # fmt: skip
    cues = assert_valid_webvtt(batch.transcript_vtt(tricky))
    assert [c[2] for c in cues] == ["Agent", "Speaker", "Customer"]
    assert cues[2][:2] == (3725.5, 3726.0) and cues[2][3] == "a &lt; b &amp; c --&gt; d"


def test_export_transcript_from_the_store_matches_the_written_files(calls, tmp_path):
    output = tmp_path / "out"
    run(calls, tmp_path, output_dir=output)
    with Store(tmp_path / "w.duckdb", read_only=True) as store:
        for fmt in ("json", "vtt"):
            assert batch.export_transcript(store, "call-001", fmt) == (output / f"call-001.{fmt}").read_text("utf-8")
        with pytest.raises(InputDataError, match="no transcript"):
            batch.export_transcript(store, "no-such-call")
        with pytest.raises(ValueError, match="format"):
            batch.export_transcript(store, "call-001", "srt")


def test_options_are_checked_before_any_file_is_read(calls, tmp_path):
    with pytest.raises(ParameterError, match="channels"):
        run(calls, tmp_path, channels="left")
    with pytest.raises(ParameterError, match="workers"):
        run(calls, tmp_path, workers=2, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ParameterError, match="call_id"):
        run(calls, tmp_path, call_id_pattern="(.+)")
    assert not (tmp_path / "w.duckdb").exists()


# --------------------------------------------------------------------------- the real model


DIGIT_WORDS = set("zero oh one two three four five six seven eight nine".split())


def word_set(text: str) -> set[str]:
    """Words of a text, digit words left out: the redaction replaces spoken numbers."""
    return set(re.findall(r"[a-z]+", text.lower())) - DIGIT_WORDS


@pytest.mark.asr
@pytest.mark.slow
def test_real_whisperx_on_the_sample_recordings_through_the_batch_and_the_cli(tmp_path):
    from workbench.cli import app

    english = [p for p in RECORDINGS if p.stem.startswith("rec_en_")]
    output = tmp_path / "out"
    started = time.perf_counter()
    summary = transcribe_files(english, language="en", store_path=tmp_path / "w.duckdb", output_dir=output,
                               progress=False)  # fmt: skip
    wall_seconds = time.perf_counter() - started
    print(f"in-process: {summary['audio_seconds'].sum():.1f} s of audio in {wall_seconds:.1f} s")
    assert summary["status"].tolist() == ["succeeded"] * 3, summary.to_dict("records")
    assert set(summary["model"]) == {"tiny.en"}
    for path in english:
        truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        document = json.loads((output / f"{path.stem}.json").read_text(encoding="utf-8"))
        assert document["language"] == "en" and document["model"] == "tiny.en"
        for speaker in ("agent", "customer"):
            said = word_set(" ".join(s["text"] for s in truth["segments"] if s["speaker"] == speaker))
            heard = word_set(" ".join(s["text"] for s in document["segments"] if s["speaker"] == speaker))
            assert len(said & heard) / len(said) > 0.7, (path.stem, speaker, heard)
        assert_valid_webvtt((output / f"{path.stem}.vtt").read_text(encoding="utf-8"))
    segments = tables(tmp_path / "w.duckdb")["transcript_segments"]
    assert "0142" not in " ".join(segments["text"]) and "[PHONE]" in " ".join(segments["text"])
    compliance = tables(tmp_path / "w.duckdb")["compliance_results"]
    assert len(compliance) and set(compliance["call_id"]) == {p.stem for p in english}

    result = CliRunner().invoke(app, ["transcribe", *map(str, english), "--spoken-language", "en", "--no-progress",
                                      "--store", str(tmp_path / "w.duckdb")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.count("skipped") >= 3
    fresh = CliRunner().invoke(app, ["transcribe", str(english[0]), "--spoken-language", "en", "--no-progress",
                                     "--store", str(tmp_path / "cli.duckdb"), "--output", str(tmp_path / "cli")])
    assert fresh.exit_code == 0, fresh.output
    assert "1 transcribed" in fresh.output
    assert (tmp_path / "cli" / f"{english[0].stem}.json").read_text() == (output / f"{english[0].stem}.json").read_text()


@pytest.mark.asr
@pytest.mark.slow
def test_two_local_dask_workers_transcribe_the_batch_loading_the_model_once_each(tmp_path):
    english = [p for p in RECORDINGS if p.stem.startswith("rec_en_")]
    started = time.perf_counter()
    summary = transcribe_files(english, language="en", workers=2, store_path=tmp_path / "w.duckdb",
                               output_dir=tmp_path / "out", progress=False)  # fmt: skip
    wall_seconds = time.perf_counter() - started
    print(f"2 workers: {summary['audio_seconds'].sum():.1f} s of audio in {wall_seconds:.1f} s")
    assert summary["status"].tolist() == ["succeeded"] * 3, summary.to_dict("records")
    assert summary["file"].tolist() == [str(p) for p in english], "summary rows keep the input order"

    # In-process with the workers' thread count gives the same store: one resume key, one writer either way.
    single = tmp_path / "single.duckdb"
    transcribe_files(english, language="en", threads=1, store_path=single, progress=False)
    assert content(tmp_path / "w.duckdb")["transcript_segments"] == content(single)["transcript_segments"]
    assert transcribe_files(english, language="en", store_path=single, progress=False)["status"].eq("skipped").all()


@pytest.mark.asr
@pytest.mark.slow
def test_existing_scheduler_workers_each_load_the_model_once(tmp_path):
    from distributed import Client, LocalCluster

    english = [p for p in RECORDINGS if p.stem.startswith("rec_en_")]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        summary = transcribe_files(english, language="en", scheduler=cluster.scheduler_address,
                                   store_path=tmp_path / "w.duckdb", progress=False)  # fmt: skip
        with Client(cluster) as client:
            engines_per_worker = client.run(batch.worker_engine_count)
    assert summary["status"].tolist()[:3] == ["succeeded"] * 3
    assert summary["status"].isin(["succeeded", "skipped"]).all()
    assert sorted(engines_per_worker.values()) in ([1, 1], [0, 1])
    assert len(tables(tmp_path / "w.duckdb")["transcript_segments"].drop_duplicates(
        ["call_id", "segment_index"])) == len(tables(tmp_path / "w.duckdb")["transcript_segments"])


# --------------------------------------------------------------------------- notebook charts


def test_dialogue_chart_and_table_show_each_turn_in_its_speaker_column():
    import vl_convert as vlc

    from workbench import charts

    segments = pd.DataFrame({"speaker_role": ["customer", "agent", "unknown"], "start_seconds": [2.0, 0.0, 5.0],
                             "end_seconds": [3.0, 1.5, 6.0], "text": ["my number is [PHONE]", "hello", "hm"]})  # fmt: skip
    before = segments.copy()
    svg = vlc.vegalite_to_svg(charts.dialogue_timeline(segments).to_dict())
    assert svg.startswith("<svg") and "agent" in svg and "customer" in svg
    styler = charts.dialogue_table(segments)
    shown = styler.data
    assert shown.columns.tolist() == ["time", "Agent", "Customer"]
    assert shown["Agent"].tolist() == ["hello", "", "(unknown) hm"]
    assert shown["Customer"].tolist() == ["", "my number is [PHONE]", ""]
    assert "my number is [PHONE]" in styler.to_html()
    pd.testing.assert_frame_equal(segments, before)
    with pytest.raises(InputDataError, match="speaker_role"):
        charts.dialogue_table(segments.drop(columns="speaker_role"))
