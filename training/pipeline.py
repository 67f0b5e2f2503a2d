"""The classifier's scikit-learn pipeline (importable without special_k or GnuPG)."""

from __future__ import annotations

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

SEED = 0  # lbfgs draws nothing at random; the seed is fixed all the same, and recorded


def build_pipeline() -> Pipeline:
    """TF-IDF over word 1-2-grams and character 2-5-grams, then a logistic regression.

    Character n-grams carry the sport's vocabulary through inflections and compounds
    ("wicketkeeper", "face-offs"), which words alone miss on a corpus this small.
    """
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        ]
    )
    classifier = LogisticRegression(C=30.0, max_iter=3000, random_state=SEED)
    return Pipeline([("features", features), ("classifier", classifier)])
