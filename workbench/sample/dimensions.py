"""Custom dimensions and agent-marked outcome fields of the sample calls.

Real exports carry fields every centre adds for itself: the caller's region,
brand and member tier, the contact channel, a VIP flag, an order value, and
what the agent typed at wrap-up (a resolved mark, a wrap-up code, a contact
reason). This module gives every simulated call those fields, with effects an
analysis should find and the truth to check it against.

The fields are drawn *after* the simulation, from their own random streams
(``dimensions`` and ``agent-marks``), so the calls, outcomes and scores of a
seed are exactly those of a run without them. Effects on handle time and
satisfaction therefore come from who is given which value: a customer's tier
and brand are drawn with odds tilted by that customer's experience
(:data:`TIER_TILT`, :data:`BRAND_TILT`). The designed direction is fixed, the
realised sizes depend on the seed and are written to ``truth/`` by
:func:`dimension_effects`.

Region, brand, member tier, VIP and order value belong to the customer (every
contact of one customer carries the same values, and none when the caller
withheld the number: no customer record matches); channel, the resolved mark,
the wrap-up code and the contact reason belong to the contact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.sample.catalog import TOPIC_BY_ID, topics_for_queue

# Relative customer weight of each region: the south brings 1.3 times the north's callers.
REGION_WEIGHTS = {"north": 1.0, "south": 1.3, "east": 1.0, "west": 0.7}
BRANDS = ("orbit", "nimbus")
# Prior share of customers on the second brand, before the satisfaction tilt.
NIMBUS_SHARE = 0.4
MEMBER_TIERS = ("standard", "silver", "gold", "platinum")
TIER_SHARES = {"standard": 0.55, "silver": 0.25, "gold": 0.14, "platinum": 0.06}
# Log-odds of a tier rise by these amounts per standard deviation of the customer's mean log handle time
# ("handle") and of the mean latent satisfaction ("csat"): gold and platinum members take longer and are happier.
# With these, gold and platinum members' calls take about 20-25 % longer than standard members' and score
# about 0.3 higher; truth/dimension_effects.csv has the sizes a seed realises.
TIER_TILT = {
    "standard": {"handle": 0.0, "csat": 0.0},
    "silver": {"handle": 0.1, "csat": 0.1},
    "gold": {"handle": 0.45, "csat": 0.3},
    "platinum": {"handle": 0.55, "csat": 0.4},
}
# Log-odds of the nimbus brand per standard deviation of latent satisfaction: nimbus customers score about
# 0.3 lower.
BRAND_TILT = -0.25
CHANNEL_SHARES = {"phone": 0.82, "app_callback": 0.11, "web_callback": 0.07}
# Share of gold members flagged VIP (every platinum member is).
GOLD_VIP_SHARE = 0.25
# Median order value by tier (currency units) and its log-normal spread.
ORDER_VALUE_MEDIAN = {"standard": 120.0, "silver": 180.0, "gold": 300.0, "platinum": 520.0}
ORDER_VALUE_SIGMA = 0.5

# The agent's resolved mark is optimistic, as in real centres: nearly every resolved contact is
# marked resolved, and so are most of the unresolved ones.
MARK_RESOLVED_IF_RESOLVED = 0.96
MARK_RESOLVED_IF_UNRESOLVED = 0.7
# Share of answered contacts whose agent left the mark empty.
MARK_MISSING_SHARE = 0.03
# Contact reason the agent picks: the right topic, another topic of the queue, or "other".
REASON_RIGHT_SHARE = 0.85
REASON_OTHER_SHARE = 0.05

#: Wrap-up codes (canonical) by what happened.
DISPOSITION_CODES = ("INFO_GIVEN", "FIXED", "FOLLOW_UP", "ESCALATED", "NO_CONTACT")
DISPOSITION_CODES_ZH = {"INFO_GIVEN": "已告知", "FIXED": "已处理", "FOLLOW_UP": "待跟进", "ESCALATED": "已升级",
                        "NO_CONTACT": "无声来电"}  # fmt: skip

REGION_LABELS_EN = {"north": "North", "south": "South", "east": "East", "west": "West"}
REGION_LABELS_ZH = {"north": "华北", "south": "华南", "east": "华东", "west": "西部"}
BRAND_LABELS_EN = {"orbit": "Orbit", "nimbus": "Nimbus"}
BRAND_LABELS_ZH = {"orbit": "星轨", "nimbus": "云岚"}
TIER_LABELS_EN = {"standard": "Standard", "silver": "Silver", "gold": "Gold", "platinum": "Platinum"}
TIER_LABELS_ZH = {"standard": "普通", "silver": "银卡", "gold": "金卡", "platinum": "白金"}
CHANNEL_LABELS_ZH = {"phone": "电话", "app_callback": "APP回拨", "web_callback": "网页回拨"}
# The English vendor's channel field is typed by hand in several systems: near-duplicate spellings of
# one channel, each with its share of that channel's records. The ingest profile folds them together.
CHANNEL_SPELLINGS_EN = {
    "phone": {"Phone": 0.9, "phone": 0.06, "PHONE": 0.04},
    "app_callback": {"App Callback": 0.7, "App-Callback": 0.2, "app callback": 0.1},
    "web_callback": {"Web Callback": 0.75, "Web-Callback": 0.15, "WEB CALLBACK": 0.1},
}
OTHER_REASON = "other"
OTHER_REASON_LABELS = {"en": "Other", "zh": "其他"}

#: Columns :func:`assign_dimensions` adds (also the columns of ``truth/call_dimensions.csv`` after ``call_id``).
DIMENSION_COLUMNS = [
    "region", "brand", "member_tier", "vip", "order_value", "channel", "channel_as_exported",
    "resolved_mark", "disposition_code", "contact_reason",
]  # fmt: skip


def _zscore(values: np.ndarray) -> np.ndarray:
    ok = np.isfinite(values)
    out = np.zeros_like(values, dtype=float)
    if ok.sum() > 1 and np.std(values[ok]) > 0:
        out[ok] = (values[ok] - values[ok].mean()) / values[ok].std()
    return out


def _customer_experience(calls: pd.DataFrame) -> pd.DataFrame:
    """Per customer: mean standardised log handle time and latent CSAT over answered contacts (0 if none)."""
    real = calls["outcome"].isin(["answered", "transferred"]).to_numpy()
    handle = np.log(np.where(real, calls["handle_seconds"].astype(float).fillna(np.nan).to_numpy(), np.nan)
                    .clip(min=1.0))
    # Handle time differs by queue far more than by customer: standardise within the queue.
    z_handle = np.full(len(calls), np.nan)
    for _, index in calls.groupby("queue_id", sort=True).indices.items():
        z_handle[index] = np.where(np.isfinite(handle[index]), _zscore(handle[index]), np.nan)
    z_csat = np.where(real, _zscore(np.where(real, calls["csat_latent"].to_numpy(dtype=float), np.nan)), np.nan)
    frame = pd.DataFrame({"customer_id": calls["customer_id"].to_numpy(), "handle": z_handle, "csat": z_csat})
    return frame.groupby("customer_id", sort=True).mean().fillna(0.0)


def _categorical(rng: np.random.Generator, weights: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    """One label per row of ``weights`` (rows need not sum to 1)."""
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(weights))[:, None]
    return np.asarray(labels, dtype=object)[np.minimum((u > cumulative).sum(axis=1), len(labels) - 1)]


def assign_dimensions(calls: pd.DataFrame, dimension_rng: np.random.Generator,
                      mark_rng: np.random.Generator) -> pd.DataFrame:
    """Give every call its custom dimensions and the agent's wrap-up fields.

    Args:
        calls: truth calls; needs ``call_id``, ``customer_id``, ``ani``,
            ``queue_id``, ``topic_id``, ``outcome``, ``handle_seconds``,
            ``csat_latent`` and ``resolved`` (the true resolution).
        dimension_rng: the ``dimensions`` stream (customer and channel values).
        mark_rng: the ``agent-marks`` stream (resolved mark, codes, reasons).

    Returns:
        A new frame: ``call_id`` and :data:`DIMENSION_COLUMNS`. The
        customer's fields (region, brand, member_tier, vip, order_value) are
        missing for callers who withheld their number (``ani`` anonymous).
        ``vip`` and ``resolved_mark`` are nullable booleans (``resolved_mark``
        missing for calls no agent wrapped up and for the few marks left
        empty); ``order_value`` has two decimals; ``channel_as_exported`` is the English vendor's
        spelling; ``disposition_code`` and ``contact_reason`` (a topic id or
        ``other``) are empty for calls no agent handled.
    """
    experience = _customer_experience(calls)
    n_customers = len(experience)
    region_weights = np.tile(np.array(list(REGION_WEIGHTS.values())), (n_customers, 1))
    region = _categorical(dimension_rng, region_weights, tuple(REGION_WEIGHTS))
    tier_log = np.column_stack([
        np.log(TIER_SHARES[t]) + TIER_TILT[t]["handle"] * experience["handle"].to_numpy()
        + TIER_TILT[t]["csat"] * experience["csat"].to_numpy()
        for t in MEMBER_TIERS
    ])
    tier = _categorical(dimension_rng, np.exp(tier_log - tier_log.max(axis=1, keepdims=True)), MEMBER_TIERS)
    nimbus_logit = np.log(NIMBUS_SHARE / (1 - NIMBUS_SHARE)) + BRAND_TILT * experience["csat"].to_numpy()
    brand = np.where(dimension_rng.random(n_customers) < 1 / (1 + np.exp(-nimbus_logit)), "nimbus", "orbit")
    vip = (tier == "platinum") | ((tier == "gold") & (dimension_rng.random(n_customers) < GOLD_VIP_SHARE))
    median = np.array([ORDER_VALUE_MEDIAN[t] for t in tier])
    order_value = np.round(median * np.exp(ORDER_VALUE_SIGMA * dimension_rng.normal(0.0, 1.0, n_customers)), 2)
    customers = pd.DataFrame({"region": region, "brand": brand, "member_tier": tier, "vip": vip,
                              "order_value": order_value}, index=experience.index)

    n = len(calls)
    channel = _categorical(dimension_rng, np.tile(np.array(list(CHANNEL_SHARES.values())), (n, 1)),
                           tuple(CHANNEL_SHARES))
    spelling_u = dimension_rng.random(n)
    spelled = np.empty(n, dtype=object)
    for name, spellings in CHANNEL_SPELLINGS_EN.items():
        mask = channel == name
        edges = np.cumsum(list(spellings.values()))
        spelled[mask] = np.asarray(list(spellings), dtype=object)[
            np.minimum(np.searchsorted(edges, spelling_u[mask], side="right"), len(edges) - 1)]

    outcome = calls["outcome"].to_numpy()
    real = np.isin(outcome, ["answered", "transferred"])
    handled = real | (outcome == "phantom")
    truly = calls["resolved"].to_numpy(dtype=bool)
    u_mark, u_missing, u_code, u_reason, u_pick = (mark_rng.random(n) for _ in range(5))
    marked = u_mark < np.where(truly, MARK_RESOLVED_IF_RESOLVED, MARK_RESOLVED_IF_UNRESOLVED)
    mark = pd.array(np.where(real, marked, False), dtype="boolean")
    mark[~real | (u_missing < MARK_MISSING_SHARE)] = pd.NA
    code = np.select(
        [outcome == "phantom", outcome == "transferred", real & marked & (u_code < 0.5), real & marked, real],
        ["NO_CONTACT", "ESCALATED", "INFO_GIVEN", "FIXED", "FOLLOW_UP"], default="",
    )
    topic = calls["topic_id"].to_numpy()
    queue = calls["queue_id"].str.rsplit("_", n=1).str[0].to_numpy()
    reason = np.full(n, "", dtype=object)
    for i in np.flatnonzero(real):
        if u_reason[i] < REASON_RIGHT_SHARE:
            reason[i] = topic[i]
        elif u_reason[i] < 1 - REASON_OTHER_SHARE:
            others = [t.topic_id for t in topics_for_queue(queue[i]) if t.topic_id != topic[i]]
            reason[i] = others[int(u_pick[i] * len(others))]
        else:
            reason[i] = OTHER_REASON

    per_call = customers.loc[calls["customer_id"].to_numpy()].reset_index(drop=True)
    out = pd.DataFrame({"call_id": calls["call_id"].to_numpy()})
    # A caller who withholds the number cannot be matched to a customer record: the export leaves the
    # customer's fields empty, as a CRM lookup would.
    unmatched = (calls["ani"].fillna("anonymous") == "anonymous").to_numpy()
    for column in ("region", "brand", "member_tier"):
        out[column] = np.where(unmatched, None, per_call[column].to_numpy())
    out["vip"] = pd.array(per_call["vip"].to_numpy(dtype=bool), dtype="boolean")
    out.loc[unmatched, "vip"] = pd.NA
    out["order_value"] = np.where(unmatched, np.nan, per_call["order_value"].to_numpy(dtype=float))
    out["channel"] = channel
    out["channel_as_exported"] = spelled
    out["resolved_mark"] = mark
    out["disposition_code"] = np.where(handled, code, "")
    out["contact_reason"] = reason
    return out


def contact_reason_label(reason: str, language: str) -> str:
    """The label an agent picks in the vendor's wrap-up screen (``""`` for no reason).

    >>> contact_reason_label("password_reset", "zh"), contact_reason_label("other", "en")
    ('密码重置账户锁定', 'Other')
    """
    if not reason:
        return ""
    if reason == OTHER_REASON:
        return OTHER_REASON_LABELS[language]
    topic = TOPIC_BY_ID[reason]
    return topic.label_zh if language == "zh" else topic.label_en


#: The value :func:`dimension_effects` shows for calls without one (withheld numbers: no customer record).
UNKNOWN_VALUE = "(unknown)"
#: Dimensions whose effects :func:`dimension_effects` tabulates.
EFFECT_DIMENSIONS = ("region", "brand", "member_tier", "vip", "channel")


def dimension_effects(calls: pd.DataFrame, custom: pd.DataFrame) -> pd.DataFrame:
    """What an analysis by each dimension should find, counted as the KPIs count.

    Args:
        calls: truth calls; needs ``outcome``, ``handle_seconds``,
            ``csat_potential`` and ``csat`` (the observed survey score).
        custom: :func:`assign_dimensions` of the same calls, row for row.

    Returns:
        One row per dimension and value: ``dimension, value, calls`` (offered),
        ``volume_share`` (of all offered calls), ``answered`` (answered and
        transferred), ``aht_seconds`` (mean talk + hold + wrap of those),
        ``csat_potential_mean`` (mean score every answered caller would give),
        ``csat_responses`` and ``csat_mean`` (observed survey scores), and
        ``aht_ratio`` / ``csat_difference``: against the dimension's first
        value (``north``, ``orbit``, ``standard``, ``False``, ``phone``).
        Calls without a value (a withheld number) form the value
        :data:`UNKNOWN_VALUE`.
    """
    answered = calls["outcome"].isin(["answered", "transferred"]).to_numpy()
    frame = pd.DataFrame({
        "answered": answered,
        "handle": np.where(answered, calls["handle_seconds"].astype(float).to_numpy(), np.nan),
        "potential": np.where(answered, calls["csat_potential"].astype(float).to_numpy(), np.nan),
        "csat": np.where(answered, calls["csat"].astype(float).to_numpy(), np.nan),
    })
    order = {"region": list(REGION_WEIGHTS), "brand": list(BRANDS), "member_tier": list(MEMBER_TIERS),
             "vip": [False, True], "channel": list(CHANNEL_SHARES)}
    order = {name: [*values, UNKNOWN_VALUE] if custom[name].isna().any() else values
             for name, values in order.items()}
    rows = []
    for dimension in EFFECT_DIMENSIONS:
        keys = custom[dimension].astype(object).where(custom[dimension].notna(), UNKNOWN_VALUE)
        grouped = frame.groupby(keys.to_numpy(), sort=False)
        table = pd.DataFrame({
            "calls": grouped.size(),
            "answered": grouped["answered"].sum(),
            "aht_seconds": grouped["handle"].mean(),
            "csat_potential_mean": grouped["potential"].mean(),
            "csat_responses": grouped["csat"].count(),
            "csat_mean": grouped["csat"].mean(),
        }).reindex(order[dimension])
        base = table.iloc[0]
        table["aht_ratio"] = table["aht_seconds"] / base["aht_seconds"]
        table["csat_difference"] = table["csat_mean"] - base["csat_mean"]
        table.insert(1, "volume_share", table["calls"] / len(calls))
        rows.append(table.rename_axis("value").reset_index().assign(dimension=dimension))
    out = pd.concat(rows, ignore_index=True)
    out["value"] = out["value"].astype(str)
    out = out[["dimension", "value", *[c for c in out.columns if c not in ("dimension", "value")]]]
    for column in ("calls", "answered", "csat_responses"):
        out[column] = out[column].fillna(0).astype(np.int64)
    return out.round(4)


def resolution_marks(calls: pd.DataFrame, custom: pd.DataFrame, repeat_window_days: int = 7) -> dict[str, object]:
    """The agent's resolved mark against what really happened and against repeat calls.

    Args:
        calls: truth calls; needs ``call_id``, ``customer_id``, ``ani``,
            ``arrived_at_local``, ``outcome``, ``resolved`` (true resolution).
        custom: :func:`assign_dimensions` of the same calls, row for row.
        repeat_window_days: the repeat-contact window (the KPIs' default is 7).

    Returns:
        A dict: ``answered`` (answered and transferred calls), ``marked``
        (with a mark), ``agent_marked_fcr`` (share marked resolved of those
        marked), ``true_resolution_rate`` (share that did resolve),
        ``repeat_based_fcr`` (the KPIs' ``fcr_rate``: answered calls from a
        known caller number not followed by another non-phantom call of that
        number within the window, over answered calls from a known number),
        ``repeat_after_marked_resolved`` / ``repeat_after_marked_unresolved``
        (share of marked Y / N calls from a known number followed by such a
        call), and the design constants.
    """
    from workbench.glossary import repeat_contact_flags

    answered = calls["outcome"].isin(["answered", "transferred"]).to_numpy()
    known = (calls["ani"].fillna("anonymous") != "anonymous").to_numpy()
    # The store knows callers by their number, not by the simulation's customer id.
    flags = repeat_contact_flags(pd.DataFrame({
        "call_id": calls["call_id"].to_numpy(),
        "customer_id": np.where(known, calls["ani"].to_numpy(), None),
        "arrived_at": pd.to_datetime(calls["arrived_at_local"]).to_numpy(),
        "outcome": calls["outcome"].to_numpy(),
    }), repeat_window_days=repeat_window_days)
    again = flags["called_again"].to_numpy()
    mark = custom["resolved_mark"].astype("boolean")
    has_mark = answered & mark.notna().to_numpy()
    yes = has_mark & mark.fillna(False).to_numpy(dtype=bool)
    no = has_mark & ~mark.fillna(True).to_numpy(dtype=bool)
    eligible = answered & known

    def share(part: np.ndarray, whole: np.ndarray) -> float | None:
        return round(float(part.sum() / whole.sum()), 4) if whole.sum() else None

    return {
        "repeat_window_days": repeat_window_days,
        "answered": int(answered.sum()),
        "marked": int(has_mark.sum()),
        "agent_marked_fcr": share(yes, has_mark),
        "true_resolution_rate": share(answered & calls["resolved"].to_numpy(dtype=bool), answered),
        "repeat_based_fcr": share(eligible & ~again, eligible),
        "repeat_after_marked_resolved": share(yes & known & again, yes & known),
        "repeat_after_marked_unresolved": share(no & known & again, no & known),
        "design": {
            "mark_resolved_if_resolved": MARK_RESOLVED_IF_RESOLVED,
            "mark_resolved_if_unresolved": MARK_RESOLVED_IF_UNRESOLVED,
            "mark_missing_share": MARK_MISSING_SHARE,
        },
    }
