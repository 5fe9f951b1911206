"""Benchmark: text sentiment models on real labelled Chinese and English sets, against the untuned packages.

Run: ``python tests/bench_sentiment.py --output outputs/bench/speech_intelligence/sentiment.json``
(about 2-3 minutes on 2 cores; not part of ``make test``). Needs ``../shared/datasets``:

* zh hotel (service domain): ``zh_chnsenticorp_hotel``; rows shuffled with seed 19, the first
  :data:`HOTEL_CALIBRATION` rows are the CALIBRATION split (the blend numbers in
  ``workbench.sentiment.models.BLEND`` were fitted there, ``--calibrate``), a stratified
  :data:`HOTEL_EVALUATION` of the rest is the EVALUATION split reported here;
* zh shopping held-out: ``zh_online_shopping_10_cats`` without its 酒店 category (which repeats the hotel
  set); :data:`SHOPPING_EVALUATION` rows held out, the rest trains the n-gram model in this run
  (cross-domain when scored on hotel; the model is kept in memory, never saved);
* en airline tweets: ``en_twitter_airline_sentiment``; seed-19 shuffle, the first :data:`AIRLINE_CALIBRATION`
  rows calibrate (blend on non-neutral rows, and the neutral band of ``label_for``), the rest is evaluated,
  3-way (negative/neutral/positive) and 2-way (neutral rows left out, sign of the score).

Binary sets are scored by the sign of the score (> 0 positive); 3-way by :func:`workbench.sentiment.label_for`.
Each model's accuracy, macro-F1 and texts per second, and differences vs the untuned package
(snownlp for zh, VADER for en), go to the JSON fragment.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import workbench

SHARED = Path(workbench.__file__).resolve().parents[2] / "shared" / "datasets"
HOTEL = SHARED / "zh_chnsenticorp_hotel" / "ChnSentiCorp_htl_all.csv"
SHOPPING = SHARED / "zh_online_shopping_10_cats" / "online_shopping_10_cats.csv"
AIRLINE = SHARED / "en_twitter_airline_sentiment" / "twitter_us_airline_sentiment.csv"
SEED = 19
HOTEL_CALIBRATION = 1000
HOTEL_EVALUATION = 800
SPEED_TEXTS = 100
VADER_NEUTRAL_BAND = 0.05  # VADER's documented threshold: its untuned 3-way rule
SHOPPING_EVALUATION = 1000
NGRAM_TRAINING = 20000
AIRLINE_CALIBRATION = 2000


def hotel_splits() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(calibration, evaluation) hotel rows: ``text, label`` (positive/negative)."""
    frame = pd.read_csv(HOTEL, dtype={"review": str}).dropna(subset=["review"])
    frame = frame[frame["review"].str.strip() != ""]
    frame = pd.DataFrame({"text": frame["review"], "label": np.where(frame["label"] == 1, "positive", "negative")})
    frame = frame.sample(frac=1.0, random_state=SEED).reset_index(drop=True)
    calibration, rest = frame.iloc[:HOTEL_CALIBRATION], frame.iloc[HOTEL_CALIBRATION:]
    share = HOTEL_EVALUATION / len(rest)
    evaluation = pd.concat([group.sample(frac=share, random_state=SEED) for _, group in rest.groupby("label")])
    return calibration.reset_index(drop=True), evaluation.reset_index(drop=True)


def shopping_splits() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(n-gram training, held-out evaluation) shopping rows without the hotel category."""
    frame = pd.read_csv(SHOPPING, dtype={"review": str}).dropna(subset=["review"])
    frame = frame[(frame["cat"] != "酒店") & (frame["review"].str.strip() != "")]
    frame = pd.DataFrame({"text": frame["review"].str.lstrip("\ufeff"),
                          "label": np.where(frame["label"] == 1, "positive", "negative")})  # fmt: skip
    frame = frame.sample(frac=1.0, random_state=SEED).reset_index(drop=True)
    evaluation = frame.iloc[:SHOPPING_EVALUATION]
    training = frame.iloc[SHOPPING_EVALUATION:SHOPPING_EVALUATION + NGRAM_TRAINING]
    return training.reset_index(drop=True), evaluation.reset_index(drop=True)


def airline_splits() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(calibration, evaluation) tweets: ``text, label`` (negative/neutral/positive)."""
    frame = pd.read_csv(AIRLINE, dtype=str)
    frame = pd.DataFrame({"text": frame["text"], "label": frame["sentiment"]})
    frame = frame.sample(frac=1.0, random_state=SEED).reset_index(drop=True)
    return frame.iloc[:AIRLINE_CALIBRATION].reset_index(drop=True), frame.iloc[AIRLINE_CALIBRATION:].reset_index(drop=True)


def metrics(truth: pd.Series, predicted: np.ndarray) -> dict[str, float]:
    """Accuracy and macro-F1 (over the classes in ``truth``)."""
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(truth))
    return {"accuracy": round(float(accuracy_score(truth, predicted)), 4),
            "macro_f1": round(float(f1_score(truth, predicted, labels=labels, average="macro")), 4)}  # fmt: skip


def binary(scores: np.ndarray) -> np.ndarray:
    """Sign rule of the binary sets: > 0 positive, else negative (NaN counts as negative, i.e. wrong half the time)."""
    return np.where(np.nan_to_num(scores, nan=0.0) > 0, "positive", "negative")


def timed_scores(model, texts: list[str], language: str) -> tuple[np.ndarray, float]:
    """Scores of all texts, and texts per second on the first :data:`SPEED_TEXTS` with the package caches empty.

    The models cache package scores per process, so callcentre reuses the snownlp scores of the same texts
    when scoring the whole set (that keeps the bench within minutes); its speed is measured cold.
    """
    from workbench.sentiment.models import clear_caches

    model.score(["warm-up 热身"], language)  # loading is not counted
    clear_caches()
    sample = texts[:SPEED_TEXTS]
    started = time.perf_counter()
    model.score(sample, language)
    speed = len(sample) / max(time.perf_counter() - started, 1e-9)
    return model.score(texts, language), speed


def calibrate() -> dict:
    """Fit the blend numbers and the neutral band on the CALIBRATION splits only; prints them."""
    from sklearn.linear_model import LogisticRegression

    from workbench.sentiment import models

    result = {}
    for language, frame in (("zh", hotel_splits()[0]), ("en", airline_splits()[0])):
        rows = frame[frame["label"] != "neutral"]
        features = np.array([models.CallCentreModel.features(t, language) for t in rows["text"]])
        # No intercept: a text with no sentiment signal must stay neutral (0), whatever the calibration set's
        # base rate (hotel reviews lean positive, airline tweets negative); class weights balanced likewise.
        fit = LogisticRegression(C=1.0, class_weight="balanced", fit_intercept=False).fit(
            features, rows["label"] == "positive")
        result[language] = [round(float(fit.coef_[0][0]), 2), round(float(fit.coef_[0][1]), 2),
                            round(float(fit.intercept_[0]), 2)]  # fmt: skip
    models.BLEND.update({k: tuple(v) for k, v in result.items()})
    calibration = airline_splits()[0]
    scores = models.CallCentreModel().score(calibration["text"].tolist(), "en")
    from workbench.sentiment import label_for

    bands = {}
    for band in np.arange(0.05, 0.61, 0.05):
        bands[round(float(band), 2)] = metrics(calibration["label"], np.asarray(label_for(scores, neutral_band=band)))["macro_f1"]
    result["neutral_band_macro_f1"] = bands
    print(json.dumps(result, indent=1))
    return result


def run() -> dict:
    """Every model on every set; returns the JSON fragment."""
    from workbench.sentiment import NEUTRAL_BAND, label_for, models

    results: dict = {"splits": {"seed": SEED, "hotel_calibration": HOTEL_CALIBRATION, "hotel_evaluation": HOTEL_EVALUATION,
                                "shopping_evaluation": SHOPPING_EVALUATION, "ngram_training": NGRAM_TRAINING,
                                "airline_calibration": AIRLINE_CALIBRATION},
                     "note": "callcentre blend numbers and the neutral band were calibrated on the calibration splits; "
                             "all figures below are on the evaluation splits"}  # fmt: skip
    started = time.perf_counter()
    training, shopping = shopping_splits()
    fit_started = time.perf_counter()
    ngram = models.train_ngram_model(training["text"].tolist(), training["label"].tolist())
    results["ngram_training_seconds"] = round(time.perf_counter() - fit_started, 1)
    _, hotel = hotel_splits()
    zh_models = {"snownlp": models.SnowNLPModel(), "pysenti": models.PysentiModel(),
                 "callcentre": models.CallCentreModel(), "ngram_shopping_trained": ngram}  # fmt: skip
    sets: dict = {}
    for set_name, frame in (("zh_hotel", hotel), ("zh_shopping_heldout", shopping)):
        texts = frame["text"].tolist()
        rows = {}
        for name, model in zh_models.items():
            scores, speed = timed_scores(model, texts, "zh")
            rows[name] = {**metrics(frame["label"], binary(scores)), "texts_per_second": round(speed, 1)}
            print(set_name, name, rows[name], file=sys.stderr)
        sets[set_name] = {"rows": len(frame), "models": rows, "baseline": "snownlp"}
    _, airline = airline_splits()
    texts = airline["text"].tolist()
    three, two = {}, {}
    polar = (airline["label"] != "neutral").to_numpy()
    for name, model in (("vader", models.VaderModel()), ("callcentre", models.CallCentreModel())):
        scores, speed = timed_scores(model, texts, "en")
        band = VADER_NEUTRAL_BAND if name == "vader" else NEUTRAL_BAND
        three[name] = {**metrics(airline["label"], np.asarray(label_for(scores, neutral_band=band))),
                       "neutral_band": band, "texts_per_second": round(speed, 1)}
        two[name] = {**metrics(airline["label"][polar], binary(scores[polar])), "texts_per_second": round(speed, 1)}
        print("airline", name, three[name], two[name], file=sys.stderr)
    sets["en_airline_3way"] = {"rows": len(airline), "models": three, "baseline": "vader"}
    sets["en_airline_2way"] = {"rows": int(polar.sum()), "models": two, "baseline": "vader"}
    for entry in sets.values():
        base = entry["models"][entry["baseline"]]
        for row in entry["models"].values():
            row["accuracy_minus_baseline"] = round(row["accuracy"] - base["accuracy"], 4)
            row["macro_f1_minus_baseline"] = round(row["macro_f1"] - base["macro_f1"], 4)
            row["speed_ratio_to_baseline"] = round(row["texts_per_second"] / base["texts_per_second"], 3)
    results["sets"] = sets
    results["versions"] = {name: model.version for name, model in zh_models.items() if name != "ngram_shopping_trained"}
    results["versions"]["vader"] = models.VaderModel().version
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--output FILE`` writes the fragment; ``--calibrate`` prints the calibration fit instead."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("outputs/bench/speech_intelligence/sentiment.json"))
    parser.add_argument("--calibrate", action="store_true", help="fit BLEND and report band choices on calibration splits")
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        print(f"skipped: {SHARED} not found", file=sys.stderr)
        return 0
    if args.calibrate:
        calibrate()
        return 0
    results = run()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"-> {args.output} ({results['wall_seconds']} s)", file=sys.stderr)
    return 0


def test_sentiment_benchmark_writes_its_figures():
    """``make bench`` runs this through pytest: the same run as the command line, into its default output."""
    import pytest

    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not found")
    target = Path("outputs/bench/speech_intelligence/sentiment.json")
    assert main(["--output", str(target)]) == 0
    figures = json.loads(target.read_text(encoding="utf-8"))
    assert figures["sets"]["zh_hotel"]["models"]["callcentre"]["accuracy"] > 0


if __name__ == "__main__":
    sys.exit(main())
