"""`container-lab verify`: check a model tarball in the training image, with the public key only."""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.engine.client import EngineClient, connect
from tui.engine.errors import EngineError, NotFoundError, WaitTimedOut
from tui.engine.handles import ContainerHandle, create_container
from tui.errors import LabError
from tui.lab.container_spec import verify_config
from tui.lab.identity import ensure_identity
from tui.lab.image import TRAINING_IMAGE, ensure_training_image
from tui.lab.keys import load_keys
from tui.lab.trusted_dir import private_snapshot, read_trusted_keys
from tui.lab.verify_input import open_input, private_copy, refusal
from tui.lifetime import HOLDS
from tui.paths import LabPaths, lab_paths

DEFAULT_TIMEOUT = 300.0  # seconds the verifier container may take
EXIT_VERIFIED, EXIT_REFUSED, EXIT_BAD_INPUT, EXIT_TIMED_OUT = 0, 1, 2, 4


class VerifyTimedOut(LabError):
    """The verifier did not finish in time; its container was removed."""


class _Verifier:
    """The verifier's container, removed when the process ends meanwhile (tui/lifetime.py):
    a dashboard ended while it verified a new model left the container and the trusted-keys
    snapshot behind."""

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self.finished = threading.Event()  # the container, the snapshot and the copy are gone
        self.container: ContainerHandle | None = None

    def stop(self) -> None:
        """From any thread, more than once: the verifier ends, or never starts; returns once
        the verify has cleaned up (the ending bounds the wait)."""
        self.stopped.set()
        container = self.container
        if container is not None:
            with contextlib.suppress(EngineError):
                container.remove()
        self.finished.wait()


@dataclass(frozen=True)
class Verdict:
    """The training image's verdict on one tarball."""

    ok: bool
    reason: str
    details: dict[str, Any]


def verify_tarball(
    client: EngineClient,
    path: Path,
    paths: LabPaths,
    *,
    image: str = TRAINING_IMAGE,
    labels: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Verdict:
    """Run training.verify on a read-only copy of `path` in a container with no network.

    Raises VerifyTimedOut when the container has not finished after `timeout` seconds.
    """
    if not timeout > 0:
        raise LabError(f"--timeout must be a positive number of seconds, not {timeout}.")
    with open_input(path) as opened:
        load_keys(paths)  # no keys: one line saying to run `keys init`
        identity = ensure_identity(paths.env_file)
        trusted = read_trusted_keys(paths)
        refused = refusal(opened, path.name)
        if refused is not None:
            return Verdict(False, refused, {"check": "file"})
        ensure_training_image(
            client, paths, identity, tag=image, labels=labels, only_if_missing=True
        )
        verifier = _Verifier()
        HOLDS.hold(verifier, verifier.stop)
        try:
            with (
                private_snapshot(trusted, identity) as trusted_dir,
                private_copy(opened, identity) as folder,
            ):
                config = verify_config(image, folder, opened.name, trusted_dir, identity, labels)
                output, errors, status = _run(client, config, timeout, path.name, verifier)
        finally:
            verifier.finished.set()
            HOLDS.release(verifier)
    lines = [line for line in output.splitlines() if line.startswith("{")]
    if not lines:
        tail = (errors.strip().splitlines() or [f"exit code {status}"])[-1]
        return Verdict(False, f"the verifier crashed: {tail}", {})
    verdict = json.loads(lines[-1])
    ok = bool(verdict.get("ok")) and status == 0
    return Verdict(ok, str(verdict.get("reason", "verified")), verdict)


def _run(
    client: EngineClient, config: dict[str, Any], timeout: float, name: str, verifier: _Verifier
) -> tuple[str, str, int]:
    """Run the verifier container; its stdout, its stderr and its exit status."""
    try:
        container = create_container(client, **config)
    except EngineError as exc:
        raise LabError(f"cannot start the verifier: {exc}") from exc
    verifier.container = container
    try:
        if verifier.stopped.is_set():  # stopped before there was a container to remove
            raise LabError(f"verifying {name} was stopped: the program is ending")
        container.start()
        status = _wait(container, timeout, name)
        return (
            container.output(stdout=True, stderr=False),
            container.output(stdout=False, stderr=True),
            status,
        )
    finally:
        with contextlib.suppress(NotFoundError):  # removed by verifier.stop meanwhile
            container.remove()


def _wait(container: ContainerHandle, timeout: float, name: str) -> int:
    try:
        return container.wait(timeout)
    except WaitTimedOut as exc:
        raise VerifyTimedOut(
            f"verifying {name} did not finish within {timeout:g} s (stopped, nothing kept): "
            "try again with a larger --timeout."
        ) from exc


def provenance_line(details: dict[str, Any]) -> str:
    """One line on where the model came from, as its signed provenance says (or that it has
    none)."""
    provenance = details.get("provenance")
    if not isinstance(provenance, dict):
        note = details.get("provenance_note") or "no provenance"
        return f"provenance: {note}"
    image = provenance.get("image") or {}
    base = image.get("base") or {}
    environment = provenance.get("environment") or {}
    engine = environment.get("engine") or {}
    kernel = environment.get("kernel") or {}
    return (
        f"provenance: image {str(image.get('id', ''))[:19] or 'unknown'} on "
        f"{base.get('name') or 'an unknown base'} {str(base.get('id', ''))[:19]}, "
        f"{engine.get('name', '?')} {engine.get('version', '?')} with runtime "
        f"{environment.get('runtime') or '?'}, kernel {kernel.get('inside', '?')} inside "
        f"({kernel.get('host', '?')} on the host), {provenance.get('started_at', '?')} to "
        f"{provenance.get('finished_at', '?')}; {details.get('attestation', '')}"
    )


def verify_from_cli(
    path: Path,
    host: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    *,
    image: str = TRAINING_IMAGE,
    labels: dict[str, str] | None = None,
    as_json: bool = False,
) -> int:
    """Print the verdict: 0 verified, 1 refused, 4 timed out (2, bad input, is the caller's).

    `as_json`: the whole report (provenance included) as one JSON document on stdout.
    """
    try:
        verdict = verify_tarball(
            connect(host), path, lab_paths(), image=image, labels=labels, timeout=timeout
        )
    except VerifyTimedOut as exc:
        print(f"container-lab: {exc}", file=sys.stderr)
        return EXIT_TIMED_OUT
    if as_json:
        report = verdict.details if verdict.ok else {**verdict.details, "ok": False}
        report.setdefault("reason", verdict.reason)
        print(json.dumps(report, sort_keys=True, indent=2))
    if not verdict.ok:
        print(f"container-lab: refused {path.name}: {verdict.reason}", file=sys.stderr)
        return EXIT_REFUSED
    if as_json:
        return EXIT_VERIFIED
    details = verdict.details
    signer = details.get("signer", {})
    metrics = ", ".join(f"{k} {v}" for k, v in sorted(details.get("metrics", {}).items()))
    print(
        f"verified {path.name}: model {details.get('model')}, trained at "
        f"{details.get('trained_at')} (signed), {details.get('size')} bytes, {metrics}; "
        f"signed by key {signer.get('key_id')} ({signer.get('user_id')}), trusted as "
        f"{signer.get('key_name')}; {details.get('manifest')}; validation "
        f"{details.get('validation')}"
    )
    digest = details.get("digest")
    stamp = details.get("trained_at")
    print(
        f"model digest sha256:{digest} (signed, trained at {stamp})"
        if digest
        else f"model digest: none (made before provenance), trained at {stamp} (signed)"
    )
    print(provenance_line(details))
    return EXIT_VERIFIED
