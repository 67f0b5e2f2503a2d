"""Held-out evaluation: accuracy and macro-F1, computed from labels alone."""

from __future__ import annotations

from collections.abc import Sequence


def accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """The share of predictions equal to the truth."""
    if len(truth) != len(predicted) or not truth:
        raise ValueError("accuracy needs two equally long, non-empty label sequences")
    return sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """The unweighted mean of each label's F1 over the labels in the truth."""
    if len(truth) != len(predicted) or not truth:
        raise ValueError("macro-F1 needs two equally long, non-empty label sequences")
    scores = []
    for label in sorted(set(truth)):
        tp = sum(t == label and p == label for t, p in zip(truth, predicted, strict=True))
        fp = sum(t != label and p == label for t, p in zip(truth, predicted, strict=True))
        fn = sum(t == label and p != label for t, p in zip(truth, predicted, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)
