"""Topic mining on real short utterances: Chinese, English and a mixed corpus of shared contact reasons.

Real labelled sets from ``../shared/datasets`` (skipped cleanly when absent; see
``tests/topic_corpora.py``), in small stratified subsets so the module stays
around a minute and a half on 2 cores:

* Chinese: SMP2017 assistant queries, 12 labels x 25 (the catch-all ``chat``
  label left out: it is chit-chat, not a contact reason).
* English: CLINC150 test queries, 20 intents x 20.
* Mixed: English and Chinese queries of 8 shared reasons, 20 per language each.

What a good pipeline must reach, whatever its internals:

* Without being told the number of topics, it separates contact reasons better
  (NMI) than KMeans *given* the true number on character TF-IDF and on MiniLM,
  both computed here on the same texts. On other real sets (an English intent
  set of 77 labels, a Chinese FAQ set) MiniLM + UMAP + KMeans scored 0.83-0.84
  against 0.79 for MiniLM + KMeans, and multilingual e5 + UMAP + KMeans 0.62
  against 0.48-0.50 for character TF-IDF + KMeans, with a count chosen in the
  UMAP space costing nothing measurable in English: a pipeline that loses
  here has weak embeddings or a bad count.
* The chosen count is within 0.5x..2x of the true one: outside that, a reader
  sees either merged reasons or a list of micro-topics.
* On the mixed corpus topics follow the reason, not the language: NMI against
  the reason >= 0.6 and at most a third of topics single-language (> 90 % one
  language). NMI alone cannot see a split by language: 16 pure clusters, each
  one reason in one language, still score NMI 0.86 against the 8 reasons; the
  language bound fails them (every topic single-language).
* Two fits of the same texts give the same assignments (ids stable).
"""

from __future__ import annotations

import pandas as pd
import pytest

import topic_corpora as corpora

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not corpora.shared_available(), reason=f"real corpora not present under {corpora.DATASETS}"),
]

SEED = 0
#: Bounds of the automatic topic count relative to the true number of labels.
COUNT_FACTOR_LOW, COUNT_FACTOR_HIGH = 0.5, 2.0
MIXED_NMI_GOAL = 0.6
#: Largest share (0..1) of topics of the mixed corpus allowed to be > 90 % one language.
MIXED_SINGLE_LANGUAGE_SHARE = 1 / 3
MIXED_REASONS = ["calc", "cookbook", "flight", "map", "music", "telephone", "translation", "weather"]


def _fit(frame: pd.DataFrame, **options):
    from workbench.topics.model import fit_topics, prepare_documents

    run = fit_topics(prepare_documents(frame, "text", "id"), **options)
    merged = frame.merge(run.assignments, on="id", validate="one_to_one")
    return run, merged


def _found_topics(merged: pd.DataFrame) -> int:
    return int(merged.loc[merged["topic"] != -1, "topic"].nunique())


@pytest.fixture(scope="module")
def chinese() -> pd.DataFrame:
    full = corpora.smp2017()
    labels = corpora.spread_labels(full, 12, SEED, min_rows=25, exclude=("chat",))
    return corpora.smp2017(per_label=25, labels=labels, seed=SEED)


@pytest.fixture(scope="module")
def english() -> pd.DataFrame:
    labels = corpora.spread_labels(corpora.clinc150(), 20, SEED)
    return corpora.clinc150(per_label=20, labels=labels, seed=SEED)


@pytest.fixture(scope="module")
def mixed() -> pd.DataFrame:
    return corpora.mixed_reasons(20, MIXED_REASONS, seed=SEED)


@pytest.fixture(scope="module")
def chinese_fit(chinese):
    return _fit(chinese)


@pytest.fixture(scope="module")
def english_fit(english):
    return _fit(english)


@pytest.fixture(scope="module")
def mixed_fit(mixed):
    return _fit(mixed)


@pytest.mark.parametrize("subset", ["chinese", "english"])
def test_default_beats_baselines_given_the_true_count(subset, request):
    frame = request.getfixturevalue(subset)
    _, merged = request.getfixturevalue(f"{subset}_fit")
    k = int(frame["label"].nunique())
    texts = frame["text"].tolist()
    default = corpora.scores(merged["label"], merged["topic"])["nmi"]
    baselines = {
        "char_tfidf_kmeans": corpora.scores(frame["label"], corpora.char_tfidf_kmeans(texts, k, SEED))["nmi"],
        "minilm_kmeans": corpora.scores(frame["label"], corpora.minilm_kmeans(texts, k, SEED))["nmi"],
    }
    for name, nmi in baselines.items():
        assert default > nmi, f"{subset}: default NMI {default} (no count) <= {name} {nmi} (true k={k})"


@pytest.mark.parametrize("subset", ["chinese", "english", "mixed"])
def test_automatic_count_is_near_the_true_count(subset, request):
    frame = request.getfixturevalue(subset)
    run, merged = request.getfixturevalue(f"{subset}_fit")
    truth, found = int(frame["label"].nunique()), _found_topics(merged)
    assert COUNT_FACTOR_LOW * truth <= found <= COUNT_FACTOR_HIGH * truth, (
        f"{subset}: {found} topics for {truth} true labels (info topic_count: {run.info.get('topic_count')})"
    )


def test_mixed_corpus_topics_follow_the_reason_not_the_language(mixed_fit):
    _, merged = mixed_fit
    nmi = corpora.scores(merged["label"], merged["topic"])["nmi"]
    single_language = corpora.language_purity(merged["topic"], merged["language"])
    assert nmi >= MIXED_NMI_GOAL, f"mixed corpus: NMI against the reason {nmi} < {MIXED_NMI_GOAL}"
    assert single_language <= MIXED_SINGLE_LANGUAGE_SHARE, (
        f"mixed corpus: {single_language:.0%} of {_found_topics(merged)} topics are > 90 % one language"
    )


def test_refit_gives_identical_assignments(chinese, chinese_fit):
    first = chinese_fit[1].set_index("id")["topic"]
    _, again = _fit(chinese)
    second = again.set_index("id")["topic"].reindex(first.index)
    changed = int((first != second).sum())
    assert changed == 0, f"{changed} of {len(first)} texts changed topic on a refit of the same texts"
