"""The model's payload: the fitted pipeline it predicts with, pickled the same way every time.

The payload is its own member of the tarball (PAYLOAD_FILE), written by a special_k serializer
registered here, so its bytes are exactly what `payload_bytes` returns and the model digest is
that member's SHA-256: in the signed manifest, independent of the signing time and of every
other member (the metadata, which holds times and key names, is pickled apart).

Two things made the same fit pickle differently from run to run: the pickle protocol (the
default follows the Python version) and state that records a process's own addresses.
scikit-learn's vectorizers keep `_stop_words_id = id(self.stop_words)`, a cache key that is the
address of `None` in that process (it moves with ASLR); it is not part of the fitted model and
is recomputed on the first prediction, so it is left out of the payload.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from typing import IO, Any

PAYLOAD_FILE = "pipeline.pickle"
PAYLOAD_SERIALIZER = "container-lab-payload"
PAYLOAD_PROTOCOL = 5
# Attributes that hold a process's own memory addresses, never fitted state.
PROCESS_LOCAL = frozenset({"_stop_words_id"})


class _PayloadPickler(pickle.Pickler):
    """A pickler that leaves PROCESS_LOCAL attributes out of every object's state."""

    def reducer_override(self, obj: Any) -> Any:
        """The object's usual reduction, minus process-local state (NotImplemented: default)."""
        state = getattr(obj, "__dict__", None)
        if isinstance(obj, type) or not isinstance(state, dict) or not PROCESS_LOCAL & set(state):
            return NotImplemented
        reduced = obj.__reduce_ex__(PAYLOAD_PROTOCOL)
        if not isinstance(reduced, tuple) or len(reduced) < 3 or not isinstance(reduced[2], dict):
            return NotImplemented
        kept = {k: v for k, v in reduced[2].items() if k not in PROCESS_LOCAL}
        return (*reduced[:2], kept, *reduced[3:])


def payload_bytes(item: Any) -> bytes:
    """`item` pickled with the fixed protocol, process-local state left out."""
    buffer = io.BytesIO()
    _PayloadPickler(buffer, protocol=PAYLOAD_PROTOCOL).dump(item)
    return buffer.getvalue()


def write_payload(item: Any, stream: IO[bytes]) -> None:
    """Write the payload to `stream` in one piece (special_k's HMAC stream takes bytes only,
    and a protocol-5 pickler writes memoryviews)."""
    stream.write(payload_bytes(item))


def payload_digest(item: Any) -> str:
    """The model digest: SHA-256 of the payload's bytes, in hex."""
    return hashlib.sha256(payload_bytes(item)).hexdigest()


def register_serializer() -> None:
    """Make special_k write and read the payload member with `write_payload` (idempotent)."""
    from special_k.serializers import REGISTRY
    from special_k.serializers.base_serializers import PickleIO

    class PayloadIO(PickleIO):
        _serialize_to_stream = staticmethod(write_payload)

    if PAYLOAD_SERIALIZER not in REGISTRY.available_serializers:
        REGISTRY.register_serializer(PAYLOAD_SERIALIZER, PayloadIO)
