"""The payload (what the model predicts with) pickles to the same bytes in every process.

A fit here and the same fit in another Python process, with another hash seed, are the two
trainings of the reproducibility check, minus the container. Before the payload, the pipeline
was pickled as is (special_k's pickle serializer, the protocol Python defaults to), and
scikit-learn's vectorizer keeps `_stop_words_id = id(None)`, an address that moves with ASLR:
the same fit pickled to different bytes in every process, so no digest of it could ever match
(the control below).
Both fits run with one thread per native pool, as train.py does: here the coefficients of a
fit with OpenBLAS's two threads differ from a one-thread fit by about 3e-15.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from training.payload import PAYLOAD_PROTOCOL, PROCESS_LOCAL, payload_bytes, payload_digest
from training.pipeline import build_pipeline

ROOT = Path(__file__).resolve().parents[2]
# A small fit (every eighth text) keeps this fast; the process-local state is the same.
FIT = """
import hashlib, json, pickle
from pathlib import Path
from threadpoolctl import threadpool_limits
from training.corpus import load_corpus
from training.payload import payload_bytes
from training.pipeline import build_pipeline

texts = load_corpus(Path("training/data"))[::8]
with threadpool_limits(limits=1):
    pipeline = build_pipeline().fit([e.text for e in texts], [e.label for e in texts])
    pipeline.predict(["a late wicket"])  # predicting sets the vectorizer's id() cache again
print(json.dumps({
    "payload": hashlib.sha256(payload_bytes(pipeline)).hexdigest(),
    "plain": hashlib.sha256(pickle.dumps(pipeline)).hexdigest(),
}))
"""


def _fit(environ: dict[str, str]) -> dict[str, str]:
    result = subprocess.run(
        [sys.executable, "-c", FIT], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found: dict[str, str] = json.loads(result.stdout)
    return found


def test_another_process_gives_the_same_payload_where_plain_pickles_differ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    here: dict[str, str] = {}
    exec(FIT.replace("print(json.dumps(", "here.update(("), {"here": here})
    there = _fit({**os.environ, "PYTHONHASHSEED": "2"})
    assert here["payload"] == there["payload"]
    # The control: the same two fits, pickled as the model was before, differ.
    assert here["plain"] != there["plain"]


def _small_pipeline():  # type: ignore[no-untyped-def]
    texts = ["a wicket and a bowler", "a slam dunk", "a late wicket", "a three-pointer"]
    labels = ["cricket", "basketball", "cricket", "basketball"]
    return build_pipeline().fit(texts, labels)


def test_the_payload_leaves_out_process_local_state_and_survives_a_round_trip() -> None:
    pipeline = _small_pipeline()
    pipeline.predict(["a bowler"])
    words = pipeline.named_steps["features"].transformer_list[0][1]
    assert PROCESS_LOCAL & set(vars(words)), "the vectorizer keeps its id() cache"
    data = payload_bytes(pipeline)
    assert data[:2] == bytes([0x80, PAYLOAD_PROTOCOL])
    loaded = pickle.loads(data)
    assert not PROCESS_LOCAL & set(vars(loaded.named_steps["features"].transformer_list[0][1]))
    assert list(loaded.predict(["a wicket"])) == list(pipeline.predict(["a wicket"]))
    assert payload_bytes(loaded) == data, "loading and saving again changes nothing"
    assert payload_digest(pipeline) == hashlib.sha256(data).hexdigest()
    assert PROCESS_LOCAL & set(vars(words)), "the live model is left as it was"
