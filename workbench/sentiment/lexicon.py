"""Call-centre sentiment lexicon (Chinese and English) with negation, intensity and contrast.

The package models (snownlp, VADER) were built on shopping reviews and social
media; they miss how people complain to a service line: "一直打不通",
"没人管", "still waiting", "cancel my account". This lexicon scores such
phrases; :class:`workbench.sentiment.models.CallCentreModel` blends its score
with the package model's.

Rules (one pass per text):

* phrases match longest first, so "不错" (positive) is not "不" + "错", and
  weight-0 entries ("差不多", "麻烦您", "no problem" is its own entry) keep a
  common word from counting where it means nothing;
* negation: a negator (不/没/没有/别/未; not/never/no/no longer/n't) shortly
  before a phrase (3 characters / 3 words, not across punctuation) flips it,
  partly: "不满意" is less negative than "很差", "not bad" is mildly positive;
* intensity: 很/非常/太/特别/十分/超级/真/好/最 and really/so/very/extremely
  before a phrase multiply it by :data:`INTENSITY_FACTOR`; "不太好" /
  "not very good" (negator before the intensifier) is a weak negative;
* diminishers (有点/有些/稍; a bit/slightly) halve a phrase: "有点吵" is a mild complaint;
* contrast: what precedes 但是/不过/可是/but/however counts half, since the
  clause after it is the speaker's point.

The weights are hand-set from call-centre usage, not learned from any data set.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache

# Weights: -3 (strongly negative) .. +3 (strongly positive); 0 = a phrase that stops a shorter entry from matching.
ZH_PHRASES: dict[str, float] = {
    # complaints, escalation, money back
    "投诉": -2.0, "投诉无门": -3.0, "举报": -2.0, "曝光": -2.0, "12315": -2.5, "消协": -2.5, "工信部": -2.5,
    "退款": -1.0, "退钱": -1.5, "退货": -1.0, "赔偿": -1.5, "索赔": -2.0, "乱收费": -3.0, "多扣": -2.5,
    "扣费": -1.0, "扣钱": -1.5, "被扣": -1.5,
    # waiting, unreachable, nobody responsible
    "太慢了": -2.5, "慢": -1.0, "好慢": -2.0, "等了": -1.0, "等半天": -2.0, "半天": -0.5, "还没": -1.0,
    "到现在": -1.0, "至今": -1.0, "一直打不通": -3.0, "打不通": -2.0, "没人接": -2.5, "没人管": -3.0,
    "没人理": -3.0, "不理": -2.0, "没人": -1.0, "没有人": -1.0, "没回复": -2.0, "没有回复": -2.0, "石沉大海": -3.0,
    "踢皮球": -3.0, "推卸": -2.5, "推脱": -2.5, "敷衍": -2.5, "扯皮": -2.5, "不负责": -2.5, "不耐烦": -2.0,
    "催": -1.0, "多次": -1.0, "几次": -0.5, "反复": -1.0, "又是": -0.5,
    # leaving, never again
    "再也不": -3.0, "不会再": -2.0, "销户": -2.0, "注销": -1.0, "换一家": -2.0,
    # anger, fraud, disgust
    "骗子": -3.0, "骗人": -3.0, "骗": -2.5, "欺骗": -3.0, "坑": -2.0, "坑人": -3.0, "垃圾": -3.0, "流氓": -3.0,
    "气死": -3.0, "生气": -2.5, "愤怒": -3.0, "恶心": -3.0, "忍无可忍": -3.0, "无语": -2.5, "郁闷": -2.0,
    "离谱": -2.5, "搞什么": -2.0, "什么破": -2.5, "怎么回事": -1.5, "凭什么": -2.0, "有没有搞错": -2.5,
    "后悔": -2.5, "失望": -2.5, "糟糕": -2.5, "糟": -2.0, "烂": -2.5, "差劲": -3.0, "恶劣": -2.5,
    "态度差": -3.0, "态度恶劣": -3.0, "不满": -2.0, "不行": -2.0, "没用": -2.0, "没有用": -2.0, "不值": -2.0,
    "折腾": -1.5, "麻烦": -1.0, "可惜": -1.5, "遗憾": -1.5, "抱怨": -2.0, "上当": -3.0, "一般": -0.5,
    # faults and poor conditions
    "问题": -0.5, "故障": -1.5, "坏了": -2.0, "坏": -1.5, "错误": -1.0, "出错": -1.5, "失败": -1.5,
    "脏": -2.0, "吵": -1.5, "噪音": -1.5, "臭": -2.0, "霉": -2.0, "破": -1.0, "旧": -1.0, "简陋": -1.5,
    "贵": -1.0, "太贵": -2.0, "难": -1.0, "难用": -2.5, "不方便": -1.5, "差": -2.0, "拒绝": -1.0,
    # thanks, solved, satisfied
    "谢谢": 1.5, "感谢": 1.5, "多谢": 1.5, "辛苦了": 1.5, "解决了": 2.0, "已解决": 2.0, "搞定": 2.0,
    "处理好了": 2.0, "满意": 2.0, "很满意": 3.0, "不错": 2.0, "好": 1.0, "太好了": 2.5, "挺好": 1.5,
    "放心": 1.5, "方便": 1.0, "干净": 1.5, "舒适": 1.5, "舒服": 1.5, "热情": 1.5, "周到": 1.5, "耐心": 1.5,
    "专业": 1.0, "及时": 1.0, "迅速": 1.5, "很快": 1.5, "高效": 1.5, "顺利": 1.0, "清楚": 0.5, "细心": 1.5,
    "推荐": 1.5, "值得": 1.5, "喜欢": 1.5, "棒": 2.0, "赞": 2.0, "完美": 2.0, "给力": 2.0, "满分": 2.0,
    "还可以": 1.0, "尚可": 1.0, "还行": 1.0, "还好": 0.5, "能接受": 1.0, "性价比高": 2.0, "难得": 1.0,
    "缺乏": -1.5, "陈旧": -1.5, "老旧": -1.5, "不便": -1.5, "太远": -1.5, "难闻": -2.5, "异味": -2.0, "不爽": -2.0,
    "好评": 2.0, "划算": 1.5, "实惠": 1.5, "物超所值": 2.5, "还会再来": 2.5, "下次还": 1.5, "温馨": 1.5,
    "贴心": 2.0, "友好": 1.5, "礼貌": 1.5, "开心": 2.0, "高兴": 2.0, "没问题": 1.0, "明白了": 0.5,
    # stop-words: a shorter entry inside these means nothing
    "差不多": 0.0, "差点": 0.0, "出差": 0.0, "时差": 0.0, "温差": 0.0, "误差": 0.0, "好像": 0.0, "好几": 0.0,
    "好多": 0.0, "只好": 0.0, "好不容易": 0.0, "正好": 0.0, "好的": 0.3, "麻烦您": 0.0, "麻烦你": 0.0,
    "问题是": 0.0, "有问题": -1.0, "没有问题": 1.0, "破解": 0.0, "破产": -1.0, "难道": 0.0, "难怪": 0.0,
    "一般来说": 0.0, "回复": 0.0, "坏账": 0.0, "好处": 0.5, "慢慢": 0.0, "慢走": 0.0,
}  # fmt: skip

EN_PHRASES: dict[str, float] = {
    # escalation, leaving, money back
    "escalate": -2.0, "supervisor": -1.0, "speak to a manager": -2.0, "cancel my account": -3.0,
    "close my account": -3.0, "cancel my subscription": -2.5, "cancel": -1.0, "cancelled": -2.0, "canceled": -2.0,
    "cancellation": -1.5, "refund": -1.0, "money back": -2.0, "compensation": -1.5, "chargeback": -2.5,
    "complaint": -2.0, "complain": -2.0, "complaining": -2.0, "never again": -3.0, "switching to": -2.0,
    "lawyer": -2.5, "sue": -2.5,
    # waiting, unreachable, nobody responsible
    "still waiting": -3.0, "waiting": -1.0, "waited": -1.5, "on hold": -2.0, "hold music": -1.5, "hours": -1.0,
    "delayed": -2.0, "delay": -1.5, "delays": -1.5, "late": -1.5, "stuck": -2.0, "nobody": -2.0, "no one": -2.0,
    "no response": -2.5, "no answer": -2.0, "hung up": -3.0, "disconnected": -2.0, "call back": -0.5,
    "again": -0.5, "still": -0.5, "yet": -0.5, "how long": -1.5, "what's going on": -1.5, "what is going on": -1.5,
    "why": -0.5, "lost": -2.0, "missing": -1.5, "never received": -3.0, "never arrived": -3.0,
    "charged": -1.0, "overcharged": -3.0, "double charged": -3.0, "fee": -1.0, "fees": -1.0,
    # anger, fraud, failure
    "ridiculous": -3.0, "unacceptable": -3.0, "rude": -3.0, "worst": -3.0, "terrible": -3.0, "horrible": -3.0,
    "awful": -3.0, "pathetic": -3.0, "disgusting": -3.0, "useless": -3.0, "incompetent": -3.0, "joke": -2.0,
    "scam": -3.0, "fraud": -3.0, "lied": -3.0, "disappointed": -2.5, "disappointing": -2.5, "frustrated": -2.5,
    "frustrating": -2.5, "annoyed": -2.5, "angry": -3.0, "furious": -3.0, "upset": -2.5, "fed up": -3.0,
    "wtf": -3.0, "smh": -2.0, "ugh": -2.0, "seriously": -1.0, "fail": -2.0, "failed": -2.0, "fails": -2.0,
    "broken": -2.0, "problem": -1.0, "problems": -1.0, "issue": -1.0, "issues": -1.0, "error": -1.5,
    "mess": -2.0, "nightmare": -3.0, "hassle": -2.0, "waste": -2.5, "poor": -2.0, "bad": -2.0,
    # thanks, solved, satisfied
    "thank you so much": 3.0, "thank you": 1.5, "thanks": 1.5, "thx": 1.5, "appreciate": 2.0,
    "appreciated": 2.0, "sorted": 2.0, "resolved": 2.0, "fixed": 1.5, "solved": 2.0, "helpful": 2.0,
    "great": 2.0, "awesome": 2.5, "amazing": 2.5, "excellent": 2.5, "love": 2.0, "loved": 2.0, "best": 2.0,
    "kudos": 2.5, "shoutout": 2.0, "well done": 2.5, "good job": 2.5, "on time": 1.5, "quick": 1.0,
    "quickly": 1.0, "friendly": 2.0, "pleased": 2.0, "happy": 2.0, "glad": 2.0, "perfect": 2.5, "smooth": 1.5,
    "good": 1.5, "nice": 1.5, "happy with": 2.0, "satisfied": 2.0, "recommend": 1.5, "wonderful": 2.5,
    "please help": -1.0, "need help": -1.0, "unable": -1.5, "impossible": -2.0, "refuse": -2.0, "refused": -2.0,
    "slow": -1.5, "hrs": -1.0, "hard time": -1.5, "crappy": -2.5, "subpar": -2.5, "ruined": -2.5, "stolen": -2.0,
    "canned response": -2.0, "back and forth": -2.0, "not working": -2.0, "doesn't work": -2.0,
    "didn't work": -2.0, "still haven't": -2.0, "no help": -2.5, "helped": 1.5, "fuck": -3.0, "shit": -3.0,
    "no problem": 1.0, "no worries": 1.0, "not bad": 1.0, "fantastic": 2.5, "impressed": 2.0,
    # stop-words
    "no doubt": 0.0, "hold on": 0.0, "late flight": 0.0, "thanks for nothing": -3.0, "good luck": -0.5,
}  # fmt: skip

ZH_NEGATORS = ("没有", "不", "没", "别", "未")
# Words that contain a negator character but do not negate (特别 is an intensifier).
ZH_NOT_NEGATING = ("特别", "不仅", "不但", "不管", "不过", "不少", "不错", "差不多", "别人", "别的", "没想到")
ZH_INTENSIFIERS = ("非常", "特别", "十分", "超级", "相当", "极其", "太", "很", "真", "最", "极", "超", "好")
EN_NEGATORS = ("not", "never", "no", "cannot", "cant", "dont", "didnt", "doesnt", "wont", "isnt", "wasnt",
               "arent", "havent", "hasnt", "neither", "nor", "without")  # fmt: skip
EN_INTENSIFIERS = ("really", "so", "very", "extremely", "totally", "absolutely", "super", "incredibly",
                   "completely", "utterly", "most", "too")  # fmt: skip
ZH_CONTRAST = ("但是", "不过", "可是", "然而", "但", "可惜")
EN_CONTRAST = ("but", "however", "though", "although", "yet")
# Diminishers ("有点吵" is milder than "吵"): multiply by DIMINISH_FACTOR.
ZH_DIMINISHERS = ("有点", "有些", "稍微", "稍", "略", "一点")
EN_DIMINISHERS = ("bit", "slightly", "somewhat", "little", "kinda")

#: Window before a phrase in which a negator or intensifier counts: characters (zh), words (en).
ZH_WINDOW_CHARS = 3
EN_WINDOW_WORDS = 3
#: Multiplier of a phrase after an intensifier.
INTENSITY_FACTOR = 1.5
#: Multiplier of a negated positive phrase ("不满意" is less negative than "差") and of a negated negative
#: phrase ("not bad" is only mildly positive); "不太好" / "not very good" takes WEAK_NEGATION.
NEGATED_POSITIVE = -0.8
NEGATED_NEGATIVE = -0.4
WEAK_NEGATION = -0.5
#: What precedes a contrast word counts this much.
BEFORE_CONTRAST = 0.5
DIMINISH_FACTOR = 0.5

_CLAUSE_BREAK = re.compile(r"[，。！？；,.!?;:：\n…~～、()（）\[\]【】\"“”]+")
_EN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def lexicon_fingerprint() -> str:
    """Short hash of every entry and rule constant: changes whenever the lexicon scores any text differently."""
    state = {
        "zh": ZH_PHRASES, "en": EN_PHRASES, "zh_neg": ZH_NEGATORS, "zh_not": ZH_NOT_NEGATING,
        "zh_int": ZH_INTENSIFIERS, "en_neg": EN_NEGATORS, "en_int": EN_INTENSIFIERS, "zh_contrast": ZH_CONTRAST,
        "en_contrast": EN_CONTRAST, "zh_dim": ZH_DIMINISHERS, "en_dim": EN_DIMINISHERS,
        "numbers": [ZH_WINDOW_CHARS, EN_WINDOW_WORDS, INTENSITY_FACTOR, NEGATED_POSITIVE, NEGATED_NEGATIVE,
                    WEAK_NEGATION, BEFORE_CONTRAST, DIMINISH_FACTOR],
    }  # fmt: skip
    return hashlib.sha256(json.dumps(state, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:12]


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=None)
def _zh_pattern() -> re.Pattern:
    return re.compile(_alternation(list(ZH_PHRASES) + list(ZH_CONTRAST)))


@lru_cache(maxsize=None)
def _en_pattern() -> re.Pattern:
    return re.compile(r"(?<![a-z0-9'])(?:" + _alternation(list(EN_PHRASES) + list(EN_CONTRAST)) + r")(?![a-z0-9])")


def _modifier(weight: float, negated: bool, intensified: bool, negator_first: bool) -> float:
    if negated and intensified and negator_first:
        return weight * WEAK_NEGATION if weight > 0 else weight * NEGATED_NEGATIVE
    value = weight * (INTENSITY_FACTOR if intensified else 1.0)
    if negated:
        value *= NEGATED_POSITIVE if weight > 0 else NEGATED_NEGATIVE
    return value


def _zh_window(window: str) -> tuple[bool, bool, bool]:
    """(negated, intensified, negator before intensifier) for the characters before a phrase."""
    cleaned = window
    for word in ZH_NOT_NEGATING:
        cleaned = cleaned.replace(word, "_" * len(word))
    negator_at = min((cleaned.find(n) for n in ZH_NEGATORS if n in cleaned), default=-1)
    intensifier_at = min((window.find(i) for i in ZH_INTENSIFIERS if i in window), default=-1)
    negated, intensified = negator_at >= 0, intensifier_at >= 0
    return negated, intensified, negated and intensified and negator_at < intensifier_at


def _en_window(words: list[str]) -> tuple[bool, bool, bool]:
    negator_at = next((i for i, w in enumerate(words) if w in EN_NEGATORS or w.endswith("n't")), -1)
    intensifier_at = next((i for i, w in enumerate(words) if w in EN_INTENSIFIERS), -1)
    negated, intensified = negator_at >= 0, intensifier_at >= 0
    return negated, intensified, negated and intensified and negator_at < intensifier_at


def _score_clauses(text: str, language: str) -> tuple[float, int]:
    total, hits = 0.0, 0
    zh = language == "zh"
    pattern = _zh_pattern() if zh else _en_pattern()
    phrases = ZH_PHRASES if zh else EN_PHRASES
    contrast = ZH_CONTRAST if zh else EN_CONTRAST
    for clause in _CLAUSE_BREAK.split(text if zh else text.lower().replace("’", "'")):
        if not clause:
            continue
        previous_end = 0
        for match in pattern.finditer(clause):
            phrase = match.group(0)
            if phrase in contrast and phrase not in phrases:
                total *= BEFORE_CONTRAST
                previous_end = match.end()
                continue
            weight = phrases[phrase]
            if weight == 0.0:
                previous_end = match.end()
                continue
            if zh:
                window = clause[max(previous_end, match.start() - ZH_WINDOW_CHARS): match.start()]
                flags = _zh_window(window)
                diminished = any(word in window for word in ZH_DIMINISHERS)
            else:
                before = _EN_WORD.findall(clause[previous_end: match.start()])[-EN_WINDOW_WORDS:]
                flags = _en_window(before)
                diminished = any(word in EN_DIMINISHERS for word in before[-2:])
            total += _modifier(weight, *flags) * (DIMINISH_FACTOR if diminished else 1.0)
            hits += 1
            previous_end = match.end()
    return total, hits


def lexicon_score(text: str, language: str) -> float:
    """Sum of the weighted call-centre phrases in ``text`` (``language`` ``zh`` or ``en``); 0 when none match.

    >>> lexicon_score("一直打不通，没人管", "zh") < lexicon_score("问题解决了，谢谢", "zh")
    True
    >>> lexicon_score("not good", "en") < 0 < lexicon_score("good", "en")
    True
    """
    if not isinstance(text, str) or not text:
        return 0.0
    return _score_clauses(text, language)[0]


def lexicon_hits(text: str, language: str) -> int:
    """How many lexicon phrases with a weight matched in ``text``."""
    if not isinstance(text, str) or not text:
        return 0
    return _score_clauses(text, language)[1]
