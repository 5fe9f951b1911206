"""Showing data values in reports without letting them turn into markup.

Report values come from loaded exports, transcripts and topic models (queue
ids, languages, agent ids, topic labels, rejected cells), so any of them may
hold HTML such as ``<script>`` or ``<img onerror=...>``. pandas ``Styler`` and
IPython's ``Markdown`` pass such text through as markup. Notebooks therefore
build their tables with :func:`table` and their sentences with :func:`markdown`,
which escape every value; on top of that the runner sanitises every
``report.html`` and checks it with :func:`executable_markup` (see
:func:`workbench.reports.runner.render_html`).

>>> markdown_text("Queue {queue} in {store}", queue="<b>x</b>", store=code("data/a.duckdb"))
'Queue &lt;b&gt;x&lt;/b&gt; in `data/a.duckdb`'
>>> executable_markup('<p onclick="go()">x</p><a href=" javascript:go()">y</a>')
['onclick attribute on <p>', 'javascript: URL in href of <a>']
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from html import escape
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from IPython.display import Markdown
    from pandas.io.formats.style import Styler


class MarkdownText(str):
    """Markdown that is already safe to show: made by :func:`code`, :func:`markdown_text` or :func:`lines`.

    Values of this type are inserted as they are; every other value is escaped.
    """


# Characters with an inline meaning in (GitHub-flavoured) Markdown or to MathJax;
# "<", ">" and "&" become entities instead, so no raw HTML can form.
_INLINE_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_[]$|~"})
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")
_BLOCK_START = re.compile(r"^(\s*)([#+\-=>]|\d+[.)])")  # would start a heading, list, quote or rule


def escape_markdown(value: Any) -> str:
    """``str(value)`` as literal Markdown text: no markup, links, code, math or raw HTML survive.

    Line breaks become spaces, so a value never starts a block of its own.

    >>> escape_markdown("<img src=x onerror=alert(1)> *bold* [a](javascript:x) $x$")
    '&lt;img src=x onerror=alert(1)&gt; \\\\*bold\\\\* \\\\[a\\\\](javascript:x) \\\\$x\\\\$'
    """
    text = _LINE_BREAKS.sub(" ", str(value)).translate(_INLINE_SPECIALS)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BLOCK_START.sub(lambda m: f"{m.group(1)}{m.group(2)[:-1]}\\{m.group(2)[-1]}", text, count=1)


def code(value: Any) -> MarkdownText:
    """``value`` as an inline code span (e.g. a path or an id); its text is shown verbatim, never as markup.

    >>> code("a`b")
    '``a`b``'
    """
    text = _LINE_BREAKS.sub(" ", str(value))
    if not text:
        return MarkdownText("")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return MarkdownText(f"{fence}{pad}{text}{pad}{fence}")


class _EscapingFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        formatted = format(value, format_spec)
        return formatted if isinstance(value, MarkdownText) and not format_spec else escape_markdown(formatted)


def markdown_text(template: str, /, *args: Any, **values: Any) -> MarkdownText:
    """``template.format(...)`` with every value escaped (:func:`escape_markdown`) unless it is a :class:`MarkdownText`.

    ``template`` is Markdown written in code; format specs work as usual
    (``{share:.0%}``), and so does attribute access (``{params.title}``).
    """
    return MarkdownText(_EscapingFormatter().vformat(template, args, values))


def lines(items: Iterable[Any], separator: str = "\n") -> MarkdownText:
    """Items joined by ``separator`` (a Markdown list when each starts with ``- ``); plain values are escaped."""
    return MarkdownText(separator.join(i if isinstance(i, MarkdownText) else escape_markdown(i) for i in items))


def markdown(template: str, /, *args: Any, **values: Any) -> Markdown:
    """An IPython ``Markdown`` display of :func:`markdown_text`: the safe replacement for ``Markdown(f"...")``."""
    from IPython.display import Markdown

    return Markdown(markdown_text(template, *args, **values))


def table(
    frame: pd.DataFrame,
    formatter: Any = None,
    *,
    index: bool = False,
    precision: int | None = None,
    na_rep: str | None = None,
    thousands: str | None = None,
) -> Styler:
    """A pandas ``Styler`` of ``frame`` whose cells, column labels and index labels are HTML-escaped.

    Formatting goes through the arguments (``formatter`` as in ``Styler.format``:
    a format string, a callable or a dict by column), not through a later
    ``.format()`` call, which would replace the escaping formatter. The index is
    hidden unless ``index=True``. Cells holding lists or other objects are
    shown as their ``str()``, escaped too. Does not change ``frame``.
    """
    # Styler escapes only str cells; a list or other object would reach the page through str() unescaped.
    shown = frame.copy()
    for column in range(shown.shape[1]):
        values = shown.iloc[:, column]
        if values.dtype == object and not values.map(_is_text_or_missing).all():
            shown.isetitem(column, values.map(lambda v: v if _is_text_or_missing(v) else str(v)))
    for axis in ("index", "columns"):  # axis names are shown as they are, with no formatter of their own
        labels = getattr(shown, axis)
        setattr(shown, axis, labels.set_names([escape(n) if isinstance(n, str) else n for n in labels.names]))
    styler = shown.style.format(formatter, precision=precision, na_rep=na_rep, thousands=thousands, escape="html")
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    return styler if index else styler.hide(axis="index")


def _is_text_or_missing(value: Any) -> bool:
    import pandas as pd

    return isinstance(value, str) or value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


# --------------------------------------------------------------------------- checking rendered HTML

# Elements that run code or load another document, whatever their attributes.
ACTIVE_ELEMENTS = frozenset({"script", "iframe", "frame", "frameset", "object", "embed", "applet", "portal", "base"})
_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "livescript:")
_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "background", "poster",
                             "srcset", "lowsrc", "dynsrc", "codebase", "cite", "longdesc", "ping"})
_CSS_HAZARDS = ("expression(", "javascript:", "vbscript:", "-moz-binding", "behavior:")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")  # browsers ignore these inside a URL scheme ("java\tscript:")


def _normalised(value: str) -> str:
    return _INVISIBLE.sub("", value).lower()


class _MarkupScanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # attribute values arrive with entities decoded, as a browser sees them
        self.findings: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE_ELEMENTS:
            self.findings.append(f"<{tag}> element")
        if tag == "meta" and any(n == "http-equiv" and (v or "").strip().lower() == "refresh" for n, v in attrs):
            self.findings.append("<meta http-equiv=refresh>")
        for name, value in attrs:
            plain = _normalised(value or "")
            if name.startswith("on"):
                self.findings.append(f"{name} attribute on <{tag}>")
            elif name == "srcdoc":
                self.findings.append(f"srcdoc attribute on <{tag}>")
            elif plain.startswith(_SCRIPT_SCHEMES):
                self.findings.append(f"{plain.split(':', 1)[0]}: URL in {name} of <{tag}>")
            elif plain.startswith("data:") and name in _URL_ATTRIBUTES and not (
                tag == "img" and name == "src" and plain.startswith("data:image/")
            ):
                self.findings.append(f"data: URL in {name} of <{tag}>")
            elif name == "style" and any(h in plain for h in _CSS_HAZARDS):
                self.findings.append(f"scripted CSS in the style of <{tag}>")
        self._in_style = tag == "style"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style and any(h in _normalised(data) for h in _CSS_HAZARDS):
            self.findings.append("scripted CSS in a <style> element")

    def handle_comment(self, data: str) -> None:
        # A browser closes a comment sooner than this parser does: right after "<!-->" or "<!--->", and at
        # "--!>". What follows is live markup there, though it reads as comment here.
        live = data[1:] if data.startswith(">") else data[2:] if data.startswith("->") else data.partition("--!>")[2]
        self.findings += [f"{finding} after a comment a browser has closed" for finding in executable_markup(live)]

    def unknown_decl(self, data: str) -> None:
        # Outside SVG and MathML a browser ends "<![CDATA[" at the first ">"; this parser waits for "]]>".
        live = data.partition(">")[2]
        self.findings += [f"{finding} after a CDATA section a browser has closed"
                          for finding in executable_markup(live)]


def executable_markup(html: str) -> list[str]:
    """What in ``html`` could run code in a browser: one line per finding, empty when none.

    Looks for ``<script>``, ``<iframe>``, ``<object>``, ``<embed>`` (and the
    like), ``on*`` event attributes, ``javascript:`` URLs in any attribute,
    ``data:`` URLs other than images in ``<img src>``, ``srcdoc``, meta refresh
    and scripted CSS. Parsed as markup, so escaped text (``&lt;script&gt;``)
    is not a finding.
    """
    scanner = _MarkupScanner()
    scanner.feed(html)
    scanner.close()
    return scanner.findings

