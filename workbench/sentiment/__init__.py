"""Sentiment of call-centre text, in Chinese and English, offline.

Scores are floats in -1 (negative) .. 1 (positive); one rule turns them into
:data:`SENTIMENT_LABELS` (:func:`label_for`). The default model,
``callcentre``, routes each text by language (snownlp for Chinese, VADER for
English) and blends in a call-centre lexicon with negation and intensity
(:mod:`workbench.sentiment.models`, :mod:`workbench.sentiment.lexicon`).

Frames in, frames out; no input is modified:

* :func:`score_texts` / :func:`score_frame`: texts or a column of a frame;
* :func:`segment_sentiment`: each transcript turn;
* :func:`call_sentiment`: one row per call (customer, agent, start, end, the most negative moment);
* :func:`negative_share`: share of negative calls per group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import ParameterError
from workbench.glossary import require_columns
from workbench.i18n import N_
from workbench.registries import SENTIMENT_MODELS
from workbench.text_language import text_language

__all__ = [
    "SENTIMENT_LABELS", "SENTIMENT_LABEL_NAMES", "NEUTRAL_BAND", "DEFAULT_MODEL", "get_sentiment_model", "label_for",
    "score_texts", "score_frame", "segment_sentiment", "call_sentiment", "negative_share", "SEGMENT_COLUMNS",
    "CALL_SENTIMENT_COLUMNS", "CUSTOMER_WEIGHT",
]  # fmt: skip

SENTIMENT_LABELS = ("negative", "neutral", "positive")
#: Display names of the labels (translate with ``workbench.i18n._`` where shown).
SENTIMENT_LABEL_NAMES = {"negative": N_("negative"), "neutral": N_("neutral"), "positive": N_("positive")}
#: Scores with ``abs(score) <= NEUTRAL_BAND`` are neutral. Calibrated for 3-way macro-F1 of the callcentre
#: model on the calibration split of en_twitter_airline_sentiment (tests/bench_sentiment.py --calibrate):
#: 0.25 to 0.4 score within 0.001 of each other there (0.56 at 0.05); the narrowest of them is used.
NEUTRAL_BAND = 0.25
DEFAULT_MODEL = "callcentre"
#: Weight of the customer's turns against the agent's in a call's sentiment: the customer's mood is the outcome.
CUSTOMER_WEIGHT = 3.0
SEGMENT_COLUMNS = ("call_id", "segment_index", "speaker_role", "start_seconds", "end_seconds", "text")
CALL_SENTIMENT_COLUMNS = (
    "call_id", "customer_sentiment", "customer_sentiment_start", "customer_sentiment_end", "agent_sentiment",
    "call_sentiment", "call_sentiment_label", "most_negative_seconds", "most_negative_score",
)  # fmt: skip
_LANGUAGES = ("auto", "zh", "en")
_MODELS: dict[tuple, Any] = {}


def get_sentiment_model(name: str = DEFAULT_MODEL, **options: Any) -> Any:
    """The sentiment model registered as ``name`` (``SENTIMENT_MODELS``), built once per process per options.

    Args:
        name: ``callcentre`` (default), ``snownlp``, ``vader``, ``pysenti``, ``ngram`` or a plug-in's name.
        options: keyword options of the model (``ngram``: ``model_path=``).

    Raises:
        ParameterError: unknown name.
        MissingComponentError: the model's package or files are missing.
    """
    SENTIMENT_MODELS.check(name)
    key = (name, tuple(sorted((k, str(v)) for k, v in options.items())))
    if key not in _MODELS:
        _MODELS[key] = SENTIMENT_MODELS.load(name)(**options)
    return _MODELS[key]


def _model(model: Any) -> Any:
    return get_sentiment_model(model) if isinstance(model, str) else model


def label_for(scores: Any, neutral_band: float = NEUTRAL_BAND) -> Any:
    """Label of each score: ``negative`` below ``-neutral_band``, ``positive`` above ``neutral_band``, else ``neutral``.

    A missing score (NaN: blank text, language the model cannot score) has no label (None).
    Takes one number or a sequence/array/Series; returns a label or a list (a Series for a Series).

    >>> label_for([-0.8, 0.05, 0.6, float("nan")])
    ['negative', 'neutral', 'positive', None]
    """
    if not 0.0 <= neutral_band < 1.0:
        raise ParameterError(f"neutral_band must be in 0..1, got {neutral_band}", field="neutral_band")

    def one(value: Any) -> str | None:
        if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
            return None
        return "negative" if value < -neutral_band else "positive" if value > neutral_band else "neutral"

    if isinstance(scores, pd.Series):
        return scores.map(one).astype(object)
    if np.ndim(scores) == 0:
        return one(float(scores))
    return [one(float(v)) if v is not None else None for v in scores]


def _check_language(language: str) -> str:
    if language not in _LANGUAGES:
        raise ParameterError(f"language must be one of {', '.join(_LANGUAGES)}, got {language!r}", field="language")
    return language


def _as_texts(values: Sequence[Any]) -> list[str]:
    return [v if isinstance(v, str) else ("" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
            for v in values]  # fmt: skip


def score_texts(texts: Sequence[str], *, model: Any = DEFAULT_MODEL, language: str = "auto") -> pd.DataFrame:
    """Score texts.

    Args:
        texts: the texts (None/NaN count as blank).
        model: a model name (see :func:`get_sentiment_model`) or a model object.
        language: ``auto`` (per text, :func:`workbench.text_language.text_language`), ``zh`` or ``en``.

    Returns:
        One row per text, in order: ``score`` (-1..1, NaN for blank), ``label`` (None for blank), ``language``.
    """
    _check_language(language)
    values = _as_texts(list(texts))
    languages = [text_language(t) for t in values] if language == "auto" else [language] * len(values)
    scores = np.asarray(_model(model).score(values, languages), dtype=float) if values else np.array([], dtype=float)
    return pd.DataFrame({"score": scores, "label": pd.Series(label_for(scores), dtype=object),
                         "language": pd.Series(languages, dtype=object)})  # fmt: skip


def score_frame(
    frame: pd.DataFrame,
    text_column: str,
    id_column: str | None = None,
    *,
    language: str = "auto",
    model: Any = DEFAULT_MODEL,
    file: Any = None,
) -> pd.DataFrame:
    """Score the texts of one column of ``frame``.

    Args:
        frame: needs ``text_column`` (and ``id_column`` when given).
        text_column / id_column: the columns; without an id column the id is the row number (0-based).
        language / model: as in :func:`score_texts`.
        file: the file the frame came from, named in errors.

    Returns:
        ``id, score, label``, one row per row of ``frame``.

    Raises:
        InputDataError: a missing column (``field`` names it).
    """
    require_columns(frame, [text_column] + ([id_column] if id_column else []), "score_frame", file=file)
    scored = score_texts(frame[text_column].tolist(), model=model, language=language)
    ids = frame[id_column].to_numpy() if id_column else np.arange(len(frame))
    return pd.DataFrame({"id": ids, "score": scored["score"].to_numpy(), "label": scored["label"].to_numpy()})


def segment_sentiment(segments: pd.DataFrame, model: Any = DEFAULT_MODEL) -> pd.DataFrame:
    """A copy of ``segments`` with ``sentiment_score`` and ``sentiment_label`` per turn.

    Args:
        segments: ``call_id, segment_index, speaker_role, start_seconds, end_seconds, text``; a ``language``
            column (``zh``/``en``) is used when present, else each text's language is detected.
        model: model name or object.
    """
    require_columns(segments, SEGMENT_COLUMNS, "segment_sentiment")
    out = segments.copy()
    texts = _as_texts(out["text"].tolist())
    given = out["language"].tolist() if "language" in out.columns else [None] * len(out)
    languages = [g if g in ("zh", "en") else text_language(t) for g, t in zip(given, texts)]
    scores = np.asarray(_model(model).score(texts, languages), dtype=float) if texts else np.array([], dtype=float)
    out["sentiment_score"] = scores
    out["sentiment_label"] = pd.Series(label_for(scores), index=out.index, dtype=object)
    return out


def _weighted(scores: pd.Series, weights: pd.Series) -> float:
    if scores.empty:
        return float("nan")
    return float(np.average(scores.to_numpy(dtype=float), weights=weights.to_numpy(dtype=float)))


def _one_call(turns: pd.DataFrame) -> dict[str, Any]:
    turns = turns.sort_values(["start_seconds", "segment_index"], kind="stable")
    # A turn without a usable duration still counts, a little (0.1 s), so zero-length rows are not lost.
    weight = (turns["end_seconds"] - turns["start_seconds"]).clip(lower=0.1).fillna(0.1)
    customer = turns["speaker_role"] == "customer"
    agent = turns["speaker_role"] == "agent"
    c_scores, c_weights = turns["sentiment_score"][customer], weight[customer]
    third = max(1, math.ceil(len(c_scores) / 3))
    customer_value = _weighted(c_scores, c_weights)
    agent_value = _weighted(turns["sentiment_score"][agent], weight[agent])
    if len(c_scores):
        call_value = customer_value if not agent.any() else (
            (CUSTOMER_WEIGHT * customer_value + agent_value) / (CUSTOMER_WEIGHT + 1.0))
        candidates = turns[customer]
    else:
        call_value = _weighted(turns["sentiment_score"], weight)
        candidates = turns
    worst = candidates.loc[candidates["sentiment_score"].idxmin()] if len(candidates) else None
    return {
        "customer_sentiment": customer_value,
        "customer_sentiment_start": _weighted(c_scores.iloc[:third], c_weights.iloc[:third]),
        "customer_sentiment_end": _weighted(c_scores.iloc[-third:], c_weights.iloc[-third:]),
        "agent_sentiment": agent_value,
        "call_sentiment": call_value,
        "most_negative_seconds": float(worst["start_seconds"]) if worst is not None else float("nan"),
        "most_negative_score": float(worst["sentiment_score"]) if worst is not None else float("nan"),
    }


def call_sentiment(segments_with_sentiment: pd.DataFrame, neutral_band: float = NEUTRAL_BAND) -> pd.DataFrame:
    """One row per call from scored turns (:func:`segment_sentiment`).

    Needs ``call_id, segment_index, speaker_role, start_seconds, end_seconds, sentiment_score``. Turns without a
    score (blank) are left out. Per call:

    * ``customer_sentiment``: the customer's turns, weighted by duration; ``customer_sentiment_start`` /
      ``customer_sentiment_end``: the first / last third of them (at least one turn), to see a turnaround;
    * ``agent_sentiment``: the agent's turns likewise;
    * ``call_sentiment``: customer and agent weighted :data:`CUSTOMER_WEIGHT` : 1; a call with no customer
      turns (roles unknown, ``speaker_N``) takes every scored turn by duration; ``call_sentiment_label`` by
      :func:`label_for`;
    * ``most_negative_seconds`` / ``most_negative_score``: start and score of the most negative customer turn
      (of any turn when the call has no customer turn).

    Returns:
        :data:`CALL_SENTIMENT_COLUMNS`, one row per call with a scored turn, sorted by ``call_id``.
    """
    needed = ["call_id", "segment_index", "speaker_role", "start_seconds", "end_seconds", "sentiment_score"]
    require_columns(segments_with_sentiment, needed, "call_sentiment")
    turns = segments_with_sentiment[needed].copy()
    turns["sentiment_score"] = pd.to_numeric(turns["sentiment_score"], errors="coerce")
    for column in ("start_seconds", "end_seconds"):
        turns[column] = pd.to_numeric(turns[column], errors="coerce")
    turns = turns[turns["sentiment_score"].notna()]
    if turns.empty:
        empty = pd.DataFrame({c: pd.Series(dtype=float) for c in CALL_SENTIMENT_COLUMNS})
        return empty.astype({"call_id": object, "call_sentiment_label": object})
    rows = [{"call_id": call_id, **_one_call(group)} for call_id, group in turns.groupby("call_id", sort=True)]
    out = pd.DataFrame(rows)
    out["call_sentiment_label"] = pd.Series(label_for(out["call_sentiment"].to_numpy(), neutral_band), dtype=object)
    return out[list(CALL_SENTIMENT_COLUMNS)]


def negative_share(frame: pd.DataFrame, by: str | Sequence[str],
                   label_column: str = "call_sentiment_label") -> pd.DataFrame:  # fmt: skip
    """Share of negative calls per group.

    Args:
        frame: one row per call, with the ``by`` columns and ``label_column``.
        by: column name(s) to group by (queue_id, agent_id, day, ...).
        label_column: the label column; rows without a label are not counted.

    Returns:
        ``by..., calls, negative_calls, negative_share`` (0..1), sorted by ``by``.
    """
    keys = [by] if isinstance(by, str) else list(by)
    if not keys:
        raise ParameterError("negative_share needs at least one column to group by", field="by")
    require_columns(frame, keys + [label_column], "negative_share")
    labelled = frame.loc[frame[label_column].notna(), keys + [label_column]]
    if labelled.empty:
        return pd.DataFrame({**{k: pd.Series(dtype=frame[k].dtype) for k in keys},
                             "calls": pd.Series(dtype="int64"), "negative_calls": pd.Series(dtype="int64"),
                             "negative_share": pd.Series(dtype=float)})  # fmt: skip
    grouped = labelled.assign(_negative=labelled[label_column] == "negative").groupby(keys, sort=True, dropna=False)
    out = grouped["_negative"].agg(calls="size", negative_calls="sum").reset_index()
    out["calls"] = out["calls"].astype("int64")
    out["negative_calls"] = out["negative_calls"].astype("int64")
    out["negative_share"] = out["negative_calls"] / out["calls"]
    return out
