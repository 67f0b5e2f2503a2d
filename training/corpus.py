"""The labelled corpus: one file per sport in data/, one text per line; a stable split."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

MIN_TEXTS_PER_LABEL = 150
TEST_BUCKETS = 5  # one bucket in five is held out: 20 %


class CorpusError(Exception):
    """The corpus is missing or malformed; the message says which file and what to do."""


@dataclass(frozen=True)
class Example:
    """One labelled text."""

    text: str
    label: str


def load_corpus(data_dir: Path, min_per_label: int = MIN_TEXTS_PER_LABEL) -> list[Example]:
    """Read every `<label>.txt` in `data_dir`; refuse a corpus too small to learn from."""
    if not data_dir.is_dir():
        raise CorpusError(f"no corpus folder at {data_dir}: mount training/data there")
    files = sorted(data_dir.glob("*.txt"))
    if len(files) < 2:
        raise CorpusError(f"{data_dir} holds {len(files)} <sport>.txt files; at least 2 are needed")
    examples: list[Example] = []
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{path.name} is not UTF-8 text (byte {exc.start})") from exc
        texts = [line.strip() for line in lines if line.strip()]
        if len(texts) < min_per_label:
            raise CorpusError(
                f"{path.name} holds {len(texts)} texts; at least {min_per_label} are needed"
            )
        examples.extend(Example(text, path.stem) for text in texts)
    return examples


def is_held_out(text: str) -> bool:
    """Whether a text belongs to the test part: decided by its hash, so stable across runs."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return digest[0] % TEST_BUCKETS == 0


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """Split into (train, test) by each text's hash: the order of files and lines is irrelevant."""
    train = [example for example in examples if not is_held_out(example.text)]
    test = [example for example in examples if is_held_out(example.text)]
    return train, test


def corpus_digest(examples: list[Example]) -> str:
    """A SHA-256 over the sorted corpus, recorded in the model's metadata."""
    digest = hashlib.sha256()
    for example in sorted(examples, key=lambda e: (e.label, e.text)):
        digest.update(f"{example.label}\t{example.text}\n".encode())
    return digest.hexdigest()
