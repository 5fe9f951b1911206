"""Sample transcript corpus and WAV writing shared by the speech tests and benchmarks.

Not a test module (no ``test_`` prefix). Test modules and benchmarks import it
by name (pytest puts ``tests/`` on the path: ``pythonpath`` in pyproject.toml)::

    from speech_corpus import sample_transcripts
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.sample.catalog import LANGUAGES, TOPICS
from workbench.sample.transcripts import generate_transcripts


def sample_transcripts(seed: int, prohibited_every: int, n: int = 3000) -> dict[str, pd.DataFrame]:
    """Transcripts of ``n`` answered calls on both lines, without the queue simulation (~3 s for 3000).

    Calls cycle through every topic, the language alternating by round of
    topics; of the 30 agents, every ``prohibited_every``-th uses a prohibited
    phrase. Returns the tables of :func:`~workbench.sample.transcripts.generate_transcripts`
    (``segments``, ``pii_spans``, ``compliance``...).
    """
    rng = np.random.default_rng(seed)
    agent_ids = [f"A{1001 + i}" for i in range(30)]
    topics = [TOPICS[i % len(TOPICS)] for i in range(n)]
    calls = pd.DataFrame(
        {
            "call_id": [f"C{i:06d}" for i in range(n)],
            "language": [LANGUAGES[(i // len(TOPICS)) % 2] for i in range(n)],
            "queue": [t.queue for t in topics],
            "topic_id": [t.topic_id for t in topics],
            "agent_id": rng.choice(agent_ids, size=n),
            "talk_seconds": np.round(rng.lognormal(np.log(280), 0.55, size=n), 1),
        }
    )
    agents = pd.DataFrame(
        {"agent_id": agent_ids, "uses_prohibited_phrase": [i % prohibited_every == 0 for i in range(30)]}
    )
    return generate_transcripts(calls, agents, seed=seed)


def pcm16(signal: np.ndarray) -> np.ndarray:
    """Float samples (full scale 1.0) as int16 PCM: rounded, clipped."""
    return np.clip(np.round(np.asarray(signal, dtype=float) * 32768), -32768, 32767).astype("<i2")


def write_wav(path: Path, *channels: np.ndarray, rate_hz: int = 16_000) -> Path:
    """Write int16 channels (equal length) as a PCM WAV with the standard-library wave module."""
    frames = np.stack([np.asarray(c, dtype="<i2") for c in channels], axis=1)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(len(channels))
        wav.setsampwidth(2)
        wav.setframerate(rate_hz)
        wav.writeframes(frames.tobytes())
    return path
