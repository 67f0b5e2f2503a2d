"""`container-lab reproduce MODEL`: retrain from this checkout and compare the model digests.

1. the engine must have the Dockerfile's base image (else: which image is missing, exit 2);
2. the model must verify with this lab's keys and carry provenance (else one line, exit 2);
3. this checkout's inputs are compared with the recorded ones, each difference named;
4. the image is built from this checkout (the layer cache makes an unchanged one quick), a
   new model is trained (it stays in models/, and the run history marks it a reproduction);
5. exit 0 when the digests are identical, 1 when they differ (saying what differs: the inputs
   named in 3, and the provenance fields that differ) or the retraining failed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.engine.client import EngineClient, connect
from tui.engine.images import image_id
from tui.errors import LabError
from tui.lab.checkout import checkout_inputs, input_differences
from tui.lab.image import TRAINING_IMAGE, base_image_name, training_image_tag
from tui.lab.run import RunOutcome, TrainingRun, describe_failure
from tui.lab.run_report import provenance_differences
from tui.lab.verify import VerifyTimedOut, verify_tarball
from tui.paths import LabPaths, lab_paths

EXIT_IDENTICAL, EXIT_DIFFERENT, EXIT_BAD_INPUT = 0, 1, 2


@dataclass
class Reproduction:
    """What a reproduction found."""

    model: str
    recorded_digest: str
    differences: list[str] = field(default_factory=list)  # inputs, named
    outcome: RunOutcome | None = None
    provenance_changes: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        """Whether the retrained model has the recorded digest."""
        return bool(
            self.outcome and self.outcome.tarball and self.outcome.digest == self.recorded_digest
        )


def _short(digest: str) -> str:
    return digest[:16] if digest else "none"


def recorded_provenance(
    client: EngineClient, model: Path, paths: LabPaths, image: str, labels: dict[str, str]
) -> tuple[dict[str, Any], str]:
    """The model's verified provenance and digest; LabError (bad input) when there are none."""
    try:
        verdict = verify_tarball(client, model, paths, image=image, labels=labels)
    except VerifyTimedOut as exc:
        raise LabError(f"cannot reproduce {model.name}: {exc}") from exc
    if not verdict.ok:
        raise LabError(f"cannot reproduce {model.name}: it does not verify: {verdict.reason}")
    provenance, digest = verdict.details.get("provenance"), verdict.details.get("digest")
    if not isinstance(provenance, dict) or not digest:
        raise LabError(
            f"cannot reproduce {model.name}: it has no provenance (made before provenance was "
            "recorded), so nothing says what made it; train a new model instead."
        )
    return provenance, str(digest)


def reproduce(
    client: EngineClient,
    model: Path,
    paths: LabPaths,
    *,
    image: str = TRAINING_IMAGE,
    labels: dict[str, str] | None = None,
    runtime: str | None = None,
    say: Callable[[str], None] = print,
) -> Reproduction:
    """Retrain `model` from this checkout and compare (see the module's docstring)."""
    labels = labels or {}
    base = base_image_name(paths.project / "Dockerfile")
    base_id = image_id(client, base)
    if base_id is None:
        raise LabError(
            f"missing image: the base image {base} is not in this engine, so the training image "
            f"cannot be built; load or bootstrap it (`./lab engine up` does, for a local Docker)."
        )
    provenance, digest = recorded_provenance(client, model, paths, image, labels)
    found = Reproduction(model.name, digest)
    found.differences = input_differences(provenance, checkout_inputs(paths), (base, base_id))
    for difference in found.differences:
        say(f"differs: {difference}")
    if not found.differences:
        say("inputs: this checkout's Dockerfile, locks, training code and corpus are the recorded")
    say(f"retraining {model.name} in {image} from this checkout…")
    run = TrainingRun(
        client, paths, image=image, labels=labels, runtime=runtime, reproduces=(model.name, digest)
    )
    found.outcome = run.run()
    if found.outcome.provenance:
        found.provenance_changes = provenance_differences(provenance, found.outcome.provenance)
    return found


def verdict_line(found: Reproduction) -> str:
    """The last line `reproduce` prints."""
    outcome = found.outcome
    if outcome is None or outcome.tarball is None or outcome.exit_code != 0:
        reason = describe_failure(outcome) if outcome else "no run"
        return f"not reproduced: {found.model}: the retraining failed: {reason}"
    if found.identical:
        return (
            f"reproduced {found.model}: digest sha256:{found.recorded_digest} identical; "
            f"the new model is {outcome.tarball.name}"
        )
    inputs = "; inputs that differ: " + ", ".join(found.differences) if found.differences else ""
    changed = found.provenance_changes
    fields = ", ".join(changed[:6]) + (f" and {len(changed) - 6} more" if len(changed) > 6 else "")
    return (
        f"not reproduced: {found.model}: digest sha256:{_short(outcome.digest)}… here, "
        f"sha256:{_short(found.recorded_digest)}… recorded{inputs}"
        + (f"; provenance differs in {fields}" if changed else "")
    )


def reproduce_from_cli(
    model: Path,
    host: str | None = None,
    runtime: str | None = None,
    *,
    image: str | None = None,
    labels: dict[str, str] | None = None,
) -> int:
    """Print what differs and the verdict: 0 identical, 1 different (2 is the caller's)."""
    found = reproduce(
        connect(host),
        model,
        lab_paths(),
        image=image or training_image_tag(),
        labels=labels,
        runtime=runtime,
    )
    line = verdict_line(found)
    if found.outcome and found.outcome.history_error:
        print(f"container-lab: {found.outcome.history_error}", file=sys.stderr)
    if found.identical:
        print(line)
        return EXIT_IDENTICAL
    print(f"container-lab: {line}", file=sys.stderr)
    return EXIT_DIFFERENT
