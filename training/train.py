"""Train the sports classifier and leave a signed special_k tarball in the models folder.

Usage: python -m training.train MODELS_DIR

Progress goes to stdout as one JSON object per line (see README). The tarball is written under a
hidden temporary name in MODELS_DIR, verified, and renamed: its appearance means it is complete,
and a failed or cancelled run leaves none.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from training.corpus import CorpusError, corpus_digest, load_corpus, split
from training.metrics import accuracy, macro_f1
from training.progress import emit
from training.seal import SEAL_FILE, SEALED_FIELD
from training.seal_writer import seal_tarball
from training.signing import (
    SigningError,
    describe_gpg_error,
    import_signing_key,
    key_name_for,
    private_gnupg_home,
    read_passphrase,
    sign_detached,
)

if TYPE_CHECKING:
    from training.model import SportsClassifier

DATA_DIR = Path(os.environ.get("LAB_DATA_DIR", "/data"))
SECRETS_DIR = Path(os.environ.get("LAB_SECRETS_DIR", "/run/secrets"))
SIGNING_KEY = SECRETS_DIR / "signing_key"
PASSPHRASE_FILE = SECRETS_DIR / "signing_passphrase"
TRUSTED_KEYS_DIR = Path(os.environ.get("SERIALIZATION_TRUSTED_KEYS_DIR", "/trusted-keys"))
READY_MARKER = Path(os.environ.get("LAB_READY_MARKER", "/tmp/container-lab-ready"))

EXIT_BAD_INPUT = 2
EXIT_SIGNING = 3
EXIT_VALIDATION = 4
EXIT_CANCELLED = 143


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    # As PID 1 an unhandled SIGTERM is ignored; as a child it kills before cleanup. Either way
    # `docker stop` would leave a partial file: turn it into an exit that runs the finally blocks.
    raise SystemExit(EXIT_CANCELLED)


def check_models_dir(models_dir: Path) -> None:
    """Refuse a models folder that is missing, not a folder, or not writable, before training."""
    if not models_dir.is_dir():
        raise CorpusError(f"models folder {models_dir} does not exist: mount models/ there")
    if not os.access(models_dir, os.W_OK | os.X_OK):
        raise CorpusError(
            f"models folder {models_dir} is not writable by uid {os.getuid()}: "
            "check USER_ID/GROUP_ID in .env and the folder's owner"
        )


def tarball_name(now: datetime) -> str:
    """`<model name>-<UTC timestamp>.tar.gz`."""
    from training.model import MODEL_NAME

    return f"{MODEL_NAME}-{now.strftime('%Y%m%dT%H%M%SZ')}.tar.gz"


def train(models_dir: Path) -> Path:
    """Run every stage and return the final tarball's path."""
    started, started_at = time.monotonic(), datetime.now(UTC)
    emit("start", 0.0, f"training into {models_dir}")
    check_models_dir(models_dir)
    passphrase = read_passphrase(PASSPHRASE_FILE)

    examples = load_corpus(DATA_DIR)
    train_set, test_set = split(examples)
    labels = sorted({e.label for e in examples})
    emit(
        "load",
        0.1,
        f"{len(examples)} texts, {len(labels)} sports: {len(train_set)} train, "
        f"{len(test_set)} held out",
        labels=labels,
        train_size=len(train_set),
        test_size=len(test_set),
    )

    from threadpoolctl import threadpool_limits

    from training.model import SportsClassifier
    from training.payload import payload_digest
    from training.pipeline import build_pipeline
    from training.provenance import measured_inputs, provenance_document, run_context

    # One thread in every native pool: how sums split between threads must not depend on how
    # many CPUs a runtime shows (the image's environment says so too, for the imports).
    with threadpool_limits(limits=1):
        pipeline = build_pipeline()
        pipeline.fit([e.text for e in train_set], [e.label for e in train_set])
        emit("fit", 0.5, "pipeline fitted")

        truth = [e.label for e in test_set]
        predicted = [str(p) for p in pipeline.predict([e.text for e in test_set])]
        metrics = {
            "accuracy": round(accuracy(truth, predicted), 4),
            "macro_f1": round(macro_f1(truth, predicted), 4),
        }
        digest = payload_digest(pipeline)
        emit("evaluate", 0.6, "held-out evaluation", metrics=metrics, digest=digest)

        now = datetime.now(UTC)
        model = SportsClassifier(
            pipeline,
            validation_texts=[e.text for e in test_set],
            metadata={
                "metrics": metrics,
                "labels": labels,
                "train_size": len(train_set),
                "test_size": len(test_set),
                "corpus_sha256": corpus_digest(examples),
                "trained_at": now.isoformat(),
            },
        )
        provenance = provenance_document(
            digest=digest,
            inputs=measured_inputs(DATA_DIR),
            pipeline=pipeline,
            metrics=metrics,
            started=started_at,
            finished=now,
            context=run_context(),
        )
    provenance = json.loads(json.dumps(provenance))  # exactly what the seal will carry
    final = models_dir / tarball_name(now)
    partial = models_dir / f".{final.name}.partial"
    try:
        _sign_and_check(model, partial, passphrase, provenance)
        os.replace(partial, final)
        _fsync_dir(models_dir)
    finally:
        partial.unlink(missing_ok=True)
    READY_MARKER.write_text(str(final) + "\n")
    emit(
        "done",
        1.0,
        f"signed model at {final}",
        tarball=str(final),
        metrics=metrics,
        digest=digest,
        provenance=provenance,
        seconds=round(time.monotonic() - started, 2),
    )
    return final


def _sign_and_check(
    model: SportsClassifier, partial: Path, passphrase: str, provenance: dict[str, Any]
) -> None:
    """Serialize, sign and seal into `partial`, then check it as verify would and load it back.

    The in-toto attestation is signed with the same key, then the seal (with the provenance).
    """
    import special_k
    from special_k.signing import sign_message

    from training.attestation import envelope
    from training.verify import check_sealed

    unsealed = partial.with_name(
        partial.name.replace(".tar.gz.partial", ".unsealed.tar.gz.partial")
    )
    try:
        with private_gnupg_home() as home:
            fingerprint = import_signing_key(home, SIGNING_KEY)
            emit("sign", 0.7, f"signing with key {fingerprint[-16:]}", fingerprint=fingerprint)
            key = key_name_for(TRUSTED_KEYS_DIR, fingerprint)
            # Both recorded inside the signed model: verify requires the key the map names for
            # it, and refuses this model if its seal is ever stripped off.
            model.metadata["signing_key"] = key
            model.metadata[SEALED_FIELD] = SEAL_FILE
            try:
                special_k.save_model_to_tarball(
                    model, str(unsealed), str(home), fingerprint, passphrase
                )
                seal_tarball(
                    unsealed,
                    partial,
                    model=model.model_name,
                    trained_at=datetime.fromisoformat(model.metadata["trained_at"]),
                    key=key,
                    sign=lambda text: sign_message(str(home), fingerprint, text, passphrase),
                    provenance=provenance,
                    attest=lambda members: envelope(
                        members,
                        provenance,
                        keyid=fingerprint,
                        sign=lambda data: sign_detached(home, fingerprint, data, passphrase),
                    ),
                )
            except (SigningError, SystemExit):
                raise
            except Exception as exc:
                if type(exc).__module__.startswith("gpg"):
                    raise SigningError(describe_gpg_error(exc)) from exc
                raise
    finally:
        unsealed.unlink(missing_ok=True)
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    emit("verify", 0.9, "checking signatures, member manifest, provenance and model validation")
    check_sealed(partial)
    special_k.load_model_from_tarball(str(partial))


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def main(argv: list[str] | None = None) -> int:
    """Entry point: one argument, the models folder; failures are one JSON line and an exit code."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        emit("error", 0.0, "usage: python -m training.train MODELS_DIR", error="usage")
        return EXIT_BAD_INPUT
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        train(Path(args[0]))
    except (CorpusError, SigningError) as exc:
        code = EXIT_SIGNING if isinstance(exc, SigningError) else EXIT_BAD_INPUT
        emit("error", 0.0, str(exc), error=str(exc), exit_code=code)
        return code
    except SystemExit as exc:
        emit("cancelled", 0.0, "training cancelled; no tarball written", exit_code=exc.code)
        return EXIT_CANCELLED
    except KeyboardInterrupt:
        emit("cancelled", 0.0, "training cancelled; no tarball written", exit_code=130)
        return 130
    except Exception as exc:
        from special_k.exceptions import ModelValidationError

        message = " ".join(str(exc).split()) or type(exc).__name__
        code = EXIT_VALIDATION if isinstance(exc, ModelValidationError) else 1
        emit("error", 0.0, f"{type(exc).__name__}: {message}", error=message, exit_code=code)
        return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
