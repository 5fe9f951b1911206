"""Text handling shared by the embedding pipelines and the c-TF-IDF vectorizer.

Chinese has no spaces, so scikit-learn's default token pattern turns a whole
Chinese sentence into one "word"; :func:`tokenize` cuts it with jieba and keeps
English words whole, so mixed-language calls work too. Call-centre filler
(greetings, "thank you for calling", 喂/您好) says nothing about why a
customer called and would otherwise top every topic's word list. Generic
request and question words (不能, 需要, 有没有, want, need, help) are how
people ask, in every topic alike, so they are stop words too.
"""

from __future__ import annotations

import re
from functools import lru_cache

from workbench.text_language import cjk_share, text_language

# Multi-word filler removed before tokenising (single words are stop words below).
FILLER_PHRASES: tuple[str, ...] = (
    "thank you for calling", "thanks for calling", "how can i help you", "how may i help you",
    "is there anything else", "have a nice day", "have a good day", "thank you", "thanks",
    "麻烦你了", "不好意思", "请稍等", "请问一下", "没有了", "暂时没有了",
)  # fmt: skip

FILLER_WORDS: tuple[str, ...] = (
    "hello", "hi", "hey", "um", "uh", "mm", "hmm", "yeah", "okay", "ok", "yes", "right", "sure", "oh", "please",
    "i'm", "it's", "i've", "i'd", "i'll", "don't", "can't", "didn't", "doesn't", "isn't", "that's", "you're",
    "what's", "there's", "won't", "wasn't", "let's", "we're", "they're", "does", "got", "just", "really",
    "喂", "您好", "你好", "请问", "嗯", "嗯嗯", "哦", "啊", "好的", "好", "行", "对", "是的", "谢谢", "麻烦", "那个",
)  # fmt: skip

CHINESE_STOP_WORDS: tuple[str, ...] = (
    "的", "了", "我", "你", "您", "他", "她", "它", "我们", "你们", "他们", "是", "在", "也", "就", "都", "和", "与",
    "或", "而", "及", "着", "过", "吗", "吧", "呢", "呀", "啦", "么", "这", "那", "这个", "这样", "那么", "什么",
    "怎么", "一个", "一下", "一些", "有", "没有", "没", "不", "要", "想", "会", "能", "可以", "还", "又", "再", "很",
    "太", "把", "被", "给", "让", "跟", "从", "到", "对于", "因为", "所以", "但是", "如果", "就是", "还是", "已经",
    "自己", "现在", "今天", "昨天", "一直", "我的", "你的", "这边", "那边", "上", "下", "里", "中", "个", "多",
    "说", "看", "看看", "知道", "帮", "帮我", "下来", "起来", "一", "二", "两", "几", "号", "年", "月", "日",
)  # fmt: skip

# Generic request and question words: how customers ask, not why they call. Chosen by their document
# frequency per label on SMP2017 intents (31 labels), CLINC150 (150 intents) and the online-shopping reviews
# (10 categories): each is spread over many labels with no label holding most of its documents. Words of the
# same kind that do separate labels there stay out (查询 stock, 还有 datetime, 得 health, say translation,
# tried card_declined, wanted reminder; check, use, current). Interrogatives (怎么办, 如何) go in although
# SMP's health and weather intents lean on them: in call-centre questions every reason is asked with them.
# ``tests/topics/test_labels.py`` checks the lists against the SMP and CLINC labels' distinguishing words.
GENERIC_WORDS_ZH: tuple[str, ...] = (
    # asking forms
    "不能", "能不能", "需要", "需不需要", "有没有", "怎么办", "咋办", "怎么样", "怎样", "怎么弄", "怎么回事", "如何",
    "为什么", "为啥", "咋", "啥", "可以吗", "是不是", "可不可以", "能否", "是否", "行不行", "好不好", "请问", "想要",
    "想问", "我要", "帮忙", "帮帮我", "告诉", "麻烦", "谢谢", "咨询", "问", "问题", "一下",
    # hedges and connectives spread over all ten shopping categories
    "非常", "比较", "不是", "而且", "有点", "真的", "不过", "觉得", "一点", "特别", "这么", "只是", "只有", "其他",
    "应该", "不会", "可能", "只能", "感觉", "东西", "一样", "时候", "但", "才", "挺", "更", "这些", "那些", "有个",
    # do-everything verbs of spoken Chinese ("怎么弄", "搞不定")
    "弄", "搞",
)  # fmt: skip

GENERIC_WORDS_EN: tuple[str, ...] = (
    # asking forms
    "want", "wants", "wanna", "need", "needs", "needed", "help", "helps", "helping", "like", "know",
    "tell", "would", "could", "can", "get", "getting", "please", "hi", "thanks", "thank", "question", "questions",
    "ask", "asking", "wondering", "wonder", "let", "gonna", "gotta", "whats", "able", "possible",
    "going", "think", "look", "looking", "figure", "make", "way", "did", "problem", "problems", "issue",
    "issues", "information", "inform", "currently", "thing", "things", "something", "anything", "someone",
    "anyone", "actually", "maybe", "assist", "assistance",
)  # fmt: skip

# scikit-learn's English list holds words that name call reasons; they separate CLINC150's banking and car
# intents (bill_due, interest_rate, transfer, gas) and stay topic words.
REASON_WORDS_KEPT: tuple[str, ...] = (
    "bill", "interest", "due", "amount", "system", "top", "move", "empty", "fill", "fire",
)  # fmt: skip

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_KEEP = re.compile(r"[\u3400-\u9fffA-Za-z]")
_FILLER_RE = re.compile("|".join(re.escape(p) for p in sorted(FILLER_PHRASES, key=len, reverse=True)), re.IGNORECASE)
# Long digit runs (phone, card, id numbers) and emails: masked in examples shown to people.
_SPOKEN = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple)"
_PII_RE = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.]+|\d[\d \-]{4,}\d|[一二三四五六七八九零〇幺两]{6,}"
    rf"|\b{_SPOKEN}(?:[\s,.-]+{_SPOKEN}){{3,}}\b",
    re.IGNORECASE,
)


def detect_language(texts: list[str]) -> str:
    """``zh``, ``en`` or ``mixed`` from the share of Chinese characters over the corpus."""
    sample = " ".join(texts[:2000])
    share = cjk_share(sample)
    if share >= 0.6:
        return "zh"
    if share <= 0.05:
        return "en"
    return "mixed"


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # jieba prints its dictionary load to stderr otherwise
    jieba.initialize()
    return jieba


def strip_filler(text: str) -> str:
    """``text`` without call-centre filler phrases."""
    return _FILLER_RE.sub(" ", text)


def tokenize(text: str) -> list[str]:
    """Lower-cased words: jieba for Chinese runs, whole words for Latin script; digits and punctuation dropped.

    Module-level (not a lambda) so fitted scikit-learn pipelines using it pickle.
    """
    text = strip_filler(str(text))
    if not _CJK.search(text):
        # Single letters are left-overs of contractions with curly apostrophes ("it’s" -> "s").
        return [w.lower() for w in _LATIN_WORD.findall(text) if len(w) > 1]
    tokens = []
    for piece in _jieba().lcut(text):
        piece = piece.strip().lower()
        if piece and _KEEP.search(piece) and not piece[0].isdigit() and not (piece.isascii() and len(piece) < 2):
            tokens.append(piece)
    return tokens


def stop_words() -> list[str]:
    """English (scikit-learn's list less :data:`REASON_WORDS_KEPT`), Chinese, call-centre filler and generic
    request/question stop words (:data:`GENERIC_WORDS_ZH`, :data:`GENERIC_WORDS_EN`)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    english = set(ENGLISH_STOP_WORDS) - set(REASON_WORDS_KEPT)
    generic = set(GENERIC_WORDS_ZH) | set(GENERIC_WORDS_EN)
    return sorted(english | set(CHINESE_STOP_WORDS) | set(FILLER_WORDS) | generic)


def redact(text: str) -> str:
    """``text`` with emails and long digit runs (phone, card, id numbers) masked as ``[redacted]``."""
    return _PII_RE.sub("[redacted]", str(text))
