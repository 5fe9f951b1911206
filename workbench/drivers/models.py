"""What moves CSAT: two driver models side by side, with bootstrap uncertainty.

Both models predict *top box* (CSAT at or above a threshold):

* ``logistic``: logistic regression, a piecewise-linear spline for waiting
  time, one-hot categories; its effects are on the log-odds scale.
* ``boosting``: gradient boosting on the same columns, plus permutation
  importance measured on held-out folds (fit on k-1 folds, permute on the
  fold left out, average): importance on the rows a model was fitted on
  rewards whatever it memorised, so pure noise would rank.

An effect is the same contrast for both models and for any truth: the average
change in the log-odds of top box when a feature moves by its ``step`` (one
standard deviation for a numeric feature, 0 -> 1 for a binary one), averaged
over the surveyed calls weighted to stand for all calls. A categorical feature's
effect is the spread (share-weighted standard deviation) of its levels' average
log-odds: a size without a direction. Under an ordered logit (the sample's true
model), log-odds of top box move exactly as the latent score does, so the
logistic effects are on the truth's scale. Intervals are 95 % percentile
intervals over Bayesian-bootstrap refits (every row reweighted by an Exp(1)
draw); the spread of a categorical feature is biased upward by noise, so its
interval is a guide rather than a coverage claim.

Survey response is not random, so each surveyed call carries an inverse
probability weight from a response model fitted on every answered call
(:func:`response_weights`); :func:`analyse_drivers` uses them by default and
reports what weighting changed. Weighting corrects response that depends on
call features (waiting, language, repeat calls); response that depends on the
score itself (callers with a 1 or a 5 answer more often, as in the sample
centre) is invisible to any weighting on call features and inflates the
strongest effects somewhat: on the sample, ``resolved`` comes out at 1.6-1.7
log-odds against a true 1.4.

A numeric or binary feature may be unknown on some calls (an export without
waiting or talk times for them): the models fill it with the median of the
rows fitted and add a 0/1 column saying it was unknown
(:func:`_preprocessor`), so an unknown value is neither 0 nor mistaken for a
typical one. Its effect is averaged over the calls where it is known, and the
analysis's ``notes`` say on how many surveyed calls it was unknown. A table
with every value known is modelled exactly as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, SplineTransformer, StandardScaler

from workbench.drivers.table import check_driver_table, screen_columns
from workbench.errors import InputDataError
from workbench.i18n import format_number, format_text

CURVE_FEATURES = ("wait_seconds", "talk_seconds", "hold_seconds", "transferred")
SPLINE_FEATURES = ("wait_seconds",)
PROPENSITY_FEATURES = (
    "wait_seconds", "talk_seconds", "hold_seconds", "transferred", "abandoned_callback", "repeat_contact",
    "called_again", "queue_id", "language", "hour", "weekday",
)  # fmt: skip
AGENT_ADJUSTERS = ("topic", "queue_id", "wait_seconds")
# Inverse-probability weights above this quantile are capped: a handful of
# near-zero propensities would otherwise decide the whole fit.
WEIGHT_CAP_QUANTILE = 0.99
# Held-out permutation importance: folds and permutations per fold.
IMPORTANCE_FOLDS = 5
IMPORTANCE_REPEATS = 5
_EPS = 1e-4
# Rows predicted in one call when a feature's variants are stacked: each call pays the preprocessing's
# per-column overhead once (about 0.1 s with two dozen drivers), whatever its row count.
_MAX_STACKED_ROWS = 200_000


def _kinds(frame: pd.DataFrame, features: Sequence[str]) -> dict[str, str]:
    """numeric | binary | categorical per feature, from its values."""
    kinds = {}
    for name in features:
        values = frame[name]
        if values.dtype == bool:
            kinds[name] = "binary"
        elif pd.api.types.is_numeric_dtype(values):
            kinds[name] = "binary" if set(values.dropna().unique()) <= {0, 1} else "numeric"
        else:
            kinds[name] = "categorical"
    return kinds


def _wait_knots(values: pd.Series) -> np.ndarray:
    """Knots for a piecewise-linear waiting-time spline: 0, 2 and 5 minutes, and the longest wait.

    Fixed, round knots rather than quantiles: most calls wait 0 s, so quantile
    knots crowd near 0 and let a handful of short waits bend the curve.
    """
    top = max(float(values.max()), 1.0)
    knots = np.unique([0.0, *[k for k in (120.0, 300.0) if k < top], top])
    return knots.reshape(-1, 1)


def _preprocessor(frame: pd.DataFrame, kinds: dict[str, str], splines: bool) -> ColumnTransformer:
    """One-hot categories; numeric and binary features median-filled, with an unknown flag where ``frame`` lacks values.

    The flag column (``<feature>_unknown``) is added only for a feature with a
    missing value in ``frame``, so a complete table gets the same columns as
    ever; it is built for every fit of that frame (bootstrap, folds) alike.
    """
    parts = []
    for name, kind in kinds.items():
        if kind != "categorical" and frame[name].isna().any():
            parts.append((f"{name}_unknown", MissingIndicator(features="all"), [name]))
        if kind == "categorical":
            encoder = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5, sparse_output=False)
            parts.append((name, make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"), encoder), [name]))
        elif splines and name in SPLINE_FEATURES and kind == "numeric":
            spline = SplineTransformer(degree=1, knots=_wait_knots(frame[name]), extrapolation="linear")
            parts.append((name, make_pipeline(SimpleImputer(strategy="median"), spline, StandardScaler()), [name]))
        else:
            parts.append((name, make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), [name]))
    return ColumnTransformer(parts)


def _logistic(frame: pd.DataFrame, kinds: dict[str, str]) -> Pipeline:
    # Mild L2 only keeps rare one-hot levels finite; with standardised columns
    # and hundreds of surveys it moves the effects by far less than their CI.
    model = LogisticRegression(C=10.0, max_iter=2000)
    return Pipeline([("prep", _preprocessor(frame, kinds, splines=True)), ("model", model)])


def _boosting(frame: pd.DataFrame, kinds: dict[str, str], seed: int) -> Pipeline:
    model = GradientBoostingClassifier(
        n_estimators=120, max_depth=3, learning_rate=0.05, subsample=0.8, min_samples_leaf=20, random_state=seed
    )
    return Pipeline([("prep", _preprocessor(frame, kinds, splines=False)), ("model", model)])


def _fit(model: Pipeline, x: pd.DataFrame, y: np.ndarray, w: np.ndarray) -> Pipeline:
    return model.fit(x, y, model__sample_weight=w)


def _logit(model: Pipeline, x: pd.DataFrame) -> np.ndarray:
    p = np.clip(model.predict_proba(x)[:, 1], _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def _stacked_proba(model: Pipeline, x: pd.DataFrame, variants: Sequence[tuple[str, object]]) -> np.ndarray:
    """Probability of top box for ``x`` with one column replaced, per ``(column, value)`` variant: variants x rows.

    The variants are stacked and predicted in as few calls as :data:`_MAX_STACKED_ROWS` allows; the
    result equals predicting each variant alone (every step of the pipeline works row by row).
    """
    n = len(x)
    per_call = max(1, _MAX_STACKED_ROWS // max(n, 1))
    x = x.copy(deep=False)
    x.attrs = {}  # pandas compares the attrs of frames it concatenates; a table's may hold frames
    out = []
    for start in range(0, len(variants), per_call):
        chunk = variants[start:start + per_call]
        stacked = pd.concat([x.assign(**{name: value}) for name, value in chunk], ignore_index=True)
        out.append(model.predict_proba(stacked)[:, 1].reshape(len(chunk), n))
    return np.concatenate(out) if out else np.empty((0, n))


def _stacked_logit(model: Pipeline, x: pd.DataFrame, variants: Sequence[tuple[str, object]]) -> np.ndarray:
    p = np.clip(_stacked_proba(model, x, variants), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def _levels(frame: pd.DataFrame, name: str) -> list:
    counts = frame[name].fillna("missing").value_counts()
    return list(counts.index)


def _effects(
    model: Pipeline, x: pd.DataFrame, w: np.ndarray, kinds: dict[str, str], steps: dict[str, float]
) -> dict[str, float]:
    """The module's contrast for every feature (see the module docstring)."""
    base = _logit(model, x)
    # Every variant of every feature first, predicted stacked (see _stacked_proba), then the contrasts.
    variants: list[tuple[str, object]] = []
    levels = {name: _levels(x, name) for name, kind in kinds.items() if kind == "categorical"}
    for name, kind in kinds.items():
        if kind == "numeric":
            variants.append((name, x[name] + steps[name]))
        elif kind == "binary":
            variants += [(name, 1.0), (name, 0.0)]
        else:
            variants += [(name, level) for level in levels[name]]
    logits = iter(_stacked_logit(model, x, variants))
    out = {}
    for name, kind in kinds.items():
        if kind == "numeric":
            # Over the calls where the feature is known: an unknown value has nothing to move from.
            known = x[name].notna().to_numpy()
            moved = next(logits)
            out[name] = float(np.average((moved - base)[known], weights=w[known])) if known.any() else np.nan
        elif kind == "binary":
            high, low = next(logits), next(logits)
            out[name] = float(np.average(high - low, weights=w))
        else:
            shares = x[name].fillna("missing").value_counts().reindex(levels[name]).to_numpy(dtype=float)
            means = np.array([np.average(next(logits), weights=w) for _ in levels[name]])
            centre = np.average(means, weights=shares)
            out[name] = float(np.sqrt(np.average((means - centre) ** 2, weights=shares)))
    return out


def held_out_importance(
    builder, x: pd.DataFrame, y: np.ndarray, w: np.ndarray, *, folds: int = IMPORTANCE_FOLDS,
    repeats: int = IMPORTANCE_REPEATS, seed: int = 0,
) -> pd.DataFrame:
    """Permutation importance on held-out folds: fit on k-1 folds, permute each feature on the fold left out.

    Args:
        builder: returns a fresh, unfitted model pipeline (called once per fold).
        x: the feature frame (one column per feature); not changed.
        y: 0/1 outcome per row.
        w: row weights, used both to fit and to score.
        folds: stratified folds (fewer when the rarer class has fewer rows).
        repeats: permutations per feature and fold.
        seed: seeds the folds and the permutations.

    Returns:
        ``feature, importance, importance_sd``: the mean drop in weighted
        log-likelihood per row (``neg_log_loss``) when the feature is shuffled
        on data the model never saw, over every fold and permutation, and its
        standard deviation. A feature the model cannot use out of sample
        scores about 0.
    """
    k = int(min(folds, np.bincount(np.asarray(y, dtype=int)).min()))
    if k < 2:
        raise InputDataError("held-out importance needs at least two rows of each outcome", field="top_box")
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    rng = np.random.default_rng(seed)
    drops = []
    for train, test in splitter.split(x, y):
        fitted = _fit(builder(), x.iloc[train], y[train], w[train])
        drops.append(_permutation_drops(fitted, x.iloc[test].reset_index(drop=True), y[test], w[test], repeats, rng))
    every = np.concatenate(drops, axis=1)
    return pd.DataFrame({"feature": list(x.columns), "importance": every.mean(axis=1), "importance_sd": every.std(axis=1)})


def _weighted_log_loss(p: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted mean log loss of each row of probabilities ``p`` (variants x rows) against ``y``."""
    p = np.clip(p, 1e-15, 1 - 1e-15)
    losses = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    return losses @ w / w.sum()


def _permutation_drops(
    model: Pipeline, x: pd.DataFrame, y: np.ndarray, w: np.ndarray, repeats: int, rng: np.random.Generator
) -> np.ndarray:
    """Rise in weighted log loss when each feature is shuffled, ``repeats`` times: features x repeats.

    The same quantity as scikit-learn's ``permutation_importance`` with
    ``scoring="neg_log_loss"``, with each feature's shuffles predicted stacked (:func:`_stacked_proba`).
    """
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    base = _weighted_log_loss(model.predict_proba(x)[:, 1][None, :], y, w)[0]
    out = []
    for name in x.columns:
        values = x[name].to_numpy()
        shuffles = [(name, values[rng.permutation(len(x))]) for _ in range(repeats)]
        out.append(_weighted_log_loss(_stacked_proba(model, x, shuffles), y, w) - base)
    return np.array(out)


def response_weights(calls: pd.DataFrame, features: Sequence[str] = PROPENSITY_FEATURES) -> pd.DataFrame:
    """Survey response propensity of every answered call, and inverse-probability weights.

    Args:
        calls: one row per answered call (surveyed or not), as from
            :func:`workbench.drivers.table.call_features`; needs ``call_id``,
            ``surveyed`` and the ``features`` present (missing ones are skipped).
        features: call features known for every call, whether surveyed or not.

    Returns:
        ``call_id``, ``surveyed``, ``propensity`` (estimated probability of a
        response) and ``weight`` (1 / propensity for surveyed calls, capped at
        the 99th percentile and scaled to mean 1 over them; 0 otherwise).

    Raises:
        InputDataError: ``surveyed`` is missing or holds one value only.
    """
    if "surveyed" not in calls.columns:
        raise InputDataError("response weights need a 'surveyed' column over all calls", field="surveyed")
    surveyed = calls["surveyed"].astype(bool).to_numpy()
    if surveyed.all() or not surveyed.any():
        raise InputDataError("response weights need surveyed and non-surveyed calls", field="surveyed")
    usable = [f for f in features if f in calls.columns and calls[f].notna().mean() > 0.5 and calls[f].nunique() > 1]
    kinds = _kinds(calls, usable)
    x = calls[usable].copy()
    for name, kind in kinds.items():
        if kind == "categorical":  # an unknown category (a dimension without a value) is a level of its own
            x[name] = x[name].astype("string").fillna("missing").astype(object)
        elif kind == "binary":
            x[name] = x[name].astype(float)
    model = Pipeline([("prep", _preprocessor(x, kinds, splines=True)), ("model", LogisticRegression(max_iter=2000))])
    model.fit(x, surveyed.astype(int))
    propensity = np.clip(model.predict_proba(x)[:, 1], 1e-3, 1.0)
    raw = np.where(surveyed, 1.0 / propensity, 0.0)
    cap = np.quantile(raw[surveyed], WEIGHT_CAP_QUANTILE)
    weight = np.minimum(raw, cap)
    weight = np.where(surveyed, weight / weight[surveyed].mean(), 0.0)
    return pd.DataFrame(
        {"call_id": calls["call_id"].to_numpy(), "surveyed": surveyed, "propensity": propensity, "weight": weight}
    )


@dataclass
class DriverAnalysis:
    """Everything :func:`analyse_drivers` found; tables are plain DataFrames.

    Attributes:
        drivers: ``model, feature, kind, step, effect, ci_low, ci_high,
            direction, rank`` (+ ``importance``, ``importance_sd`` for boosting:
            permutation importance on held-out folds, see :func:`held_out_importance`).
        disagreements: ``feature, rank_logistic, rank_boosting, effect_logistic,
            effect_boosting, issue`` where the models differ.
        weighting: ``feature, effect_unweighted, effect_weighted, change`` (logistic).
        weighting_summary: top-box rate unweighted and weighted, weight range,
            effective sample size, or why weighting was off.
        notes: plain sentences on what was absent, dropped or assumed.
        columns: ``column, used, reason`` for every column of the input table
            (:func:`workbench.drivers.table.screen_columns`).
    """

    drivers: pd.DataFrame
    disagreements: pd.DataFrame
    weighting: pd.DataFrame
    weighting_summary: dict
    notes: list[str]
    rows: pd.DataFrame = field(repr=False)
    weights: np.ndarray = field(repr=False)
    kinds: dict[str, str] = field(repr=False)
    fits: dict[str, list[Pipeline]] = field(repr=False)  # model -> [full fit, bootstrap fits...]
    target: str = "csat"
    positive_threshold: float = 4.0
    columns: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["column", "used", "reason"]),
                                  repr=False)  # fmt: skip

    def left_out(self) -> pd.DataFrame:
        """The input columns not modelled, with the reason: ``column, reason``."""
        return self.columns.loc[~self.columns["used"].astype(bool), ["column", "reason"]].reset_index(drop=True)

    def drivers_csv(self) -> pd.DataFrame:
        """The output contract: ``model, feature, effect, ci_low, ci_high, rank``."""
        return self.drivers[["model", "feature", "effect", "ci_low", "ci_high", "rank"]].copy()


def _ranked(model_name: str, effects: dict, boot: list[dict], kinds: dict, steps: dict) -> pd.DataFrame:
    frame = pd.DataFrame({"feature": list(effects), "effect": list(effects.values())})
    samples = pd.DataFrame(boot)[frame["feature"]] if boot else None
    if samples is not None and len(samples) >= 2:
        frame["ci_low"] = samples.quantile(0.025).to_numpy()
        frame["ci_high"] = samples.quantile(0.975).to_numpy()
    else:
        frame["ci_low"] = np.nan
        frame["ci_high"] = np.nan
    frame["kind"] = frame["feature"].map(kinds)
    frame["step"] = frame["feature"].map(lambda f: steps.get(f, 1.0) if kinds[f] == "numeric" else np.nan)
    sign = np.sign(frame["effect"])
    frame["direction"] = np.where(frame["kind"] == "categorical", "varies by level",
                                  np.where(sign > 0, "raises CSAT", np.where(sign < 0, "lowers CSAT", "none")))  # fmt: skip
    frame.insert(0, "model", model_name)
    frame = frame.sort_values("effect", key=np.abs, ascending=False).reset_index(drop=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame


def _disagreements(drivers: pd.DataFrame) -> pd.DataFrame:
    wide = drivers.pivot(index="feature", columns="model", values=["rank", "effect", "ci_low", "ci_high"])
    rows = []
    for feature in wide.index:
        r_l, r_b = wide.loc[feature, ("rank", "logistic")], wide.loc[feature, ("rank", "boosting")]
        e_l, e_b = wide.loc[feature, ("effect", "logistic")], wide.loc[feature, ("effect", "boosting")]
        issues = []
        sure_l = wide.loc[feature, ("ci_low", "logistic")] > 0 or wide.loc[feature, ("ci_high", "logistic")] < 0
        sure_b = wide.loc[feature, ("ci_low", "boosting")] > 0 or wide.loc[feature, ("ci_high", "boosting")] < 0
        if np.sign(e_l) != np.sign(e_b) and (sure_l or sure_b):
            issues.append("opposite directions")
        if abs(r_l - r_b) >= 3:
            issues.append(f"rank {int(r_l)} vs {int(r_b)}")
        if issues:
            rows.append({"feature": feature, "rank_logistic": int(r_l), "rank_boosting": int(r_b),
                         "effect_logistic": e_l, "effect_boosting": e_b, "issue": "; ".join(issues)})  # fmt: skip
    columns = ["feature", "rank_logistic", "rank_boosting", "effect_logistic", "effect_boosting", "issue"]
    return pd.DataFrame(rows, columns=columns)


def analyse_drivers(
    table: pd.DataFrame,
    *,
    target: str = "csat",
    positive_threshold: float = 4.0,
    features: Sequence[str] | None = None,
    weighting: bool = True,
    n_bootstrap: int = 50,
    n_bootstrap_boosting: int | None = None,
    seed: int = 0,
) -> DriverAnalysis:
    """Fit both driver models with bootstrap intervals.

    Args:
        table: a driver table: either every answered call with ``surveyed``
            (from :func:`workbench.drivers.table.call_features`, weighting
            possible) or only surveyed rows (weighting off, said in ``notes``).
            Needs ``target`` and the ``features``.
        target: the CSAT column.
        positive_threshold: top box is ``target >= positive_threshold``.
        features: driver columns; default: every usable column
            (:func:`workbench.drivers.table.screen_columns`; the columns left
            out and why are in ``columns`` and ``notes``).
        weighting: apply inverse-probability-of-response weights.
        n_bootstrap: bootstrap refits of the logistic model (0 = no intervals).
        n_bootstrap_boosting: of the boosting model (default: a third of ``n_bootstrap``).
        seed: seeds the bootstrap and the boosting.

    Returns:
        A :class:`DriverAnalysis`.

    Raises:
        InputDataError: see :func:`workbench.drivers.table.check_driver_table`.
    """
    notes: list[str] = []
    absent = table.attrs.get("absent_tables")
    if absent:
        notes.append(format_text("Absent from the store, so not used: {tables}.", tables=", ".join(absent)))
    screen = screen_columns(table, target, features)
    if features is None:
        features = screen.loc[screen["used"], "column"].tolist()
    left_out = screen[~screen["used"]]
    if len(left_out):
        notes.append(format_text("Columns left out: {columns}.", columns="; ".join(
            f"{c} ({r})" for c, r in zip(left_out["column"], left_out["reason"]))))  # fmt: skip
    features = list(features)
    rows = check_driver_table(table, target, features, positive_threshold)
    for name in features:
        unknown = int(rows[name].isna().sum())
        if unknown:
            notes.append(format_text("{name} unknown on {unknown} of {surveyed} surveyed calls: the models fill it "
                                     "with the median and a flag saying it was unknown; its effect is over the calls "
                                     "where it is known.", name=name, unknown=format_number(unknown),
                                     surveyed=format_number(len(rows))))

    summary: dict = {"weighting": "off"}
    weights = np.ones(len(rows))
    if weighting:
        if "surveyed" in table.columns and (~table["surveyed"].astype(bool)).any():
            # dimensions and the agent's columns are known for every call, surveyed or not
            extra = [c for c in table.attrs.get("dimension_features", []) if c in table.columns]
            propensity = response_weights(table, [*PROPENSITY_FEATURES, *extra])
            by_call = dict(zip(propensity["call_id"], propensity["weight"]))
            weights = rows["call_id"].map(by_call).fillna(1.0).to_numpy(dtype=float)
            ess = weights.sum() ** 2 / (weights**2).sum()
            summary = {
                "weighting": "inverse probability of response",
                "calls": int(len(table)),
                "surveyed": int(len(rows)),
                "response_rate": round(float(len(rows) / len(table)), 4),
                "weight_min": round(float(weights.min()), 3),
                "weight_max": round(float(weights.max()), 3),
                "effective_sample_size": round(float(ess), 1),
            }
        else:
            notes.append(format_text("Weighting off: the table holds surveyed calls only, so response cannot be "
                                     "modelled."))
    summary["top_box_unweighted"] = round(float(rows["top_box"].mean()), 4)
    summary["top_box_weighted"] = round(float(np.average(rows["top_box"], weights=weights)), 4)

    x = rows[features].copy()
    kinds = _kinds(x, features)
    for name, kind in kinds.items():
        if kind == "binary":
            x[name] = x[name].astype(float)
        elif kind == "categorical":
            x[name] = x[name].astype("string").fillna("missing").astype(object)
    steps = {name: float(x[name].std()) or 1.0 for name, kind in kinds.items() if kind == "numeric"}
    y = rows["top_box"].to_numpy()
    rng = np.random.default_rng(seed)
    n_boost_b = n_bootstrap // 3 if n_bootstrap_boosting is None else n_bootstrap_boosting

    fits: dict[str, list[Pipeline]] = {}
    tables = []
    for name, builder, n_b in (
        ("logistic", lambda: _logistic(x, kinds), n_bootstrap),
        ("boosting", lambda: _boosting(x, kinds, seed), n_boost_b),
    ):
        full = _fit(builder(), x, y, weights)
        models = [full]
        boot = []
        for _ in range(n_b):
            # Bayesian bootstrap (Exp(1) weights on every row) rather than
            # resampled rows: duplicated rows defeat the trees' minimum leaf
            # size and subsampling, and shift boosting's bootstrap distribution.
            fitted = _fit(builder(), x, y, weights * rng.exponential(1.0, len(x)))
            models.append(fitted)
            boot.append(_effects(fitted, x, weights, kinds, steps))
        fits[name] = models
        ranked = _ranked(name, _effects(full, x, weights, kinds, steps), boot, kinds, steps)
        if name == "boosting":
            held_out = held_out_importance(builder, x, y, weights, seed=seed).set_index("feature")
            ranked["importance"] = ranked["feature"].map(held_out["importance"])
            ranked["importance_sd"] = ranked["feature"].map(held_out["importance_sd"])
        tables.append(ranked)
    drivers = pd.concat(tables, ignore_index=True)

    unweighted = _effects(_fit(_logistic(x, kinds), x, y, np.ones(len(x))), x, np.ones(len(x)), kinds, steps)
    weighted = drivers[drivers["model"] == "logistic"].set_index("feature")["effect"]
    change = pd.DataFrame({"feature": list(unweighted), "effect_unweighted": list(unweighted.values())})
    change["effect_weighted"] = change["feature"].map(weighted)
    change["change"] = change["effect_weighted"] - change["effect_unweighted"]
    return DriverAnalysis(
        drivers=drivers, disagreements=_disagreements(drivers), weighting=change, weighting_summary=summary,
        notes=notes, rows=rows, weights=weights, kinds=kinds, fits=fits,
        target=target, positive_threshold=positive_threshold, columns=screen,
    )  # fmt: skip


def _features_frame(analysis: DriverAnalysis) -> pd.DataFrame:
    x = analysis.rows[list(analysis.kinds)].copy()
    for name, kind in analysis.kinds.items():
        if kind == "binary":
            x[name] = x[name].astype(float)
        elif kind == "categorical":
            x[name] = x[name].astype("string").fillna("missing").astype(object)
    return x


def _interval(values: np.ndarray) -> tuple[float, float]:
    if len(values) < 2:
        return (np.nan, np.nan)
    return float(np.quantile(values, 0.025)), float(np.quantile(values, 0.975))


def effect_curves(
    analysis: DriverAnalysis, features: Sequence[str] = CURVE_FEATURES, points: int = 15
) -> pd.DataFrame:
    """Partial dependence of the top-box probability, with bootstrap intervals.

    Args:
        analysis: from :func:`analyse_drivers`.
        features: numeric or binary features to trace (those not modelled are skipped).
        points: grid points per numeric feature, from 0 to its 99th percentile.

    Returns:
        ``model, feature, value, top_box, ci_low, ci_high``: the weighted mean
        predicted probability of top box with every call set to ``value``.
    """
    x = _features_frame(analysis)
    records = []
    for name in features:
        kind = analysis.kinds.get(name)
        if kind == "binary":
            grid = np.array([0.0, 1.0])
        elif kind == "numeric":
            grid = np.linspace(max(float(x[name].min()), 0.0), float(x[name].quantile(0.99)) or 1.0, points)
        else:
            continue
        for model_name, fits in analysis.fits.items():
            variants = [(name, float(v)) for v in grid]
            curves = np.array([_stacked_proba(m, x, variants) @ analysis.weights / analysis.weights.sum()
                               for m in fits])
            for j, value in enumerate(grid):
                low, high = _interval(curves[1:, j])
                records.append({"model": model_name, "feature": name, "value": float(value),
                                "top_box": float(curves[0, j]), "ci_low": low, "ci_high": high})  # fmt: skip
    return pd.DataFrame(records, columns=["model", "feature", "value", "top_box", "ci_low", "ci_high"])


def what_if(analysis: DriverAnalysis, feature: str, change: float | None = None, *, set_to: float | None = None,
            model: str = "logistic") -> pd.DataFrame:  # fmt: skip
    """Expected change in the top-box share for a stated change in one driver.

    Args:
        analysis: from :func:`analyse_drivers`.
        feature: a modelled numeric or binary feature.
        change: added to every call's value (e.g. ``-30`` for 30 s less
            waiting); seconds and shares never go below 0. A call whose
            value is unknown keeps it unknown (its prediction does not move).
        set_to: instead of ``change``, set every call to this value (e.g.
            ``transferred`` set to 0: no transfers).
        model: ``logistic`` or ``boosting``.

    Returns:
        One row: ``model, feature, scenario, top_box_now, top_box_after,
        change, ci_low, ci_high`` (change in the share of calls in top box,
        0..1, with a bootstrap 95 % interval).

    Raises:
        InputDataError: the feature was not modelled or is categorical, or
            neither/both of ``change`` and ``set_to`` are given.
    """
    if analysis.kinds.get(feature) not in ("numeric", "binary"):
        raise InputDataError(f"what-if needs a modelled numeric or binary feature; '{feature}' is not one",
                             field=feature)  # fmt: skip
    if (change is None) == (set_to is None):
        raise InputDataError("give exactly one of change or set_to", field=feature)
    x = _features_frame(analysis)
    if set_to is not None:
        moved = x.assign(**{feature: float(set_to)})
        scenario = f"{feature} set to {set_to:g}"
    else:
        moved = x.assign(**{feature: np.maximum(x[feature] + change, 0.0)})
        scenario = f"{feature} {change:+g}"
    w = analysis.weights
    deltas, now, after = [], None, None
    for k, fitted in enumerate(analysis.fits[model]):
        p0 = np.average(fitted.predict_proba(x)[:, 1], weights=w)
        p1 = np.average(fitted.predict_proba(moved)[:, 1], weights=w)
        if k == 0:
            now, after = p0, p1
        else:
            deltas.append(p1 - p0)
    low, high = _interval(np.array(deltas))
    return pd.DataFrame([{"model": model, "feature": feature, "scenario": scenario, "top_box_now": now,
                          "top_box_after": after, "change": after - now, "ci_low": low, "ci_high": high}])  # fmt: skip


def agent_effects(
    table: pd.DataFrame,
    *,
    target: str = "csat",
    positive_threshold: float = 4.0,
    adjust_for: Sequence[str] = AGENT_ADJUSTERS,
) -> pd.DataFrame:
    """Agent effects on top box, adjusted for call mix and shrunk toward the mean.

    A logistic model of top box on the call-mix columns gives each survey an
    expected probability; an agent's raw effect is the one-step log-odds shift
    that matches their observed top boxes, with its standard error. Empirical
    Bayes (a normal random intercept, variance by the method of moments)
    shrinks each raw effect toward 0 by its precision, so an agent with three
    surveys is not ranked on luck.

    Args:
        table: surveyed rows (others are dropped); needs ``agent_id``,
            ``target`` and the ``adjust_for`` columns present (absent ones skipped).
        target: the CSAT column.
        positive_threshold: top box is ``target >= positive_threshold``.
        adjust_for: call-mix columns the comparison holds fixed.

    Returns:
        One row per agent, strongest first: ``agent_id, surveys, top_box_rate,
        expected_rate, raw_effect, effect, ci_low, ci_high, shrinkage, differs``
        (effects in log-odds of top box; ``differs`` when the 95 % interval
        excludes 0).

    Raises:
        InputDataError: ``agent_id`` missing, or see ``check_driver_table``.
    """
    if "agent_id" not in table.columns:
        raise InputDataError("agent effects need an 'agent_id' column", field="agent_id")
    adjusters = [c for c in adjust_for if c in table.columns and table[c].nunique() > 1]
    rows = check_driver_table(table, target, adjusters, positive_threshold) if adjusters else None
    if rows is None:
        rows = check_driver_table(table.assign(_one=1.0), target, ["_one"], positive_threshold)
    rows = rows[rows["agent_id"].notna()].reset_index(drop=True)
    y = rows["top_box"].to_numpy(dtype=float)
    if adjusters:
        x = rows[adjusters].copy()
        kinds = _kinds(x, adjusters)
        for name, kind in kinds.items():
            if kind == "categorical":
                x[name] = x[name].astype("string").fillna("missing").astype(object)
        p = _fit(_logistic(x, kinds), x, y.astype(int), np.ones(len(x))).predict_proba(x)[:, 1]
    else:
        p = np.full(len(rows), y.mean())
    grouped = pd.DataFrame({"agent_id": rows["agent_id"].to_numpy(), "y": y, "p": p, "info": p * (1 - p)})
    agg = grouped.groupby("agent_id").agg(surveys=("y", "size"), top_box_rate=("y", "mean"),
                                          expected_rate=("p", "mean"), resid=("y", "sum"), p_sum=("p", "sum"),
                                          info=("info", "sum"))  # fmt: skip
    raw = (agg["resid"] - agg["p_sum"]) / agg["info"]
    se2 = 1.0 / agg["info"]
    # Method of moments: spread of raw effects beyond their sampling noise.
    tau2 = max(float(np.average(raw**2, weights=1 / se2) - np.average(se2, weights=1 / se2)), 1e-4)
    keep = tau2 / (tau2 + se2)
    out = pd.DataFrame({
        "agent_id": agg.index, "surveys": agg["surveys"].to_numpy(), "top_box_rate": agg["top_box_rate"].to_numpy(),
        "expected_rate": agg["expected_rate"].to_numpy(), "raw_effect": raw.to_numpy(),
        "effect": (keep * raw).to_numpy(),
    })  # fmt: skip
    sd = np.sqrt(keep * se2).to_numpy()
    out["ci_low"] = out["effect"] - 1.96 * sd
    out["ci_high"] = out["effect"] + 1.96 * sd
    out["shrinkage"] = (1 - keep).to_numpy()
    out["differs"] = (out["ci_low"] > 0) | (out["ci_high"] < 0)
    out.attrs["agent_sd"] = float(np.sqrt(tau2))
    return out.sort_values("effect", key=np.abs, ascending=False).reset_index(drop=True)
