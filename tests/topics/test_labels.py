"""Readable topics (issue 17): labels, reason sentences, generic stop words, topic words per language.

Fast: no model is fitted. Word weights are built the way the topic model builds
them (its vectorizer's tokens, unigrams and bigrams, class TF-IDF), so the
functions see what they will see in a run.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench
from workbench.topics.labels import (
    distinctive_weights,
    format_words_by_language,
    key_phrase,
    reason_sentence,
    shorten,
    split_sentences,
    topic_label,
    topic_words_by_language,
)
from workbench.topics.text import (
    FILLER_WORDS,
    GENERIC_WORDS_EN,
    GENERIC_WORDS_ZH,
    stop_words,
    text_language,
    tokenize,
)

SHARED = Path(workbench.__file__).resolve().parents[2] / "shared" / "datasets"
GENERIC = set(GENERIC_WORDS_ZH) | set(GENERIC_WORDS_EN)
# A phone, card or id number left in text shown to people.
DIGIT_RUN = re.compile(r"\d[\d \-]{4,}\d")

REFUND_ZH = [
    "喂，您好，我上周申请的退款到现在还没到账，能不能帮我查一下？",
    "退款什么时候能到账啊",
    "您好，我想问一下退款一般几天到账",
    "我的退款显示已处理，但是银行卡一直没收到钱，需要怎么办",
    "请问退款为什么还没到账？我的手机号是13800138000",
    "退款到账",
]
PASSWORD_ZH = [
    "我的密码忘了，登录不了，怎么重置密码",
    "喂，您好，账号被锁了不能登录",
    "重置密码的验证码一直收不到",
    "请问怎么修改登录密码？",
]
REFUND_EN = [
    "Hi, um, when will my refund arrive?",
    "I returned the shoes two weeks ago and the refund still has not arrived. My card is 4111 1111 1111 1111.",
    "i need help, my refund is not in my bank account yet",
    "how long does a refund take to arrive",
    "refund",
]
PASSWORD_EN = [
    "I forgot my password and can't log in",
    "how do I reset my password",
    "my account is locked after too many login attempts",
]


def _weights(groups: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """c-TF-IDF word weights per group, with the topic model's tokens (unigrams and bigrams, stop words out)."""
    stops = set(stop_words())
    counts: dict[str, Counter] = {}
    for name, texts in groups.items():
        counter: Counter = Counter()
        for text in texts:
            words = [w for w in tokenize(text) if w not in stops]
            counter.update(words + [f"{a} {b}" for a, b in zip(words, words[1:])])
        counts[name] = counter
    overall: Counter = Counter()
    for counter in counts.values():
        overall.update(counter)
    mean_words = sum(overall.values()) / len(counts)
    return {
        name: {w: k / sum(c.values()) * math.log(1 + mean_words / overall[w]) for w, k in c.items()}
        for name, c in counts.items()
    }


def _content_words(text: str) -> set[str]:
    return set(tokenize(text)) - set(stop_words())


# --------------------------------------------------------------------------- stop words and language


def test_generic_words_are_stop_words_and_content_words_are_not():
    stops = set(stop_words())
    for word in ["不能", "需要", "有没有", "怎么办", "如何", "能不能", "请问", "问题", "want", "need", "help", "like", "know"]:
        assert word in stops, word
    for word in ["天气", "航班", "火车", "退款", "到账", "密码", "快递", "refund", "card", "password", "balance", "bill"]:
        assert word not in stops, word
    # Every generic word, cut by the vectorizer's tokenizer, yields only stop words (no scikit-learn warning).
    assert all(set(tokenize(word)) <= stops for word in GENERIC)


def test_text_language_per_document():
    assert text_language("我想申请退款") == "zh"
    assert text_language("我的iPhone屏幕坏了") == "zh"
    assert text_language("when will my refund arrive") == "en"
    assert text_language("my 订单 order number is wrong please check it") == "en"
    assert text_language("13800138000") == "en" and text_language("") == "en"


# --------------------------------------------------------------------------- sentences


def test_split_sentences_on_terminators_keeps_commas_and_decimals():
    text = "喂，您好。我的卡不能用了，怎么办？？\n\n  I lost my card. It cost 3.5 dollars! ok; 。"
    expected = ["喂，您好。", "我的卡不能用了，怎么办？", "I lost my card.", "It cost 3.5 dollars!", "ok;"]
    assert split_sentences(text) == expected
    assert split_sentences("") == [] and split_sentences("。！？\n\n") == []
    assert split_sentences("退款") == ["退款"]


def test_shorten_cuts_on_word_boundaries_and_never_inside_a_mask():
    text = "I would like to get a refund for my order number [redacted] please"
    short = shorten(text, 40)
    assert short == "I would like to get a refund for my…"
    assert shorten("我想申请退款，订单号是[redacted]，请尽快处理", 14) == "我想申请退款，订单号是…"
    assert shorten("card [redacted] blocked", 8) == "card…"
    assert shorten("退款", 40) == "退款"


def test_reason_sentence_is_the_one_sentence_of_a_long_call_with_the_topic_words():
    weights = _weights({"refund": REFUND_ZH, "password": PASSWORD_ZH})["refund"]
    small_talk = "您好，这里是客服中心，很高兴为您服务。请您稍等一下，我这边帮您查询。好的，您的信息已经核实。"
    reason = "我上个月申请的退款到现在都没有到账，卡号是6222 0213 4567 8888。"
    call = small_talk * 40 + reason + "嗯嗯，好的，谢谢您，再见。" * 10
    assert len(call) > 2000
    sentence = reason_sentence(call, weights, max_characters=120)
    assert sentence == "我上个月申请的退款到现在都没有到账，卡号是[redacted]。"
    assert not DIGIT_RUN.search(sentence)
    long_reason = reason_sentence(call, weights, max_characters=12)
    assert len(long_reason) <= 13 and long_reason.endswith("…") and "退款" in long_reason


def test_reason_sentence_ties_go_first_and_no_overlap_skips_filler():
    weights = {"refund": 1.0, "card": 1.0}
    assert reason_sentence("My card is blocked. I want a refund.", weights) == "My card is blocked."
    assert reason_sentence("Hello, thanks for calling. Okay. My router keeps dropping.", weights) == (
        "My router keeps dropping."
    )
    assert reason_sentence("喂，您好。嗯嗯。", weights) == "喂，您好。"  # only filler: the first sentence
    assert reason_sentence("", weights) == "" and reason_sentence("。。。", weights) == ""


def test_reason_sentence_of_hostile_text_keeps_markup_as_text_and_is_redacted():
    weights = {"refund": 1.0, "退款": 1.0}
    text = "<script>alert('x')</script>Call me on 138 0013 8000 about my refund.\u200b Email a@b.com"
    sentence = reason_sentence(text, weights)
    # Markup is what the caller's text holds: kept as text (renderers escape it), never dropped or run.
    assert sentence == "<script>alert('x')</script>Call me on [redacted] about my refund."
    assert not DIGIT_RUN.search(reason_sentence("我的退款呢，身份证号110101199003077777", weights))
    assert reason_sentence("退款", weights) == "退款"


# --------------------------------------------------------------------------- labels


def test_distinctive_weights_keep_what_is_more_typical_of_a_topic_than_of_any_other():
    weights = {0: {"son": 0.30, "password": 0.36}, 1: {"son": 0.29, "modem": 0.40, "password": 0.10}, 2: {}}
    out = distinctive_weights(weights)
    assert out[0] == pytest.approx({"son": 0.01, "password": 0.26}) and out[1] == {"modem": 0.40} and out[2] == {}
    assert distinctive_weights({0: {"a": 0.5}, 1: {"a": 0.5}}) == {0: {}, 1: {}}
    assert distinctive_weights({5: {"a": 1.0}}) == {5: {"a": 1.0}} and weights[1]["son"] == 0.29  # not mutated


def test_whole_calls_sharing_small_talk_get_their_own_reason_with_distinctive_weights():
    persona = "我儿子平时弄这个电脑路由器手机，他今天不在家，我年纪大了看不懂这些东西。"
    reasons = {
        "password": ["我的服务密码忘了，想重置一下。", "手机收不到验证码，没办法重置密码。"],
        "outage": ["家里宽带从昨天晚上开始就断了。", "光猫的灯一直在闪，宽带连不上。"],
        "refund": ["上次说给我退款，到现在还没到账。", "退款申请提交一周了还没收到钱。"],
    }
    calls = {
        topic: [("喂，您好。" + (persona if topic != "refund" else "") + reason + "好的，谢谢。") for reason in texts * 4]
        for topic, texts in reasons.items()
    }
    raw = _weights(calls)
    assert "儿子" in reason_sentence(calls["password"][0], raw["password"])  # why: raw weights pick the small talk
    weights = distinctive_weights(raw)
    for topic, texts in calls.items():
        label = topic_label(texts, np.linspace(1, 0.5, len(texts)), weights[topic])
        assert label.rstrip("？?") in "".join(reasons[topic]), (topic, label)
        assert "儿子" not in reason_sentence(texts[0], weights[topic])



def test_chinese_label_is_a_short_question_from_the_topic_with_its_words():
    weights = _weights({"refund": REFUND_ZH, "password": PASSWORD_ZH})
    label = topic_label(REFUND_ZH, np.array([0.8, 0.9, 0.85, 0.7, 0.88, 0.95]), weights["refund"])
    assert text_language(label) == "zh" and 3 <= len(label) <= 50
    assert "退款" in _content_words(label) and "账" in label  # jieba cuts 到账 as 到/账 inside a sentence
    assert any(label.rstrip("？?") in text for text in REFUND_ZH)
    assert not label.startswith(("喂", "您好", "请问")) and not label.endswith(("，", "。", "啊"))
    password = topic_label(PASSWORD_ZH, np.array([0.9, 0.6, 0.8, 0.7]), weights["password"])
    assert "密码" in password and text_language(password) == "zh"


def test_english_label_is_a_question_without_filler_or_pii():
    weights = _weights({"refund": REFUND_EN, "password": PASSWORD_EN})
    # The one-word text is the most central, but a question says more: it wins, greeting and "um" gone.
    label = topic_label(REFUND_EN, [0.9, 0.5, 0.6, 0.7, 0.99], weights["refund"])
    assert label == "When will my refund arrive?"
    # The most central text carries a card number: whichever sentence wins, no digits come through.
    centrality = [0.5, 0.99, 0.4, 0.3, 0.2]
    with_card = topic_label(REFUND_EN, centrality, weights["refund"], max_characters=120)
    assert not DIGIT_RUN.search(with_card) and text_language(with_card) == "en"
    assert "refund" in with_card.lower()


def test_label_of_whole_calls_is_the_key_phrase_without_generic_words():
    calls = [
        ("您好，这里是客服中心，很高兴为您服务，请问有什么可以帮您？我上周申请的退款到现在都没有到账，"
         "我需要知道为什么不能到账，有没有办法加快一下处理速度，因为这笔钱我急着用，谢谢。") * 3
        for _ in range(4)
    ]  # fmt: skip
    # Weights as a vectorizer without generic stop words would give them: 不能 and 需要 weigh most.
    weights = {"不能": 9.0, "需要": 8.0, "有没有": 7.0, "不能 到账": 6.5, "退款": 3.0, "到账": 2.5, "退款 到账": 2.0}
    label = topic_label(calls, np.ones(len(calls)), weights, max_characters=30)
    assert label == "退款到账"
    assert not _content_words(label) & GENERIC and not any(g in label for g in ["不能", "需要", "有没有"])
    assert key_phrase({"want": 5.0, "need": 4.0, "refund": 1.0, "card": 0.5}) == "Refund / card"
    assert key_phrase({"need": 5.0, "want refund": 4.0, "refund status": 1.0, "refund": 2.0}) == "Refund status"


def test_label_prefers_a_phrase_to_two_character_texts_and_handles_tiny_topics():
    texts = ["退款", "退钱", "我要退款", "退款"]
    weights = {"退款": 1.0, "退钱": 0.5}
    label = topic_label(texts, [0.99, 0.98, 0.9, 0.97], weights)
    assert label == "我要退款"
    assert topic_label(["退款", "退钱"], [0.9, 0.8], weights) in {"退款", "退钱"}
    assert topic_label([], [], weights) == "退款 / 退钱"  # no text: the key phrase (no bigram: top two words)
    assert topic_label([], [], {}) == ""
    with pytest.raises(ValueError, match="one per text"):
        topic_label(["a", "b"], [0.1], weights)


def test_label_of_a_mixed_topic_is_in_its_majority_language():
    texts = REFUND_ZH + ["when will my refund arrive?", "refund not arrived yet"]
    weights = _weights({"refund": texts, "password": PASSWORD_ZH + PASSWORD_EN})["refund"]
    centrality = np.array([0.7, 0.8, 0.75, 0.6, 0.7, 0.72, 0.99, 0.98])  # the English texts are the most central
    label = topic_label(texts, centrality, weights)
    assert text_language(label) == "zh" and "退款" in label


# --------------------------------------------------------------------------- topic words per language


def test_topic_words_by_language_lists_both_languages_of_a_mixed_topic():
    texts = (
        REFUND_ZH + REFUND_EN + PASSWORD_ZH + PASSWORD_EN[:1]
        + ["我想要帮忙查一下，不能登录需要怎么办", "随便问问", "I need help, I want to know something"]
    )  # fmt: skip
    topics = [0] * len(REFUND_ZH) + [0] * len(REFUND_EN) + [1] * len(PASSWORD_ZH) + [1, 1, -1, -1]
    words = topic_words_by_language(texts, topics, top_n=5)
    assert set(words) == {0, 1}  # outliers get no entry
    assert set(words[0]) == {"zh", "en"} and words[0]["zh"][0] == "退款" and words[0]["en"][0] == "refund"
    assert set(words[1]) == {"zh"}  # one English text is not enough for an English list
    assert "密码" in words[1]["zh"]
    listed = {w for by_language in words.values() for ws in by_language.values() for w in ws}
    assert not listed & set(stop_words()) and not listed & GENERIC
    assert not any(DIGIT_RUN.search(w) or w.isdigit() for w in listed)
    line = format_words_by_language(words[0], per_language=2)
    assert re.fullmatch(r"zh: 退款, \S+ \| en: refund, \S+", line), line
    single = format_words_by_language(words[1], per_language=2)
    assert single.count(",") == 1 and "zh:" not in single and single.startswith(words[1]["zh"][0])
    assert format_words_by_language({}) == "" and format_words_by_language({"zh": [], "en": ["card"]}) == "card"
    with pytest.raises(ValueError, match="one per text"):
        topic_words_by_language(["a"], [0, 1])


# --------------------------------------------------------------------------- real data


def _smp() -> pd.DataFrame:
    path = SHARED / "zh_smp_ecdt_intent" / "smp2017_task1_train_dev.csv"
    if not path.is_file():
        pytest.skip(f"shared data set absent: {path}")
    return pd.read_csv(path)


def _distinguishing(frame: pd.DataFrame, text: str, label: str, n: int = 5) -> dict[str, list[str]]:
    """Each label's top-n words by (share of its texts with the word) x (share of the word's texts in it).

    Only words of 2+ texts of which at least half are in the label count (so a
    word spread over many labels is never a label's distinguishing word);
    ties are broken alphabetically. No stop word is removed first.
    """
    per_label = {
        name: Counter(w for t in group[text] for w in set(tokenize(t))) for name, group in frame.groupby(label)
    }
    sizes = frame[label].value_counts()
    overall: Counter = Counter()
    for counter in per_label.values():
        overall.update(counter)
    out = {}
    for name, counter in per_label.items():
        score = {w: k / sizes[name] * k / overall[w] for w, k in counter.items() if k >= 2 and k / overall[w] >= 0.5}
        out[name] = sorted(score, key=lambda w: (-score[w], w))[:n]
    return out


def test_smp_topic_labels_come_from_their_own_members_with_a_typical_word():
    frame = _smp()
    groups = {name: group["text"].astype(str).tolist() for name, group in frame.groupby("label")}
    weights = _weights(groups)
    typical = {
        "weather": {"天气", "天气预报"},
        "flight": {"航班", "机票", "飞机"},
        "train": {"火车", "火车票", "列车", "高铁", "动车"},
        "music": {"歌", "首歌", "音乐", "一首", "听"},
        "translation": {"翻译", "英语", "英文"},
    }
    for name, words in typical.items():
        texts = groups[name]
        # Centrality without a model: cosine of each text's word counts to the topic's mean.
        vocab = sorted({w for t in texts for w in tokenize(t)})
        index = {w: i for i, w in enumerate(vocab)}
        matrix = np.zeros((len(texts), len(vocab)))
        for row, t in enumerate(texts):
            for w in tokenize(t):
                matrix[row, index[w]] += 1
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
        centroid = matrix.mean(axis=0)
        label = topic_label(texts, matrix @ centroid / np.linalg.norm(centroid), weights[name])
        assert any(label.rstrip("？?") in t for t in texts), (name, label)
        assert set(tokenize(label)) & words, (name, label)
        assert text_language(label) == "zh" and 2 <= len(label) <= 51, (name, label)


def test_stop_words_keep_every_smp_labels_distinguishing_words():
    frame = _smp()
    distinguishing = _distinguishing(frame, "text", "label")
    assert len(distinguishing) == 31
    stops = set(stop_words())
    # SMP intents defined by their phrasing (chit-chat, "how to cook X") lean on pronouns, particles, interrogatives
    # and politeness; those may be stop words. No generic word added for issue 17 and no content word may.
    phrasing = {"怎么", "怎么办", "啥"}
    for name, words in distinguishing.items():
        stopped = set(words) & stops
        assert not stopped & (GENERIC - phrasing), (name, stopped)
        assert all(len(w) == 1 or w in FILLER_WORDS or w in phrasing for w in stopped), (name, stopped)
        if name != "chat":
            assert len(stopped) <= 1, (name, words)


def test_stop_words_keep_clinc_task_intents_distinguishing_words():
    path = SHARED / "en_clinc150_intents" / "clinc150_full.csv"
    if not path.is_file():
        pytest.skip(f"shared data set absent: {path}")
    frame = pd.read_csv(path).query("in_scope == 1")
    # small_talk and meta intents (greeting, thank_you, maybe, repeat) are made of exactly such words.
    tasks = frame[~frame["domain"].isin(["small_talk", "meta"])]
    distinguishing = _distinguishing(tasks, "text", "intent")
    assert len(distinguishing) == 120
    for name, words in distinguishing.items():
        assert not set(words) & set(GENERIC_WORDS_EN), (name, words)
