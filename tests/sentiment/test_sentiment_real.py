"""On real labelled service-domain texts (../shared, skipped when absent), callcentre beats the untuned packages.

Rows come from the EVALUATION part of the benchmark's splits (tests/bench_sentiment.py: seed-19 shuffle, the
first rows calibrated the blend), so the assertion is not on data the blend was fitted to.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench

DATASETS = Path(workbench.__file__).resolve().parents[2] / "shared" / "datasets"
HOTEL = DATASETS / "zh_chnsenticorp_hotel" / "ChnSentiCorp_htl_all.csv"
AIRLINE = DATASETS / "en_twitter_airline_sentiment" / "twitter_us_airline_sentiment.csv"
SEED, HOTEL_CALIBRATION, AIRLINE_CALIBRATION = 19, 1000, 2000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (HOTEL.is_file() and AIRLINE.is_file()), reason=f"labelled sets not under {DATASETS}"),
]


def _accuracy(model: str, texts: list[str], truth: np.ndarray, language: str) -> float:
    from workbench.sentiment import get_sentiment_model

    scores = get_sentiment_model(model).score(texts, language)
    return float((np.where(np.nan_to_num(scores) > 0, "positive", "negative") == truth).mean())


def test_callcentre_beats_snownlp_on_hotel_reviews():
    frame = pd.read_csv(HOTEL, dtype={"review": str}).dropna(subset=["review"])
    frame = frame.sample(frac=1.0, random_state=SEED).iloc[HOTEL_CALIBRATION:]
    # 150 per label from the evaluation rows, the shorter half (snownlp takes ~0.05 s per long review)
    frame = frame[frame["review"].str.len() <= frame["review"].str.len().median()]
    rows = pd.concat([group.head(150) for _, group in frame.groupby("label")])
    truth = np.where(rows["label"] == 1, "positive", "negative")
    texts = rows["review"].tolist()
    ours, package = _accuracy("callcentre", texts, truth, "zh"), _accuracy("snownlp", texts, truth, "zh")
    assert ours > 0.8
    assert ours >= package + 0.05, (ours, package)


def test_callcentre_beats_vader_on_airline_tweets():
    frame = pd.read_csv(AIRLINE, dtype=str).sample(frac=1.0, random_state=SEED).iloc[AIRLINE_CALIBRATION:]
    frame = frame[frame["sentiment"] != "neutral"].head(600)
    truth = frame["sentiment"].to_numpy()
    texts = frame["text"].tolist()
    ours, package = _accuracy("callcentre", texts, truth, "en"), _accuracy("vader", texts, truth, "en")
    assert ours >= package + 0.1, (ours, package)
