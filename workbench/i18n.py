"""The interface language: every word a person reads, in Simplified Chinese or English.

Texts are marked in the source with :func:`_` (translate now) or :func:`N_`
(a constant translated where it is shown) and kept in gettext catalogues,
``workbench/locale/<language>/LC_MESSAGES/*.po`` (one file per area of the
product, all one domain). English is the source language: an English page
needs no catalogue. ``workbench i18n extract`` writes the template
(``workbench/locale/workbench.pot``) with Babel's extractor, and
``workbench i18n check`` names every marked text with no translation (the
test suite runs the same check).

Which language:

* a notebook or app sets it once with :func:`set_language` from its
  ``interface_language`` parameter (one kernel serves one reader);
* otherwise :func:`default_language`: ``$WORKBENCH_INTERFACE_LANGUAGE``, else
  ``interface_language`` in ``parameters/centre.yaml`` (the centre's
  settings), else English.

Data is never translated: queue names, topic words and transcripts stay as
they were recorded. Numbers, dates and durations are formatted for the
language by :func:`format_number`, :func:`format_percent`,
:func:`format_date` and :func:`format_duration` (Babel's CLDR data).

Babel and YAML are imported inside the functions that need them, so importing
this module costs nothing.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench import paths
from workbench.errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd

#: Interface languages, the source language first.
LANGUAGES: tuple[str, ...] = ("en", "zh")
SOURCE_LANGUAGE = "en"
#: Interface language -> the CLDR locale its numbers and dates follow.
LOCALES: dict[str, str] = {"en": "en_GB", "zh": "zh_Hans_CN"}
#: Interface language -> the HTML ``lang`` attribute of pages written in it.
HTML_LANG: dict[str, str] = {"en": "en", "zh": "zh-CN"}
LANGUAGE_ENV = "WORKBENCH_INTERFACE_LANGUAGE"
CENTRE_SETTINGS_FILE = "centre.yaml"
DOMAIN = "workbench"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_current: ContextVar[str | None] = ContextVar("interface_language", default=None)


# --------------------------------------------------------------------------- which language
def check_language(value: Any, field: str = "interface_language") -> str:
    """``value`` as an interface language (``zh``, ``en``; ``zh-CN``/``zh_Hans`` mean ``zh``) or a ParameterError."""
    text = str(value or "").strip().lower().replace("_", "-")
    base = text.split("-", 1)[0]
    if base in LANGUAGES:
        return base
    raise ParameterError(f"{value!r} is not an interface language; use one of {', '.join(LANGUAGES)}",
                         field=field)


def centre_settings_path() -> Path:
    """``parameters/centre.yaml``: the centre's settings (its default interface language)."""
    return paths.parameters_dir() / CENTRE_SETTINGS_FILE


def centre_settings() -> dict[str, Any]:
    """The centre's settings as a mapping (empty when the file does not exist), checked."""
    path = centre_settings_path()
    if not path.exists():
        return {}
    import yaml

    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ParameterError(f"not valid YAML: {exc}", file=path,
                             row=mark.line + 1 if mark is not None else None) from exc
    if not isinstance(values, dict):
        raise ParameterError("the centre's settings must be a mapping (interface_language: zh)", file=path)
    unknown = sorted(set(values) - {"interface_language"})
    if unknown:
        raise ParameterError(f"unknown setting {unknown[0]!r}; known: interface_language", file=path,
                             field=unknown[0])
    if "interface_language" in values:
        try:
            values["interface_language"] = check_language(values["interface_language"])
        except ParameterError as exc:
            raise ParameterError(exc.reason, file=path, field="interface_language") from None
    return values


def default_language() -> str:
    """``$WORKBENCH_INTERFACE_LANGUAGE``, else the centre's setting, else English."""
    given = os.environ.get(LANGUAGE_ENV)
    if given:
        return check_language(given, LANGUAGE_ENV)
    return centre_settings().get("interface_language", SOURCE_LANGUAGE)


def current_language() -> str:
    """The language set by :func:`set_language` (or :func:`using_language`), else :func:`default_language`."""
    return _current.get() or default_language()


def set_language(language: str | None) -> str:
    """Make ``language`` (None: the default) this process's interface language; return it."""
    chosen = check_language(language) if language else default_language()
    _current.set(chosen)
    return chosen


@contextlib.contextmanager
def using_language(language: str | None) -> Iterator[str]:
    """Within the block, texts are translated into ``language`` (None: leave it as it is)."""
    token = _current.set(check_language(language)) if language else None
    try:
        yield current_language()
    finally:
        if token is not None:
            _current.reset(token)


def resolve(language: str | None) -> str:
    """``language`` checked, or the current language when None."""
    return check_language(language) if language else current_language()


# --------------------------------------------------------------------------- catalogues
def catalogue_files(language: str) -> list[Path]:
    """The ``.po`` files of ``language``'s catalogue (all one domain, one file per area)."""
    return sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"))


@lru_cache(maxsize=None)
def catalogue(language: str) -> dict[str, str]:
    """``msgid -> translation`` of ``language`` (empty for the source language).

    Entries with no translation or marked fuzzy are left out, so they show in
    the source language and :func:`missing_translations` names them. Two files
    translating one text differently is an error: one text, one translation.
    """
    if language == SOURCE_LANGUAGE:
        return {}
    from babel.messages import pofile

    merged: dict[str, str] = {}
    origin: dict[str, Path] = {}
    for path in catalogue_files(language):
        with path.open("rb") as handle:
            entries = pofile.read_po(handle, locale=LOCALES[language].split("_")[0], domain=DOMAIN)
        for message in entries:
            if not message.id or message.fuzzy or isinstance(message.id, tuple):
                continue
            text = message.string if isinstance(message.string, str) else None
            if not text:
                continue
            if message.id in merged and merged[message.id] != text:
                raise ParameterError(f"{message.id!r} is translated as {merged[message.id]!r} in "
                                     f"{origin[message.id].name} and as {text!r} here", file=path,
                                     row=message.lineno)
            merged[message.id], origin[message.id] = text, path
    return merged


def N_(message: str) -> str:
    """Mark a constant text for the catalogue without translating it yet (translate where shown with :func:`_`)."""
    return message


def gettext(message: str, language: str | None = None) -> str:
    """``message`` in ``language`` (None: the current language); the English text when it has no translation."""
    chosen = resolve(language)
    if chosen == SOURCE_LANGUAGE or not message:
        return message
    return catalogue(chosen).get(message, message)


_ = gettext


def ngettext(singular: str, plural: str, count: int, language: str | None = None) -> str:
    """``singular`` or ``plural`` by ``count``, translated (Chinese has one form: the plural's translation)."""
    chosen = resolve(language)
    if chosen == SOURCE_LANGUAGE:
        return singular if count == 1 else plural
    table = catalogue(chosen)
    return table.get(plural) or table.get(singular) or (singular if count == 1 else plural)


def format_text(message: str, /, language: str | None = None, **values: Any) -> str:
    """``_(message).format(**values)``: the translation keeps the ``{name}`` fields of the source."""
    return gettext(message, language).format(**values)


# --------------------------------------------------------------------------- markdown narrative
_HEADING = re.compile(r"^(#{1,6}\s+)(.+)$")


def _markdown_pieces(text: str) -> list[tuple[str, str]]:
    """``(markup, text)`` pairs: each block between blank lines, a heading line split off as its own piece."""
    pieces: list[tuple[str, str]] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        block = block.strip()
        if not block:
            continue
        first, _, rest = block.partition("\n")
        match = _HEADING.match(first)
        if match:
            pieces.append((match.group(1), match.group(2).strip()))
            if rest.strip():
                pieces.append(("\n", rest.strip()))
        else:
            pieces.append(("\n\n", block))
    return pieces


def markdown_blocks(text: str) -> list[str]:
    """The translatable units of a markdown text: blocks between blank lines, each heading line on its own."""
    return [piece for _markup, piece in _markdown_pieces(text)]


def translate_markdown(text: str, language: str | None = None) -> str:
    """A markdown text with each unit (see :func:`markdown_blocks`) translated, headings kept headings."""
    chosen = resolve(language)
    if chosen == SOURCE_LANGUAGE:
        return text
    out = ""
    for markup, piece in _markdown_pieces(text):
        translated = gettext(piece, chosen)
        if markup.startswith("#"):
            out += ("\n\n" if out else "") + markup + translated
        else:
            out += (markup if out else "") + translated
    return out


# --------------------------------------------------------------------------- checks
def untranslated_texts(text: str, language: str) -> list[str]:
    """Catalogue source texts that appear untranslated in ``text`` (a page or report in ``language``).

    Only texts whose translation differs from the source count. A text with
    ``{fields}`` is looked for by its words before the first field. So that a
    data value that happens to be an English word ("north", "customer") is not
    mistaken for a missing translation, a one-word text counts only when it is
    a capitalised word of at least eight letters ("Occupancy"); texts of two
    words or more always count.
    """
    chosen = check_language(language)
    if chosen == SOURCE_LANGUAGE:
        return []
    found = []
    for source, translation in catalogue(chosen).items():
        probe = source.strip()
        if translation.strip() == probe:
            continue
        if "{" in probe:
            probe = re.split(r"\{[^}]*\}", probe)[0].strip()
            if " " not in probe:  # one word before a field is too little to tell a text from data
                continue
        if " " not in probe and not (len(probe) >= 8 and probe[:1].isupper()):
            continue
        if re.search(r"(?<![A-Za-z])" + re.escape(probe) + r"(?![A-Za-z])", text):
            found.append(source)
    return sorted(found)


# --------------------------------------------------------------------------- formatting
def _locale(language: str | None) -> str:
    return LOCALES[resolve(language)]


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return value != value  # NaN, NaT, pd.NA raise or compare unequal
    except TypeError:
        return True


MISSING = "–"


def format_number(value: Any, decimals: int = 0, language: str | None = None) -> str:
    """``12,345`` / ``3.5``: grouped, ``decimals`` places; a dash for a missing value."""
    if _is_missing(value):
        return MISSING
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(float(value), format=pattern, locale=_locale(language))


def format_percent(share: Any, decimals: int = 1, language: str | None = None) -> str:
    """A share 0..1 as ``85.3%``; a dash for a missing value."""
    if _is_missing(share):
        return MISSING
    from babel.numbers import format_percent as babel_percent

    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    return babel_percent(float(share), format=pattern, locale=_locale(language))


def format_date(value: Any, language: str | None = None, *, with_weekday: bool = False) -> str:
    """``2026年3月1日`` / ``1 Mar 2026`` (``周日`` / ``Sun`` first when ``with_weekday``)."""
    if _is_missing(value):
        return MISSING
    from babel.dates import format_date as babel_date

    day = value if isinstance(value, date) and not isinstance(value, datetime) else None
    if day is None:
        day = datetime.fromisoformat(str(value)[:19]).date() if isinstance(value, str) else value.date()
    chosen = resolve(language)
    text = babel_date(day, format="long" if chosen == "zh" else "medium", locale=LOCALES[chosen])
    if with_weekday:
        text = babel_date(day, format="EEE", locale=LOCALES[chosen]) + " " + text
    return text


def format_duration(seconds: Any, language: str | None = None) -> str:
    """A duration: ``45 s``/``45秒``, ``2 min 05 s``/``2分05秒``, ``1 h 02 min``/``1小时02分``."""
    if _is_missing(seconds):
        return MISSING
    total = int(round(float(seconds)))
    sign, total = ("-" if total < 0 else ""), abs(total)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    zh = resolve(language) == "zh"
    if hours:
        return sign + (f"{hours}小时{minutes:02d}分" if zh else f"{hours} h {minutes:02d} min")
    if minutes:
        return sign + (f"{minutes}分{secs:02d}秒" if zh else f"{minutes} min {secs:02d} s")
    return sign + (f"{secs}秒" if zh else f"{secs} s")


# --------------------------------------------------------------------------- column names for people
#: Column name -> its heading where people read a table (apps, reports, workbooks). Columns not
#: listed keep their name. The texts are catalogue entries, translated by :func:`column_label`.
COLUMN_LABELS: dict[str, str] = {
    "queue_id": N_("Queue"),
    "queue": N_("Queue"),
    "language": N_("Language"),
    "day": N_("Day"),
    "date": N_("Date"),
    "interval": N_("Interval"),
    "interval_start": N_("Interval start"),
    "offered": N_("Calls offered"),
    "answered": N_("Calls answered"),
    "abandoned": N_("Calls abandoned"),
    "short_abandoned": N_("Short abandons"),
    "transferred": N_("Transferred"),
    "answer_rate": N_("Answer rate"),
    "abandonment_rate": N_("Abandonment rate"),
    "service_level": N_("Service level"),
    "service_level_calls": N_("Calls in service level"),
    "answered_in_time": N_("Answered in time"),
    "asa_seconds": N_("Average speed of answer (s)"),
    "aht_seconds": N_("Average handle time (s)"),
    "talk_seconds": N_("Talk time (s)"),
    "wait_seconds": N_("Wait (s)"),
    "handle_seconds": N_("Handle time (s)"),
    "fcr_rate": N_("First contact resolution (no repeat call)"),
    "fcr_marked_rate": N_("First contact resolution (agent's mark)"),
    "transfer_rate": N_("Transfer rate"),
    "survey_response_rate": N_("Survey response rate"),
    "csat_top_box_rate": N_("Top-score share"),
    "fcr_calls": N_("Calls with a known customer"),
    "customer_unknown": N_("Calls with no customer id"),
    "fcr_marked_calls": N_("Calls with a resolved mark"),
    "resolved_unknown": N_("Calls with no resolved mark"),
    "dimension": N_("Grouped by"),
    "value": N_("Value"),
    "kpi": N_("KPI"),
    "meaning": N_("What it means"),
    "definition": N_("Definition"),
    "formula": N_("Formula"),
    "population": N_("Calls it is about"),
    "lacking": N_("Calls lacking the measure"),
    "csat": N_("Satisfaction score"),
    "responses": N_("Responses"),
    "intervals": N_("Report rows"),
    "offered_unknown": N_("Rows with no offered count"),
    "asa_unknown": N_("Answered calls with no ASA"),
    "target_answer_seconds": N_("Target answer time (s)"),
    "repeat_rate": N_("Repeat contact rate"),
    "csat_mean": N_("Satisfaction (CSAT)"),
    "csat_responses": N_("Survey responses"),
    "occupancy": N_("Occupancy"),
    "agents": N_("Agents"),
    "agents_required": N_("Agents required"),
    "forecast": N_("Forecast calls"),
    "topic": N_("Topic"),
    "topic_id": N_("Topic"),
    "label": N_("Label"),
    "share": N_("Share"),
    "calls": N_("Calls"),
    "texts": N_("Texts"),
    "words": N_("Topic words"),
    "example": N_("Example"),
    "agent_id": N_("Agent"),
    "effect": N_("Effect"),
    "driver": N_("Driver"),
    "wait_unknown": N_("Calls with no wait recorded"),
    "handle_unknown": N_("Answered with no handle time"),
    "reject_reason": N_("Reason rejected"),
    "rows": N_("Rows"),
    # Speech intelligence: sentiment, speakers and voice cues (per call and per turn).
    "customer_sentiment": N_("Customer sentiment"),
    "customer_sentiment_start": N_("Customer at the start"),
    "customer_sentiment_end": N_("Customer at the end"),
    "agent_sentiment": N_("Agent's tone"),
    "call_sentiment": N_("Call sentiment"),
    "call_sentiment_label": N_("Sentiment"),
    "sentiment_label": N_("Sentiment"),
    "sentiment_score": N_("Sentiment score"),
    "most_negative_seconds": N_("Most negative moment (s)"),
    "most_negative_score": N_("Most negative score"),
    "agitated_turns": N_("Agitated turns"),
    "agitated": N_("Agitated"),
    "speaker_source": N_("Speakers told apart by"),
    "role_confidence": N_("Role confidence"),
    "sentiment_model": N_("Sentiment model"),
    "pitch_relative": N_("Pitch (× own level)"),
    "loudness_relative_db": N_("Loudness (dB over own level)"),
    "speaking_rate_relative": N_("Speaking rate (× own level)"),
    "negative_calls": N_("Negative calls"),
    "negative_call": N_("Negative call"),
    "negative_share": N_("Negative share"),
    "sentiment_turnaround": N_("Turnaround (end − start)"),
}


def column_label(column: str, language: str | None = None) -> str:
    """The heading people read for ``column`` (``service_level`` -> ``服务水平``); unknown columns unchanged."""
    label = COLUMN_LABELS.get(column)
    return gettext(label, language) if label else column


def labelled_columns(frame: pd.DataFrame, language: str | None = None,
                     labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with readable, translated column headings (``labels`` adds or overrides source texts)."""
    chosen = resolve(language)
    names = {}
    for column in frame.columns:
        source = (labels or {}).get(column) or COLUMN_LABELS.get(column)
        names[column] = gettext(source, chosen) if source else column
    renamed = frame.rename(columns=names)
    if len(set(renamed.columns)) < len(renamed.columns):  # two columns with one heading: keep the names apart
        renamed.columns = [f"{label} ({column})" if list(names.values()).count(label) > 1 else label
                           for column, label in names.items()]
    return renamed


YES, NO = N_("yes"), N_("no")


def _people_value(column: str, value: Any, language: str, rules: dict[str, Any]) -> Any:
    import numpy as np
    import pandas as pd

    scalar = pd.api.types.is_scalar(value)
    if scalar and pd.isna(value):  # None, NaN, NaT and pd.NA (nullable columns), whatever the column
        return ""
    special = rules["special"].get(column)
    if special is not None:
        return special(value, language)
    if not scalar or column in rules["as_is"]:
        return value
    if column in rules["dates"]:  # dates, timestamps and ISO texts alike
        return format_date(value, language)
    if isinstance(value, str):
        words = rules["words"]
        return gettext(words[value], language) if value in words else value
    if isinstance(value, (bool, np.bool_)):  # numpy's too: nullable and object columns hold them
        return gettext(YES if value else NO, language)
    if not isinstance(value, (int, float)) and not hasattr(value, "dtype") or hasattr(value, "tzinfo"):
        return value  # timestamps, decimals and other objects as they are
    if rules["percent"](column):
        return format_percent(value, 1, language)
    if column in rules["whole"]:
        return format_number(value, 0, language)
    return format_number(value, rules["decimals"].get(column, rules["default_decimals"]), language)


def people_table(
    frame: pd.DataFrame,
    language: str | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    percent: Any = (),
    whole: Any = (),
    decimals: Mapping[str, int] | None = None,
    default_decimals: int = 1,
    dates: Any = (),
    words: Mapping[str, str] | None = None,
    special: Mapping[str, Any] | None = None,
    as_is: Any = (),
) -> pd.DataFrame:
    """A copy of ``frame`` as people read it in ``language``: the one way every report and app table is shown.

    Headings readable and translated (:func:`labelled_columns` with ``labels``);
    missing values empty; ``True``/``False`` as yes/no; ``percent`` columns (a
    collection, or a function of the column name) as percentages with one
    decimal; ``whole`` columns as grouped whole numbers; other numbers with
    ``decimals[column]`` (else ``default_decimals``) places; ``dates`` columns
    as dates (ISO texts too); text values found in ``words`` (N_ texts) in
    words; ``special`` column -> ``function(value, language)`` for anything
    else (never called with a missing value); ``as_is`` columns untouched
    (yes/no and text included) but for missing values. Text, queue ids, labels
    and other data stay as they are. Does not change ``frame``.
    """
    chosen = resolve(language)
    rules = {
        "percent": percent if callable(percent) else frozenset(percent).__contains__,
        "whole": frozenset(whole), "decimals": dict(decimals or {}), "default_decimals": default_decimals,
        "dates": frozenset(dates), "words": dict(words or {}), "special": dict(special or {}),
        "as_is": frozenset(as_is),
    }
    shown = frame.copy()
    for column in shown.columns:
        shown[column] = [_people_value(column, value, chosen, rules) for value in frame[column]]
    return labelled_columns(shown, chosen, labels=labels)


# --------------------------------------------------------------------------- extraction
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "format_text": None}


def _notebook_markdown(fileobj, keywords, comment_tags, options):  # Babel extractor signature
    """Babel extractor: each markdown block of a notebook's markdown cells, and marked texts in its code cells."""
    import json

    from babel.messages.extract import extract_python

    notebook = json.load(fileobj)
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        source = "".join(cell.get("source", []))
        if cell.get("cell_type") == "markdown":
            for block in markdown_blocks(source):
                yield number, None, block, []
        elif cell.get("cell_type") == "code":
            import io

            for line, funcname, message, comments in extract_python(io.BytesIO(source.encode("utf-8")), keywords,
                                                                    comment_tags, options):
                yield number, funcname, message, comments


def source_messages() -> dict[str, list[str]]:
    """Every text marked for translation in the package and the notebooks -> where it is (``file:line``)."""
    from babel.messages.extract import extract_from_dir

    root = paths.root_dir()
    found: dict[str, list[str]] = {}
    sources = [
        (Path(__file__).resolve().parent, [("**.py", "python")]),
        (paths.notebooks_dir(), [("**.ipynb", "workbench.i18n:_notebook_markdown")]),
    ]
    for folder, method_map in sources:
        if not folder.is_dir():
            continue
        for filename, line, message, _comments, _context in extract_from_dir(
                str(folder), method_map, keywords=KEYWORDS, strip_comment_tags=True):
            messages = message if isinstance(message, tuple) else (message,)
            for text in messages:
                if text:
                    where = (folder / filename).resolve()
                    try:
                        where = where.relative_to(root)
                    except ValueError:
                        pass
                    found.setdefault(text, []).append(f"{where}:{line}")
    return found


def missing_translations(language: str = "zh") -> dict[str, list[str]]:
    """Marked texts with no translation in ``language``'s catalogue -> where they are marked."""
    table = catalogue(check_language(language))
    return {text: where for text, where in source_messages().items() if text not in table}


def obsolete_translations(language: str = "zh") -> list[str]:
    """Catalogue entries of ``language`` that no source marks any more."""
    marked = source_messages()
    return sorted(text for text in catalogue(check_language(language)) if text not in marked)


def write_template(path: str | Path | None = None) -> Path:
    """Write the catalogue template (``workbench/locale/workbench.pot``) of every marked text; return its path."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    target = Path(path) if path else LOCALE_DIR / f"{DOMAIN}.pot"
    template = Catalog(domain=DOMAIN, project="workbench", charset="utf-8")
    for text, where in sorted(source_messages().items()):
        locations = [(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])) for w in where]
        template.add(text, locations=locations)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_po(handle, template, omit_header=False, sort_output=True, width=100)
    return target
