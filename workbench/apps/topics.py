"""Contact drivers and topics: shares and trends, emerging topics, the pain table, redacted examples.

Why customers call: each topic's share and its trend per day or week, topics
growing beyond chance (one-sided two-proportion z-test), the pain table
(volume x harm: CSAT, handle time, callers who called again) and redacted
example utterances per topic, and each topic's share of negative calls when
the store holds call sentiment. Served as ``notebooks/apps/topics.ipynb``.

Reads a finished topic run from the store's ``topics`` and ``topic_assignments``
tables (the latest run of ``workbench topics fit store`` or
``notebooks/topic_overview.ipynb`` by default) and joins it to ``calls`` and
``surveys``; shares, emerging topics and pain are the cheap analyses of
:mod:`workbench.topics.analysis`. No model is fitted here; nothing is written.
Examples are redacted text only: the store's redacted ``transcript_segments``
(else the run folder's ``outputs/topics/<run id>/topics.csv`` examples, redacted
when fitted), passed through :func:`workbench.topics.text.redact` once more
before they are shown. How the run found its topics (``run.json``: texts,
language, embedding, topic count) is shown folded away under the run line.

Every text on the page is in the reader's language (``interface_language``);
topic labels, topic words and example texts are data, shown as stored.
"""

from __future__ import annotations

from html import escape

import ipywidgets as widgets
import pandas as pd

from workbench import charts, glossary, i18n, paths
from workbench.apps.base import CONTROL_LAYOUT, App, chart_svg, table_html
from workbench.csvfiles import read_csv
from workbench.i18n import N_, _
from workbench.params import TopicsAppParameters
from workbench.store import readers
from workbench.topics import analysis
from workbench.topics.text import redact

MISSING_HOW = N_("Topics are found from call transcripts by an analysis run: ask your analyst to run "
                 "`workbench topics fit store` (needs transcripts in the store) or the topic notebook "
                 "(`workbench run topic_overview --params demo`).")
EMERGING_COLUMNS = ["label", "previous_documents", "documents", "previous_share", "share", "share_change", "p_value",
                    "emerging"]
PAIN_COLUMNS = ["rank", "label", "documents", "share", "csat_mean", "handle_seconds_mean", "called_again_rate",
                "harm", "pain"]
#: Headings of the emerging-topic and pain tables (column -> N_ text; the rest: i18n.COLUMN_LABELS).
TABLE_LABELS: dict[str, str] = {
    "previous_documents": N_("Calls, period before"), "documents": N_("Calls"),
    "previous_share": N_("Share, period before"), "share": N_("Share"), "share_change": N_("Change in share"),
    "p_value": N_("p-value"), "emerging": N_("Emerging"), "rank": N_("Rank"), "csat_mean": N_("Mean CSAT"),
    "handle_seconds_mean": N_("Mean handle time"), "called_again_rate": N_("Called again"),
    "harm": N_("Harm (1 = average)"), "pain": N_("Pain"), "calls": N_("Calls with a sentiment"),
}
#: Columns of the negative-calls-by-topic table.
NEGATIVE_COLUMNS = ["label", "calls", "negative_calls", "negative_share"]
#: Columns holding a share 0..1 (written as percentages), and those holding seconds (written as durations).
SHARE_COLUMNS = ("previous_share", "share", "share_change", "called_again_rate", "negative_share")
SECONDS_COLUMNS = ("handle_seconds_mean",)


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of an emerging-topic or pain table with shares as percentages and seconds as durations,
    for the reader's language (other columns unchanged)."""
    shown = frame.copy()
    for column in shown.columns:
        if column in SHARE_COLUMNS:
            shown[column] = [i18n.format_percent(v, 1) for v in shown[column]]
        elif column in SECONDS_COLUMNS:
            shown[column] = [i18n.format_duration(v) for v in shown[column]]
        elif column == "p_value":
            shown[column] = [i18n.format_number(v, 3) for v in shown[column]]
    return shown


class TopicsApp(App):
    """Why customers call: topic shares over time, emerging topics, pain and redacted examples.

    Args:
        params: validated parameters (model run, queues, time grain, test level).
        notices: messages shown from the start.
    """

    title = N_("Contact drivers and topics")
    summary = N_("Why customers call, grouped into topics found in what callers said. The bars show how many "
                 "calls each topic has and how its share moves from day to day; an emerging topic is growing "
                 "faster than chance explains, so check it first. The pain table ranks topics by volume times "
                 "harm (low satisfaction, long calls, callers who call again): fixing the top rows helps most. "
                 "The examples are real caller sentences with personal details removed.")
    parameters_model = TopicsAppParameters
    params: TopicsAppParameters

    # -- loading --------------------------------------------------------------
    def _load(self) -> None:
        self.model_id = None
        self.topics = None
        self.documents = None
        self.sentiment = None
        self._missing = self.missing_tables("topics", "topic_assignments")
        if self._missing:
            return
        latest = readers.latest_run_id(self.store, "topics")
        model_id = self.params.model_id or latest
        known = readers.run_ids(self.store, "topics")
        if model_id not in known:
            self._fixed_notices.append(_("Topic run '{run}' is not in the store; showing the latest "
                                         "(known runs: {known}).").format(run=model_id, known=_(", ").join(known)))
            model_id = latest
        self.model_id = model_id
        self.topics, assignments = readers.topic_run(self.store, model_id)
        # The run's calls only; whether a caller called again is looked up against every stored call.
        calls = readers.calls_with_context(self.store, topic_model_id=model_id,
                                           repeat_window_days=glossary.DEFAULT_REPEAT_WINDOW_DAYS)
        surveys = readers.surveys_of_calls(self.store, topic_model_id=model_id)
        documents = analysis.with_call_context(assignments, calls, surveys)
        self.documents = documents.merge(self.topics[["topic", "label"]], on="topic", how="left")
        if self.documents["arrived_at"].isna().all():
            self._fixed_notices.append(_(
                "None of the topic run's texts matches a call in the store: shares over time, emerging topics "
                "and pain need the calls (load the call records the transcripts belong to)."))
        self.run_examples = self._run_folder_examples(model_id)
        self.run_method = self._run_folder_method(model_id)
        self.sentiment = self._call_sentiment()

    def _call_sentiment(self) -> pd.DataFrame | None:
        """``call_id, call_sentiment_label`` of the calls with a stored sentiment; None when the store holds none."""
        if not readers.sentiment_call_count(self.store):
            return None
        return readers.call_sentiment(self.store)[["call_id", "call_sentiment_label"]]

    def _run_folder_method(self, model_id: str) -> str:
        """How the run found its topics, from ``outputs/topics/<model_id>/run.json`` (empty when absent).

        In the reader's language, except the run's own words (its language, embedding and topic-count reason).
        """
        import json

        path = paths.outputs_dir() / "topics" / model_id / "run.json"
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return ""
        count = info.get("topic_count") or {}
        documents = info.get("documents")
        parts = [_("{texts} texts, language {language}, embedding {embedding}").format(
            texts=i18n.format_number(documents) if isinstance(documents, (int, float)) else "?",
            language=info.get("language", "?"), embedding=info.get("embedding", "?"))]
        if info.get("centred_languages") and len(info["centred_languages"]) > 1:
            parts.append(_("each language's mean removed, so a reason in both languages is one topic"))
        if count.get("reason"):
            parts.append(str(count["reason"]))
        return _("; ").join(parts) + _(".")

    def _run_folder_examples(self, model_id: str) -> dict[int, list[str]]:
        """Redacted examples saved with the run (``outputs/topics/<model_id>/topics.csv``), when present."""
        path = paths.outputs_dir() / "topics" / model_id / "topics.csv"
        if not path.is_file():
            return {}
        try:
            saved = read_csv(path, usecols=["topic", "examples"])
        except (ValueError, OSError):
            return {}
        return {int(t): [e.strip() for e in str(x).split(" | ") if e.strip()]
                for t, x in zip(saved["topic"], saved["examples"]) if pd.notna(x)}

    # -- building -------------------------------------------------------------
    def _build(self) -> widgets.Widget:
        p = self.params
        self._load()
        documents = self.documents if self.documents is not None else pd.DataFrame(columns=["queue_id"])
        self.queue = self._queue_picker(documents["queue_id"].dropna().unique(), _("no topic texts"))
        topics = self.topics if self.topics is not None else pd.DataFrame(columns=["topic", "label"])
        topic_options = [(f"{t} {label}", int(t)) for t, label in zip(topics["topic"], topics["label"])]
        self.time_grain = widgets.Dropdown(options=[(_("Days"), "D"), (_("Weeks"), "W-MON")], value=p.time_grain,
                                           description=_("Time grain"), layout=CONTROL_LAYOUT,
                                           style={"description_width": "initial"})
        self.topic = widgets.Dropdown(options=topic_options, value=topic_options[0][1] if topic_options else None,
                                      description=_("Examples of"), layout={"width": "420px", "max_width": "100%"},
                                      style={"description_width": "initial"})
        for control, name in ((self.time_grain, "time-grain"), (self.topic, "topic")):
            control.add_class(f"wb-{name}")
        self.sizes_chart = widgets.HTML()
        self.share_chart = widgets.HTML()
        self.emerging = widgets.HTML()
        self.pain_chart = widgets.HTML()
        self.pain = widgets.HTML()
        self.negative = widgets.HTML()
        self.examples = widgets.HTML()
        for view, name in ((self.sizes_chart, "sizes-chart"), (self.share_chart, "share-chart"),
                           (self.emerging, "emerging"), (self.pain_chart, "pain-chart"), (self.pain, "pain"),
                           (self.negative, "negative-share"), (self.examples, "examples")):
            view.add_class(f"wb-{name}")
        self._watch(self.queue, self.time_grain, self.topic)
        method = getattr(self, "run_method", "")
        how_title = _("How the topics were found")
        how = (f"<details style='display:inline'><summary style='cursor:pointer'>{escape(how_title)}"
               f"</summary>{escape(method)}</details>") if method else ""
        source = widgets.HTML(
            f"<div style='color:#555;margin:2px 0'>"
            + escape(_("Topics of the analysis run {run}.").format(run=self.model_id)) + f" {how}</div>"
            if self.model_id else "")
        source.add_class("wb-source")
        return widgets.VBox([source, widgets.HBox([self.queue, self.time_grain]), self.sizes_chart, self.share_chart,
                             self.emerging, self.pain_chart, self.pain, self.negative, self.topic, self.examples])

    # -- computing ------------------------------------------------------------
    def selected(self) -> pd.DataFrame:
        """The documents of the chosen queue (every document for 'all', also those without a call)."""
        docs = self.documents
        if glossary.is_all_queues(self.queues):
            return docs
        return docs[docs["queue_id"].isin(glossary.select_queues(docs["queue_id"].dropna().unique(), self.queues))]

    def example_texts(self, topic: int, documents: pd.DataFrame | None = None) -> list[str]:
        """Up to ``examples_per_topic`` redacted texts of ``topic``: the chosen queue's most typical calls, else the run's."""
        n = self.params.examples_per_topic
        docs = self.selected() if documents is None else documents
        members = docs[docs["topic"] == topic].sort_values("probability", ascending=False, kind="stable")
        texts: list[str] = []
        ids = [str(c) for c in members["call_id"].dropna().head(n * 3)]
        if ids:
            found = readers.call_texts(self.store, ids, speaker_role="customer")
            by_call = dict(zip(found["call_id"], found["text"]))
            texts = [by_call[c] for c in ids if c in by_call]
        if not texts:
            texts = self.run_examples.get(int(topic), [])
        unique = list(dict.fromkeys(redact(t)[:300] for t in texts))
        return unique[:n]

    # -- rendering --------------------------------------------------------------
    def _render(self) -> None:
        self.tables.clear()
        views = (self.sizes_chart, self.share_chart, self.emerging, self.pain_chart, self.pain, self.examples,
                 self.negative)
        if self.documents is None:
            self.add_notice(_("No topic results in the store yet. {how}").format(how=_(MISSING_HOW)))
            for view in views:
                view.value = ""
            return
        docs = self.selected()
        sizes = docs.groupby("topic").size().rename("size").reset_index()
        sizes = sizes.merge(self.topics[["topic", "label", "is_new"]], on="topic", how="left")
        self.tables["sizes"] = sizes
        self.sizes_chart.value = chart_svg(charts.topic_sizes(sizes, width=520)) if len(sizes) else ""
        dated = docs[docs["arrived_at"].notna()]
        labels = self.topics[["topic", "label"]]
        if dated.empty:
            self.add_notice(_("No dated calls for this selection: shares over time, emerging topics and pain "
                              "need the texts' calls in the store."))
            for view in views[1:5]:
                view.value = ""
        else:
            shares = analysis.topic_share_over_time(dated, freq=self.time_grain.value).merge(labels, on="topic", how="left")
            self.tables["shares"] = shares
            self.share_chart.value = chart_svg(charts.topic_share_over_time(shares, width=640))
            self._render_emerging(dated, labels)
            self._render_pain(dated, labels)
        self._render_negative(docs)
        self._render_examples(docs)

    def _render_emerging(self, dated: pd.DataFrame, labels: pd.DataFrame) -> None:
        emerging = analysis.emerging_topics(dated, freq=self.time_grain.value, alpha=self.params.alpha)
        if emerging.empty:
            self.tables["emerging"] = emerging
            message = (_("Fewer than two days of dated calls: nothing to compare yet.") if self.time_grain.value == "D"
                       else _("Fewer than two weeks of dated calls: nothing to compare yet."))
            heading = _("Emerging topics")
            self.emerging.value = f"<p><strong>{escape(heading)}</strong></p><p>{escape(message)}</p>"
            return
        latest = emerging[emerging["period"] == emerging["period"].max()].merge(labels, on="topic", how="left")
        self.tables["emerging"] = latest
        flagged = int(latest["emerging"].sum())
        caption = _("Emerging topics: {period} against {previous}, {count} growing faster than chance explains "
                    "(test level {alpha})").format(
            period=i18n.format_date(pd.Timestamp(latest["period"].iloc[0])),
            previous=i18n.format_date(pd.Timestamp(latest["previous_period"].iloc[0])),
            count=i18n.format_number(flagged), alpha=i18n.format_number(self.params.alpha, 2))
        self.emerging.value = table_html(readable(latest[EMERGING_COLUMNS].head(10)), caption=caption,
                                         labels=TABLE_LABELS)

    def _render_pain(self, dated: pd.DataFrame, labels: pd.DataFrame) -> None:
        pain = analysis.pain_table(dated)
        pain = pain.merge(labels, on="topic", how="left")
        self.tables["pain"] = pain
        if pain.empty:
            self.pain_chart.value = ""
            self.pain.value = "<p>" + escape(_("No pain table: no calls with measures behind these topics.")) + "</p>"
            return
        self.pain_chart.value = chart_svg(charts.topic_pain(pain, width=520, height=260))
        self.pain.value = table_html(readable(pain[PAIN_COLUMNS].head(15)), labels=TABLE_LABELS,
                                     caption=_("Pain: share x harm (harm 1.0 = average), most painful first"))

    def negative_by_topic(self, documents: pd.DataFrame | None = None) -> pd.DataFrame:
        """Each topic's calls with a stored sentiment and the share of them labelled negative (chosen queue).

        A call counts once per topic even when several of its turns were assigned to it; the outlier topic
        (-1) is left out. Columns ``topic, label, calls, negative_calls, negative_share``, most negative first;
        empty when the store holds no call sentiment.
        """
        from workbench.sentiment import negative_share

        columns = ["topic", "label", "calls", "negative_calls", "negative_share"]
        docs = self.selected() if documents is None else documents
        if self.sentiment is None or docs.empty:
            return pd.DataFrame(columns=columns)
        calls = docs.loc[docs["topic"] != -1, ["call_id", "topic"]].dropna().drop_duplicates()
        scored = calls.merge(self.sentiment, on="call_id", how="inner")
        if scored.empty:
            return pd.DataFrame(columns=columns)
        shares = negative_share(scored, ["topic"]).merge(self.topics[["topic", "label"]], on="topic", how="left")
        shares["label"] = shares["label"].fillna(shares["topic"].astype(str))
        return shares[columns].sort_values(["negative_share", "calls"], ascending=False, ignore_index=True)

    def _render_negative(self, docs: pd.DataFrame) -> None:
        heading = _("Negative calls by topic")
        if self.sentiment is None:
            self.tables.pop("negative", None)
            note = _("No call sentiment in the store yet: when the calls' transcripts are scored for sentiment, "
                     "each topic's share of negative calls is shown here.")
            self.negative.value = (f"<p><strong>{escape(heading)}</strong></p>"
                                   f"<p style='color:#555'>{escape(note)}</p>")
            return
        shares = self.negative_by_topic(docs)
        self.tables["negative"] = shares
        if shares.empty:
            note = _("None of these topics' calls has a stored sentiment.")
            self.negative.value = (f"<p><strong>{escape(heading)}</strong></p>"
                                   f"<p style='color:#555'>{escape(note)}</p>")
            return
        caption = _("Negative calls by topic: of each topic's calls with a stored sentiment, the share labelled "
                    "negative, most negative first")
        self.negative.value = table_html(readable(shares[NEGATIVE_COLUMNS]), caption=caption, labels=TABLE_LABELS)

    def _render_examples(self, docs: pd.DataFrame) -> None:
        topic = self.topic.value
        if topic is None:
            self.examples.value = ""
            return
        texts = self.example_texts(int(topic), docs)
        self.tables["examples"] = pd.DataFrame({"topic": int(topic), "text": texts})
        label = dict(zip(self.topics["topic"], self.topics["label"])).get(topic, str(topic))
        items = "".join(f"<li class='wb-example'>{escape(t)}</li>" for t in texts) or \
            "<li><em>" + escape(_("No example texts for this topic in this selection.")) + "</em></li>"
        heading = _("What callers said (personal details removed): {topic}").format(topic=label)
        self.examples.value = (f"<p><strong>{escape(heading)}</strong></p>"
                               f"<ul style='max-width:900px;padding-left:1.2em;overflow-wrap:anywhere'>{items}</ul>")
