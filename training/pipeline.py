"""The classifier's scikit-learn pipeline (importable without special_k or GnuPG)."""

from __future__ import annotations

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline


def build_pipeline() -> Pipeline:
    """TF-IDF over word unigrams and bigrams, then a multinomial logistic regression."""
    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
            ("classifier", LogisticRegression(C=20.0, max_iter=2000)),
        ]
    )
