"""The shipped corpus, its split and the metrics, on the host (no container needed)."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from sklearn.metrics import accuracy_score, f1_score

from training.corpus import MIN_TEXTS_PER_LABEL, CorpusError, Example, load_corpus, split
from training.metrics import accuracy, macro_f1
from training.pipeline import build_pipeline

DATA = Path(__file__).resolve().parents[2] / "training" / "data"


@pytest.fixture(scope="module")
def corpus() -> list[Example]:
    return load_corpus(DATA)


def test_the_corpus_covers_six_sports_with_enough_distinct_texts(corpus: list[Example]) -> None:
    counts = Counter(e.label for e in corpus)
    assert len(counts) >= 6
    assert min(counts.values()) >= MIN_TEXTS_PER_LABEL
    texts = [e.text for e in corpus]
    assert len(set(texts)) == len(texts), "a text appears twice"


def test_the_corpus_is_varied_not_templated(corpus: list[Example]) -> None:
    for label in {e.label for e in corpus}:
        texts = [e.text for e in corpus if e.label == label]
        openings = Counter(" ".join(t.split()[:2]).lower() for t in texts)
        assert openings.most_common(1)[0][1] <= len(texts) * 0.1, f"{label}: same openings"
        lengths = {len(t.split()) for t in texts}
        assert len(lengths) >= 10, f"{label}: lengths barely vary"


def test_the_split_is_stable_and_holds_out_every_sport(corpus: list[Example]) -> None:
    train, test = split(corpus)
    shuffled = corpus[:]
    random.Random(7).shuffle(shuffled)
    train2, test2 = split(shuffled)
    assert {e.text for e in test} == {e.text for e in test2}
    assert {e.text for e in train} == {e.text for e in train2}
    assert not {e.text for e in train} & {e.text for e in test}
    assert 0.12 < len(test) / len(corpus) < 0.28
    assert {e.label for e in test} == {e.label for e in corpus}


def test_metrics_agree_with_scikit_learn() -> None:
    truth = ["a", "a", "b", "c", "c", "c", "b", "a"]
    predicted = ["a", "b", "b", "c", "a", "c", "b", "a"]
    assert accuracy(truth, predicted) == pytest.approx(accuracy_score(truth, predicted))
    assert macro_f1(truth, predicted) == pytest.approx(f1_score(truth, predicted, average="macro"))
    with pytest.raises(ValueError):
        accuracy([], [])


def test_the_pipeline_learns_the_corpus(corpus: list[Example]) -> None:
    """Metrics are sane: far above chance (1/6) on held-out texts of a small, varied corpus."""
    train, test = split(corpus)
    pipeline = build_pipeline().fit([e.text for e in train], [e.label for e in train])
    predicted = list(pipeline.predict([e.text for e in test]))
    truth = [e.label for e in test]
    assert accuracy(truth, predicted) >= 0.7
    assert macro_f1(truth, predicted) >= 0.7


@pytest.mark.bad_input
def test_a_bad_corpus_is_refused_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no corpus folder"):
        load_corpus(tmp_path / "missing")
    (tmp_path / "golf.txt").write_text("one line\n")
    with pytest.raises(CorpusError, match="at least 2"):
        load_corpus(tmp_path)
    (tmp_path / "chess.txt").write_text("a\n" * 3)
    with pytest.raises(CorpusError, match="at least"):
        load_corpus(tmp_path)
    (tmp_path / "chess.txt").write_bytes(b"\xff\xfe bad\n")
    with pytest.raises(CorpusError, match="not UTF-8"):
        load_corpus(tmp_path, min_per_label=1)
