"""The sports classifier: a scikit-learn pipeline wrapped as a special_k SerializableModel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sklearn.pipeline import Pipeline
from special_k import SerializableModel
from special_k.exceptions import ModelValidationError

from training.payload import PAYLOAD_FILE, PAYLOAD_SERIALIZER, register_serializer

MODEL_NAME = "sports-classifier"
register_serializer()  # before any model is built or loaded: special_k checks its registry


class SportsClassifier(SerializableModel):
    """Says which sport a text is about; validates itself against its training-time predictions."""

    def __init__(
        self,
        pipeline: Pipeline,
        validation_texts: Sequence[str],
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Wrap a fitted pipeline and remember what it predicted for `validation_texts` now."""
        self.pipeline = pipeline
        self.validation_texts = list(validation_texts)
        self.validation_predictions = [str(p) for p in pipeline.predict(self.validation_texts)]
        super().__init__()
        self.metadata = metadata or {}

    @property
    def _name(self) -> str:
        return MODEL_NAME

    @property
    def custom_serialization(self) -> dict[str, tuple[str, str]]:
        """The pipeline apart, as the payload member (training.payload): the model digest.

        (special_k's joblib serializer is not usable with current joblib, which writes
        memoryviews where special_k's HMAC stream accepts only bytes.) Models made before the
        payload had the pipeline pickled inside THEMODEL.pickle; they still load.
        """
        return {"pipeline": (PAYLOAD_SERIALIZER, PAYLOAD_FILE)}

    def predict(self, X: Sequence[str]) -> list[str]:
        """The sport of each text."""
        return [str(label) for label in self.pipeline.predict(list(X))]

    def validate_model(self) -> None:
        """Raise ModelValidationError unless the model predicts what it did at training time."""
        if not self.validation_texts:
            raise ModelValidationError("the model carries no validation texts")
        try:
            now = self.predict(self.validation_texts)
        except Exception as exc:  # an unfitted or broken pipeline
            raise ModelValidationError(f"the model cannot predict: {exc}") from exc
        changed = sum(a != b for a, b in zip(now, self.validation_predictions, strict=True))
        if len(now) != len(self.validation_predictions) or changed:
            raise ModelValidationError(
                f"{changed} of {len(now)} validation predictions differ from training time"
            )
