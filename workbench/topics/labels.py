"""Readable topics: labels, reason sentences and topic words per language.

A topic of calls is shown to a manager as

* a **label**: a short representative question or key phrase in the corpus'
  language (:func:`topic_label`), instead of ``0_卡_不能_需要``;
* **examples** cut to the sentence that carries the reason (:func:`reason_sentence`),
  instead of a whole call truncated at 300 characters;
* **topic words per language** in a mixed corpus (:func:`topic_words_by_language`,
  :func:`format_words_by_language`).

Pure functions on lists and numpy arrays: no BERTopic object comes in, so
:mod:`workbench.topics.model` passes what it has. A topic's word weights are
its c-TF-IDF row, ``{word or "word1 word2" bigram: weight}``, best made
distinctive first: ``distinctive_weights(run.topic_word_weights())[topic]``
(see :func:`distinctive_weights` for why); centrality is
each member's similarity to the topic centroid (the ``probability`` column of
the assignments). Everything returned for display passes
:func:`workbench.topics.text.redact`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

import numpy as np

from workbench.topics.text import redact, stop_words, text_language, tokenize

#: Most central members considered as a topic's label.
LABEL_CANDIDATES = 10
#: Share of the label score from coverage of the topic's top words, centrality and brevity.
LABEL_SCORE_WEIGHTS = {"coverage": 0.45, "centrality": 0.3, "brevity": 0.25}
#: Top c-TF-IDF words a label candidate's coverage is measured on.
LABEL_TOP_WORDS = 10

# Sentence ends: Chinese and Latin terminators (kept on the sentence), newlines, and ". " (not "3.5" or "a.b").
_SENTENCE_END = re.compile(r"(?<=[。！？!?;；])|\n+|(?<=\.)\s+")
_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_WORDISH = re.compile(r"[\w\u3400-\u9fff]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_REDACTED = "[redacted]"
# Greeting and hesitation in front of the reason ("喂，您好，请问…", "Hi, um, ...").
_LEADING_FILLER = re.compile(
    r"^(?:(?:喂|您好|你好|请问一下|请问|嗯+|哦|啊|那个|就是|好的|"
    r"(?:hello|hi|hey|um+|uh+|so|well|yeah|okay|ok|oh)\b)[\s,，、.。!！~～:：]*)+",
    re.IGNORECASE,
)
# Politeness and particles after the reason ("..., please.", "谢谢。", "啊").
_TRAILING_FILLER = re.compile(
    r"(?:[\s,，、]*(?:谢谢你?|谢谢了|麻烦了|啊|呀|啦|哈|(?<![A-Za-z])(?:please|thanks|thank you)(?![A-Za-z])))+"
    r"(?=[\s.。!！?？~～]*$)",
    re.IGNORECASE,
)
_TRAILING_NOISE = re.compile(r"[\s,，、.。;；:：!！~～…\-—_*#]+$")
_LEADING_NOISE = re.compile(r"^[\s,，、.。;；:：!！?？~～…\-—_*#>)）】」』]+")


@lru_cache(maxsize=1)
def _stops() -> frozenset[str]:
    return frozenset(stop_words())


def _clean(text: str) -> str:
    """Redacted text without control characters or runs of spaces.

    Markup stays as the caller's text: it is data, shown escaped wherever it is rendered, not removed here.
    """
    text = redact(_CONTROL.sub("", str(text)))
    return _SPACES.sub(" ", text)


def _grams(text: str) -> set[str]:
    """Content unigrams and bigrams of ``text`` as the c-TF-IDF vectorizer forms them (stop words out first)."""
    words = [w for w in tokenize(text) if w not in _stops()]
    return set(words) | {f"{a} {b}" for a, b in zip(words, words[1:])}


def _is_filler(sentence: str) -> bool:
    return not any(w not in _stops() for w in tokenize(sentence))


def distinctive_weights(weights_by_topic: dict[int, dict[str, float]]) -> dict[int, dict[str, float]]:
    """Each topic's word weights minus the word's highest weight in any other topic, only the positive ones.

    BERTopic's c-TF-IDF (with ``reduce_frequent_words``) is flat over a topic's
    vocabulary, and whole calls share sentences across topics ("my son usually
    handles this", "我账户里还有多少钱"), so summed raw weights pick those.
    Against the strongest other topic only what is more typical of this topic
    than of any other is left: pass these weights to :func:`reason_sentence`
    and :func:`topic_label`. On generated whole calls (10 topics) that turned
    labels such as "我儿子平时弄这个，他今天不在家" (password reset) into
    "我的服务密码忘了，想重置一下".

    Args:
        weights_by_topic: topic id -> ``{word or "word1 word2": weight}``, e.g.
            ``TopicRun.topic_word_weights()`` (outliers already excluded).
    Returns:
        A new mapping of the same topics; with a single topic its weights unchanged.
    """
    if len(weights_by_topic) < 2:
        return {topic: dict(weights) for topic, weights in weights_by_topic.items()}
    # Per word its two highest weights and the topic of the highest: one pass instead of topics x topics.
    best: dict[str, tuple[float, float, int]] = {}
    for topic, weights in weights_by_topic.items():
        for word, value in weights.items():
            first, second, owner = best.get(word, (0.0, 0.0, topic))
            if value > first:
                best[word] = (value, first, topic)
            elif value > second:
                best[word] = (first, value, owner)
    out: dict[int, dict[str, float]] = {}
    for topic, weights in weights_by_topic.items():
        contrast = {}
        for word, value in weights.items():
            first, second, owner = best[word]
            other = second if owner == topic else first
            if value - other > 0:
                contrast[word] = value - other
        out[topic] = contrast
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: split on 。！？!?;； and newlines (terminator kept) and on ". ".

    Chinese commas stay inside a sentence (a Chinese sentence is often one
    comma-joined thought). Pieces are stripped; empty ones and ones without a
    letter or digit (a lone "。") are dropped.

    Args:
        text: any text (None-safe via ``str``).
    Returns:
        The sentences in order; ``[]`` for a blank text.
    """
    pieces = (piece.strip() for piece in _SENTENCE_END.split(str(text or "")))
    return [piece for piece in pieces if piece and _WORDISH.search(piece)]


def shorten(text: str, max_characters: int) -> str:
    """``text`` cut to at most ``max_characters`` characters plus an ellipsis ``…`` when it is longer.

    Latin script is cut on a word boundary and ``[redacted]`` is never cut in
    half; Chinese may be cut between any two characters.
    """
    text = text.strip()
    if max_characters < 1 or len(text) <= max_characters:
        return text
    cut = max_characters
    # A cut inside a Latin word or inside "[redacted]" backs up to the start of that word.
    marker = text.rfind(_REDACTED, 0, cut + len(_REDACTED) - 1)
    if marker != -1 and marker < cut < marker + len(_REDACTED):
        cut = marker
    elif text[cut - 1].isascii() and text[cut - 1].isalnum() and text[cut].isascii() and text[cut].isalnum():
        start = cut
        while start > 0 and text[start - 1].isascii() and (text[start - 1].isalnum() or text[start - 1] in "'-"):
            start -= 1
        # A single word longer than the limit is cut inside rather than dropped whole.
        cut = start if start > 0 else cut
    head = _TRAILING_NOISE.sub("", text[:cut].rstrip())
    return (head or text[:max_characters]) + "…"


def reason_sentence(text: str, word_weights: dict[str, float], max_characters: int = 120) -> str:
    """The sentence of ``text`` that carries the topic's reason, shortened and redacted.

    The sentence whose content words and bigrams (:func:`~workbench.topics.text.tokenize`,
    stop words out) have the highest summed weight in ``word_weights``; ties go
    to the earlier sentence. When no sentence shares a word with the topic, the
    first sentence that is not only filler ("喂，您好", "Hello, thanks for
    calling") is used. Markup tags are removed and PII is masked before anything
    is chosen, so a phone or card number cannot leak half-cut.

    Args:
        text: one document (a short utterance or a whole call).
        word_weights: the topic's c-TF-IDF weights, ``{word or "word1 word2": weight}``;
            may be empty.
        max_characters: longer sentences are cut on a word boundary (Latin
            script) and end with ``…``.
    Returns:
        The sentence, at most ``max_characters`` + 1 characters; ``""`` for a blank text.
    """
    sentences = split_sentences(_clean(text))
    if not sentences:
        return ""
    best, best_score = None, 0.0
    for sentence in sentences:
        score = sum(word_weights.get(gram, 0.0) for gram in _grams(sentence))
        if score > best_score:
            best, best_score = sentence, score
    if best is None:
        best = next((s for s in sentences if not _is_filler(s)), sentences[0])
    return redact(shorten(best, max_characters))


def _tidy_label(sentence: str, language: str) -> str:
    """A sentence as a label: no greeting in front, no politeness or punctuation noise behind."""
    text = _LEADING_FILLER.sub("", sentence.strip())
    text = _LEADING_NOISE.sub("", text)
    question = text.rstrip().endswith(("?", "？"))
    text = _TRAILING_NOISE.sub("", text.rstrip("?？ "))
    text = _TRAILING_NOISE.sub("", _TRAILING_FILLER.sub("", text))
    if not text:
        return ""
    if question:
        text += "？" if language == "zh" and _CJK.search(text[-1]) else "?"
    if language == "en":
        text = re.sub(r"\bi\b", "I", text)
        text = text[0].upper() + text[1:]
    return text


def _brevity(label: str, max_characters: int) -> float:
    """1 for a short sentence falling to 0.5 at the limit; low for 1-2 characters or one English word."""
    length = len(label)
    if length <= 2:
        return 0.05
    if length > max_characters:
        return 0.2 * max_characters / length
    if length == 3 or (not _CJK.search(label) and len(label.split()) < 2):
        # A single word names a subject, not the caller's question; a phrase or question says more.
        return 0.3
    return 1.0 - 0.5 * length / max_characters


def _top_words(word_weights: dict[str, float], n: int) -> list[tuple[str, float]]:
    """The ``n`` heaviest weights whose words are not stop words, heaviest first (ties: alphabetical)."""
    usable = [(w, v) for w, v in word_weights.items() if v > 0 and not any(p in _stops() for p in w.split(" "))]
    return sorted(usable, key=lambda kv: (-kv[1], kv[0]))[:n]


def key_phrase(word_weights: dict[str, float]) -> str:
    """The topic's key phrase from c-TF-IDF weights: the heaviest bigram, else the top two words as ``a / b``.

    A Chinese bigram is written without its space (``退款 到账`` -> ``退款到账``), a
    Latin one starts with a capital (``Hotel room``). Stop words never appear.
    ``""`` when no usable word is left.
    """
    top = _top_words(word_weights, len(word_weights))
    bigram = next((w for w, _ in top if " " in w), None)
    if bigram:
        first, second = bigram.split(" ", 1)
        phrase = first + second if _CJK.search(first[-1]) and _CJK.search(second[0]) else bigram
    else:
        phrase = " / ".join(w for w, _ in top[:2])
    return redact(phrase[:1].upper() + phrase[1:])


def _majority_language(texts: list[str]) -> str:
    counts = Counter(text_language(t) for t in texts if str(t).strip())
    return "zh" if counts["zh"] > counts["en"] else "en"


def topic_label(
    texts: list[str], centrality: np.ndarray, word_weights: dict[str, float], max_characters: int = 50
) -> str:
    """A short representative question or key phrase naming one topic, in the topic's language.

    Among the :data:`LABEL_CANDIDATES` most central members, each member's
    :func:`reason_sentence` is scored by coverage of the topic's top
    :data:`LABEL_TOP_WORDS` c-TF-IDF words (weight share present), centrality
    (scaled to 0.5..1 over the candidates) and brevity (very long, 1-2
    character and one-word English sentences lose), weighted by :data:`LABEL_SCORE_WEIGHTS`; a
    sentence in another language than most of the topic's texts counts half,
    one with a masked number 0.8.
    Only sentences within ``max_characters`` compete. The best is returned
    without a greeting in front or politeness and punctuation noise behind (a
    question keeps its question mark); equal scores go to the more central
    member. When every candidate is longer than ``max_characters`` (whole calls
    without a short reason sentence), the label is :func:`key_phrase` instead.

    Args:
        texts: the topic's member texts.
        centrality: one number per text, higher = more central (e.g. cosine
            similarity to the topic centroid, the assignments' ``probability``).
        word_weights: the topic's c-TF-IDF weights ``{word or "word1 word2": weight}``.
        max_characters: longest label (plus ``…`` for a shortened key sentence).
    Returns:
        The label, redacted (no phone, card or id digit runs); ``""`` when the
        topic has no text and no usable word.
    Raises:
        ValueError: ``centrality`` does not have one value per text.
    """
    centrality = np.asarray(centrality, dtype=float).ravel()
    if len(centrality) != len(texts):
        raise ValueError(f"centrality has {len(centrality)} values for {len(texts)} texts; expected one per text")
    language = _majority_language(texts)
    order = np.argsort(-np.nan_to_num(centrality, nan=-np.inf), kind="stable")
    candidates: list[tuple[str, float]] = []
    seen: set[str] = set()
    for i in order:
        if len(candidates) >= LABEL_CANDIDATES:
            break
        # Full length first: whether a sentence fits the label is part of its score.
        sentence = reason_sentence(texts[i], word_weights, max_characters=10 * max_characters)
        label = _tidy_label(sentence, language)
        if label and label not in seen:
            seen.add(label)
            candidates.append((label, float(np.nan_to_num(centrality[i], nan=0.0))))
    if not candidates:
        return key_phrase(word_weights)
    fitting = [(label, value) for label, value in candidates if len(label) <= max_characters]
    if not fitting:
        return key_phrase(word_weights) or redact(shorten(candidates[0][0], max_characters))
    top = _top_words(word_weights, LABEL_TOP_WORDS)
    top_total = sum(v for _, v in top)
    values = np.array([value for _, value in fitting])
    spread = float(values.max() - values.min())
    # Scaled to 0.5..1: every candidate is already among the most central, so the least of them is not worthless.
    scaled = 0.5 + 0.5 * (values - values.min()) / spread if spread > 0 else np.ones(len(values))
    weights = LABEL_SCORE_WEIGHTS
    best_label, best_score = "", -math.inf
    for (label, _), central in zip(fitting, scaled):
        grams = _grams(label)
        coverage = sum(v for w, v in top if w in grams) / top_total if top_total > 0 else 0.0
        score = (
            weights["coverage"] * coverage
            + weights["centrality"] * float(central)
            + weights["brevity"] * _brevity(label, max_characters)
        )
        if text_language(label) != language:
            score *= 0.5
        if _REDACTED in label:
            score *= 0.8  # a masked number reads worse than the same request without one
        if score > best_score:
            best_label, best_score = label, score
    return redact(shorten(best_label, max_characters))


def topic_words_by_language(
    texts: list[str], topics: list[int] | np.ndarray, top_n: int = 10
) -> dict[int, dict[str, list[str]]]:
    """Top words of each topic, separately for its Chinese and its English documents.

    Documents are split by :func:`~workbench.topics.text.text_language`; within
    one language, words (:func:`~workbench.topics.text.tokenize`, stop words out)
    are weighted by a class TF-IDF as BERTopic's c-TF-IDF does: the word's
    frequency in the topic (share of the topic's words) times
    ``log(1 + mean words per topic / the word's frequency over all topics)``.
    Outlier documents (topic -1) count in those frequencies but get no entry.
    A word must occur in 2 documents of the topic when it has 4 or more in that
    language, so one caller's name or typo does not make a topic word.

    Args:
        texts: the documents.
        topics: one topic id per document (-1 = outlier).
        top_n: words per topic and language.
    Returns:
        ``{topic: {"zh": [words], "en": [words]}}``, heaviest first (ties
        alphabetical); a language with fewer than 2 documents in the topic, or
        no word left, is left out; topics are those present, outliers excluded.
    Raises:
        ValueError: ``topics`` does not have one id per text.
    """
    topics = [int(t) for t in np.asarray(topics).ravel()]
    if len(topics) != len(texts):
        raise ValueError(f"topics has {len(topics)} ids for {len(texts)} texts; expected one per text")
    out: dict[int, dict[str, list[str]]] = {t: {} for t in sorted(set(topics)) if t != -1}
    languages = [text_language(str(t)) for t in texts]
    for language in ("zh", "en"):
        counts: dict[int, Counter] = {}
        doc_counts: dict[int, Counter] = {}
        n_docs: Counter = Counter()
        for text, topic, lang in zip(texts, topics, languages):
            if lang != language:
                continue
            words = [w for w in tokenize(str(text)) if w not in _stops()]
            counts.setdefault(topic, Counter()).update(words)
            doc_counts.setdefault(topic, Counter()).update(set(words))
            n_docs[topic] += 1
        if not counts:
            continue
        overall: Counter = Counter()
        for c in counts.values():
            overall.update(c)
        mean_words = sum(overall.values()) / len(counts)
        for topic, c in counts.items():
            total = sum(c.values())
            if topic == -1 or n_docs[topic] < 2 or not total:
                continue
            min_docs = 2 if n_docs[topic] >= 4 else 1
            scored = [
                (w, k / total * math.log(1 + mean_words / overall[w]))
                for w, k in c.items()
                if doc_counts[topic][w] >= min_docs
            ]
            words = [w for w, _ in sorted(scored, key=lambda kv: (-kv[1], kv[0]))[:top_n]]
            if words:
                out[topic][language] = [redact(w) for w in words]
    return out


def format_words_by_language(d: dict[str, list[str]], per_language: int = 5) -> str:
    """One line of topic words per language, e.g. ``zh: 退款, 到账 | en: refund, arrive``.

    With one language the words alone (``退款, 到账``); languages without
    words are skipped; ``""`` when there is none.
    """
    parts = {lang: words[:per_language] for lang, words in d.items() if words}
    if len(parts) == 1:
        return ", ".join(next(iter(parts.values())))
    return " | ".join(f"{lang}: {', '.join(words)}" for lang, words in parts.items())
