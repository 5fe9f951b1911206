"""Contact records of the callback channels as a cloud contact centre exports them: nested JSON.

One JSON object per contact, one per line (JSON Lines), shaped like the
contact trace records of cloud contact centres (Amazon Connect's, for one):
nested ``Queue``, ``Agent`` and ``CustomerEndpoint`` objects, timestamps in
UTC with an offset, durations in whole seconds, and the centre's own fields
in ``Attributes`` as text. ``Agent`` is ``null`` for a contact no agent took,
so its talk, hold and wrap times are missing, not zero.

Only the app and web callbacks are in this export (the callback platform is
where the records come from); their ``ContactId`` is the call id the ACD
exports use, so loading this file after them adds no call twice.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from workbench.sample.calendar import TIMEZONE
from workbench.sample.catalog import QUEUE_NAMES, LANGUAGES, queue_id

CONTACT_RECORDS_FILE = "exports/contact_records.jsonl"
#: The channels this export covers (``channel`` of :mod:`workbench.sample.dimensions`).
CALLBACK_CHANNELS = ("app_callback", "web_callback")
#: Contact-flow result code set in ``Attributes.call_result`` by outcome.
CALL_RESULTS = {"answered": "HANDLED", "phantom": "HANDLED", "transferred": "TRANSFERRED",
                "abandoned": "ABANDONED", "short_abandon": "SHORT_ABANDONED"}  # fmt: skip
_LINE_LABELS = {"zh": "ZH", "en": "EN"}


def queue_display_name(qid: str) -> str:
    """Queue name in the contact records: ``tech_support_en`` -> ``EN Tech Support``.

    >>> queue_display_name("tech_support_en")
    'EN Tech Support'
    """
    base, lang = qid.rsplit("_", 1)
    return f"{_LINE_LABELS[lang]} {base.replace('_', ' ').title()}"


#: Every queue's display name -> queue id (what a profile's value map needs).
QUEUE_DISPLAY_NAMES = {queue_display_name(queue_id(q, lang)): queue_id(q, lang)
                       for lang in LANGUAGES for q in QUEUE_NAMES}  # fmt: skip


def _utc(local: str) -> str | None:
    """A local ``YYYY-MM-DD HH:MM:SS`` as ISO 8601 UTC ending in ``Z``, as cloud contact records write it.

    ``None`` when empty.
    """
    if not local:
        return None
    stamp = pd.Timestamp(local).tz_localize(TIMEZONE).tz_convert("UTC")
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: object) -> str:
    """Attributes are text: a missing value is ``""``, as contact flows leave an unset attribute."""
    return "" if value is None or pd.isna(value) else str(value)


def _seconds(value: object) -> int | None:
    return None if pd.isna(value) else int(value)


def contact_records(calls: pd.DataFrame, custom: pd.DataFrame) -> list[dict[str, object]]:
    """Nested contact records of the callback contacts, in arrival order.

    Args:
        calls: truth calls; needs ``call_id``, ``queue_id``, ``ani``,
            ``arrived_at_local``, ``answered_at_local``, ``ended_at_local``,
            ``wait_seconds``, ``talk_seconds``, ``hold_seconds``,
            ``wrap_seconds``, ``outcome``, ``agent_id``.
        custom: the calls' custom fields, row for row
            (:func:`workbench.sample.dimensions.assign_dimensions`).

    Returns:
        One dict per contact whose ``channel`` is in :data:`CALLBACK_CHANNELS`.
    """
    chosen = np.flatnonzero(custom["channel"].isin(CALLBACK_CHANNELS).to_numpy())
    records: list[dict[str, object]] = []
    for i in chosen:
        call, extra = calls.iloc[i], custom.iloc[i]
        taken = bool(call["agent_id"]) if isinstance(call["agent_id"], str) else False
        arrived = _utc(call["arrived_at_local"])
        answered = _utc(call["answered_at_local"]) if taken else None
        ended = _utc(call["ended_at_local"])
        wait = _seconds(call["wait_seconds"])
        dequeued = (pd.Timestamp(arrived) + pd.Timedelta(seconds=wait)).strftime("%Y-%m-%dT%H:%M:%SZ") \
            if wait is not None else None
        agent = None
        if taken:
            agent = {
                "Username": call["agent_id"],
                "ConnectedToAgentTimestamp": answered,
                "AgentInteractionDuration": _seconds(call["talk_seconds"]),
                "CustomerHoldDuration": _seconds(call["hold_seconds"]),
                "AfterContactWorkDuration": _seconds(call["wrap_seconds"]),
            }
        mark = extra["resolved_mark"]
        records.append({
            "ContactId": call["call_id"],
            "Channel": "VOICE",
            "InitiationMethod": "CALLBACK",
            "InitiationTimestamp": arrived,
            "DisconnectTimestamp": ended,
            "DisconnectReason": "CUSTOMER_DISCONNECT" if not taken else "AGENT_DISCONNECT",
            "CustomerEndpoint": {"Type": "TELEPHONE_NUMBER", "Address": call["ani"]},
            "Queue": {"Name": queue_display_name(call["queue_id"]), "EnqueueTimestamp": arrived,
                      "DequeueTimestamp": dequeued, "Duration": wait},
            "Agent": agent,
            "Attributes": {
                "call_result": CALL_RESULTS[call["outcome"]],
                "callback_source": "app" if extra["channel"] == "app_callback" else "web",
                "region": _text(extra["region"]),
                "brand": _text(extra["brand"]),
                "member_tier": _text(extra["member_tier"]),
                "vip": "" if pd.isna(extra["vip"]) else ("true" if bool(extra["vip"]) else "false"),
                "resolved": "" if pd.isna(mark) else ("true" if bool(mark) else "false"),
                "wrap_code": extra["disposition_code"],
                "contact_reason": extra["contact_reason"],
            },
        })
    return records


def to_jsonl_bytes(records: list[dict[str, object]]) -> bytes:
    """JSON Lines, UTF-8, keys in the order given, non-ASCII text as is."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
