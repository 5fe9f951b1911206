"""Post-call satisfaction: a known ordered-logit model and a biased response process.

Every answered call has a *potential* CSAT from an ordered logit,
``latent = x'beta + topic effect + agent effect + logistic noise`` cut at four
known thresholds. Only some callers are offered the IVR survey, and of those,
the ones with an extreme experience answer more often: the observed scores
are a non-random sample, which is exactly what a driver analysis has to cope
with. :data:`CSAT_MODEL` is written verbatim to ``truth/csat_model.json``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.sample.catalog import TOPIC_BY_ID

CSAT_MODEL: dict[str, object] = {
    "model": "ordered logit: csat = 1 + #{k : latent > cut_points[k]}, latent = sum(coef * feature) + "
    "topic_effect + agent_effect + Logistic(0, 1) noise",
    "coefficients": {
        "wait_minutes": -0.30,
        "wait_minutes_over_2": -0.25,
        "resolved": 1.40,
        "repeat_contact": -0.50,
        "transferred": -0.60,
        "hold_minutes": -0.20,
        "language_en": 0.10,
    },
    "features": {
        "wait_minutes": "wait_seconds / 60 (queue time before an agent took the call)",
        "wait_minutes_over_2": "max(wait_minutes - 2, 0): waits beyond two minutes hurt extra",
        "resolved": "1 if the call resolved the issue (truth column resolved)",
        "repeat_contact": "1 if contact_sequence > 1 (the caller already called about this issue)",
        "transferred": "1 if the call was transferred",
        "hold_minutes": "hold_seconds / 60",
        "language_en": "1 on the English line",
    },
    "topic_effect": "catalog Topic.csat_effect of the call's topic",
    "agent_effect": "truth/agents.csv csat_effect of the answering agent",
    "cut_points": [-1.6, -0.7, 0.3, 1.3],
    "applies_to": "answered calls that are not phantom (outcome answered or transferred)",
    "response_model": {
        "offer_probability": 0.35,
        "offer": "the IVR offers the survey to a random share of eligible calls, independent of everything",
        "response": "logistic: P(respond | offered) = 1 / (1 + exp(-(intercept + sum(coef * feature))))",
        "intercept": -1.3,
        "coefficients": {
            "csat_is_1": 0.9,
            "csat_is_5": 0.45,
            "wait_minutes": -0.08,
            "language_en": -0.25,
            "repeat_contact": 0.2,
        },
        "features": {
            "csat_is_1": "1 if the potential CSAT is 1",
            "csat_is_5": "1 if the potential CSAT is 5",
            "wait_minutes": "wait_seconds / 60",
            "language_en": "1 on the English line",
            "repeat_contact": "1 if contact_sequence > 1",
        },
        "comment_probability": 0.35,
        "survey_delay_seconds": "uniform(20, 300) after the call ended",
    },
}

_COMMENTS = {
    ("zh", "neg"): ("等了太久才接通。", "问题还是没有解决，很失望。", "客服态度一般，转来转去。", "{topic}的事情说了好几遍了。"),
    ("zh", "mid"): ("还可以吧。", "问题解决了一部分。", "等待时间有点长。"),
    ("zh", "pos"): ("客服很耐心，谢谢！", "很快就帮我处理好了。", "服务很专业，满意。", "{topic}问题一次就解决了。"),
    ("en", "neg"): ("Waited far too long.", "Still not fixed, very disappointed.", "I was passed around.",
                    "Third time calling about {topic}."),
    ("en", "mid"): ("It was okay.", "Partly sorted.", "The wait was a bit long."),
    ("en", "pos"): ("Very patient agent, thanks!", "Sorted quickly.", "Helpful and professional.",
                    "{topic} fixed on the first call."),
}  # fmt: skip


def _features(calls: pd.DataFrame) -> dict[str, np.ndarray]:
    wait_minutes = calls["wait_seconds"].to_numpy(dtype=float) / 60.0
    return {
        "wait_minutes": wait_minutes,
        "wait_minutes_over_2": np.maximum(wait_minutes - 2.0, 0.0),
        "resolved": calls["resolved"].to_numpy(dtype=float),
        "repeat_contact": (calls["contact_sequence"].to_numpy() > 1).astype(float),
        "transferred": calls["transferred"].to_numpy(dtype=float),
        "hold_minutes": calls["hold_seconds"].to_numpy(dtype=float) / 60.0,
        "language_en": (calls["language"].to_numpy() == "en").astype(float),
    }


def score_csat(calls: pd.DataFrame, agents: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Potential CSAT of every eligible call, from :data:`CSAT_MODEL`.

    Args:
        calls: needs ``outcome``, ``wait_seconds``, ``resolved``,
            ``contact_sequence``, ``transferred``, ``hold_seconds``,
            ``language``, ``topic_id``, ``agent_id``.
        agents: needs ``agent_id`` and ``csat_effect``.
        rng: the CSAT stream.

    Returns:
        A copy of ``calls`` with ``csat_latent`` and ``csat_potential``
        (nullable Int64; missing for calls that are not eligible).
    """
    out = calls.copy()
    coef = CSAT_MODEL["coefficients"]
    feats = _features(out)
    latent = sum(coef[name] * feats[name] for name in coef)  # type: ignore[index]
    latent = latent + np.array([TOPIC_BY_ID[t].csat_effect for t in out["topic_id"]])
    latent = latent + out["agent_id"].map(dict(zip(agents["agent_id"], agents["csat_effect"]))).fillna(0.0).to_numpy()
    latent = latent + rng.logistic(0.0, 1.0, len(out))
    cuts = np.asarray(CSAT_MODEL["cut_points"], dtype=float)
    score = 1 + (latent[:, None] > cuts[None, :]).sum(axis=1)
    eligible = out["outcome"].isin(["answered", "transferred"]).to_numpy()
    out["csat_latent"] = np.where(eligible, np.round(latent, 4), np.nan)
    out["csat_potential"] = pd.array(np.where(eligible, score, 0), dtype="Int64")
    out.loc[~eligible, "csat_potential"] = pd.NA
    return out


def run_surveys(calls: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Offer the post-call survey and record who answered and what they said.

    Args:
        calls: output of :func:`score_csat`; also needs ``ended_seconds``.
        rng: the surveys stream.

    Returns:
        A copy with ``survey_offered``, ``survey_response_probability``
        (true propensity given an offer, NaN if not eligible),
        ``survey_responded``, ``csat`` (observed score, Int64, missing unless
        responded), ``survey_seconds`` (response time) and ``survey_comment``.
    """
    out = calls.copy()
    model = CSAT_MODEL["response_model"]
    n = len(out)
    eligible = out["csat_potential"].notna().to_numpy()
    potential = out["csat_potential"].fillna(0).to_numpy(dtype=int)
    feats = _features(out)
    x = {
        "csat_is_1": (potential == 1).astype(float),
        "csat_is_5": (potential == 5).astype(float),
        "wait_minutes": feats["wait_minutes"],
        "language_en": feats["language_en"],
        "repeat_contact": feats["repeat_contact"],
    }
    coefficients: dict[str, float] = model["coefficients"]  # type: ignore[index]
    logit = model["intercept"] + sum(coefficients[k] * x[k] for k in coefficients)  # type: ignore[index]
    prob = 1.0 / (1.0 + np.exp(-logit))
    offered = eligible & (rng.random(n) < model["offer_probability"])  # type: ignore[operator]
    responded = offered & (rng.random(n) < prob)
    delay = rng.uniform(20.0, 300.0, n)
    wants_comment = rng.random(n) < model["comment_probability"]  # type: ignore[operator]
    pick = rng.random(n)
    comments = np.full(n, "", dtype=object)
    language = out["language"].to_numpy()
    topic = out["topic_id"].to_numpy()
    for i in np.flatnonzero(responded & wants_comment):
        mood = "neg" if potential[i] <= 2 else ("mid" if potential[i] == 3 else "pos")
        options = _COMMENTS[(language[i], mood)]
        label = TOPIC_BY_ID[topic[i]].label_zh if language[i] == "zh" else TOPIC_BY_ID[topic[i]].label_en.lower()
        comments[i] = options[int(pick[i] * len(options))].format(topic=label)
    out["survey_offered"] = offered
    out["survey_response_probability"] = np.where(eligible, np.round(prob, 4), np.nan)
    out["survey_responded"] = responded
    out["csat"] = pd.array(np.where(responded, potential, 0), dtype="Int64")
    out.loc[~responded, "csat"] = pd.NA
    out["survey_seconds"] = np.where(responded, np.round(out["ended_seconds"].to_numpy(dtype=float) + delay), np.nan)
    out["survey_comment"] = comments
    return out
