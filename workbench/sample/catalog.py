"""The fixed cast of the simulated call centre: lines, queues, topics.

Every generator module reads these constants, so queue and topic identifiers
agree across call records, transcripts, surveys and the truth files.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Topic:
    """A contact reason with its known handling and satisfaction profile.

    Attributes:
        topic_id: stable identifier used in every truth file.
        queue: the queue (skill) that serves it.
        label_en / label_zh: human labels.
        median_handle_seconds: median of the lognormal talk time.
        csat_effect: additive effect on the latent CSAT score (driver model).
        resolution_probability: chance the first call resolves it.
    """

    topic_id: str
    queue: str
    label_en: str
    label_zh: str
    median_handle_seconds: float
    csat_effect: float
    resolution_probability: float


TOPICS: tuple[Topic, ...] = (
    Topic("bill_dispute", "billing", "Disputed charge on a bill", "账单费用异议", 300, -0.35, 0.70),
    Topic("payment_failed", "billing", "Payment did not go through", "缴费失败", 220, -0.10, 0.85),
    Topic("refund_request", "billing", "Refund request", "申请退款", 260, -0.20, 0.75),
    Topic("internet_outage", "tech_support", "Internet or network outage", "网络故障断网", 420, -0.45, 0.60),
    Topic("password_reset", "tech_support", "Password or account locked", "密码重置账户锁定", 180, 0.15, 0.92),
    Topic("device_setup", "tech_support", "Setting up a router or device", "设备安装设置", 360, 0.00, 0.80),
    Topic("service_complaint", "complaints", "Complaint about staff or service", "服务投诉", 480, -0.60, 0.55),
    Topic("cancel_service", "complaints", "Cancel the contract", "销户取消业务", 330, -0.30, 0.80),
    Topic("plan_upgrade", "sales", "Upgrade or change plan", "套餐升级变更", 280, 0.30, 0.90),
    Topic("new_line", "sales", "Open a new line or number", "办理新号码", 340, 0.25, 0.88),
)

QUEUE_NAMES = ("billing", "tech_support", "complaints", "sales")

# Share of each line's arrivals that each queue receives.
QUEUE_SHARES = {"billing": 0.32, "tech_support": 0.34, "complaints": 0.12, "sales": 0.22}

QUEUE_LABELS_ZH = {"billing": "账务", "tech_support": "技术支持", "complaints": "投诉", "sales": "销售"}


def queue_id(queue: str, language: str) -> str:
    """Identifier of a queue on one language line, e.g. ``billing_zh``."""
    return f"{queue}_{language}"


def topics_for_queue(queue: str) -> tuple[Topic, ...]:
    """Topics served by a queue (without the language suffix)."""
    return tuple(t for t in TOPICS if t.queue == queue)


TOPIC_BY_ID = {t.topic_id: t for t in TOPICS}

# Share of a queue's calls that each of its topics accounts for (sums to 1 per queue).
TOPIC_SHARES = {
    "bill_dispute": 0.40, "payment_failed": 0.35, "refund_request": 0.25,
    "internet_outage": 0.40, "password_reset": 0.35, "device_setup": 0.25,
    "service_complaint": 0.55, "cancel_service": 0.45,
    "plan_upgrade": 0.60, "new_line": 0.40,
}  # fmt: skip

# Calls offered on an average weekday (at the trend reference date) per language line.
LINE_DAILY_CALLS = {"zh": 1550.0, "en": 950.0}

LANGUAGE_LABELS = {"zh": "Mandarin", "en": "English"}

# Hotline numbers callers dial (the DNIS of the call records).
LINE_DNIS = {"zh": "4008801000", "en": "4008802000"}
