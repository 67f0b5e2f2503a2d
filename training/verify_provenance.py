"""verify's provenance checks: the model digest and the in-toto attestation against the seal.

Runs after the seal is verified (its signature, its manifest against every member), so the
provenance read here is signed and every member's SHA-256 is known to be the manifest's.
A seal without provenance is an older model's: it verifies, and the report says it has none.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from training.attestation import (
    ATTESTATION_FILE,
    PAYLOAD_TYPE,
    differing_part,
    open_envelope,
    pae,
    statement,
)
from training.payload import PAYLOAD_FILE
from training.provenance import PROVENANCE_FORMAT
from training.refusal import MANIFEST, METADATA, SIGNATURE, RefusedModel, shown
from training.seal import Seal
from training.signing import Signer
from training.tarball import Member, TarballLayout

NO_PROVENANCE = "no provenance (made before provenance was recorded): no model digest either"
CheckDetached = Callable[[bytes, bytes], Signer]  # (signature, data) -> who signed


def _member(layout: TarballLayout, name: str) -> Member | None:
    return next((m for m in layout.members if m.name.split("/")[-1] == name), None)


def check_digest(label: str, provenance: dict[str, Any], layout: TarballLayout) -> str:
    """The provenance's model digest must be the payload member's SHA-256 (the manifest's)."""
    digest = provenance.get("digest")
    claimed = digest.get("sha256") if isinstance(digest, dict) else None
    payload = _member(layout, PAYLOAD_FILE)
    if payload is None:
        raise RefusedModel(f"{label} records provenance but has no {PAYLOAD_FILE}", MANIFEST)
    if claimed != payload.sha256:
        raise RefusedModel(
            f"{label}: the signed model digest {shown(str(claimed))} is not the SHA-256 of "
            f"{PAYLOAD_FILE} ({payload.sha256})",
            METADATA,
        )
    return payload.sha256


def check_attestation(
    label: str,
    provenance: dict[str, Any],
    layout: TarballLayout,
    signer: Signer,
    check_detached: CheckDetached,
) -> dict[str, Any]:
    """The in-toto statement: signed by `signer`, about exactly the members before it, and
    saying what the seal's provenance says. Returns the statement."""
    member = _member(layout, ATTESTATION_FILE)
    if member is None or ATTESTATION_FILE not in layout.kept:
        raise RefusedModel(f"{label} records provenance but lacks {ATTESTATION_FILE}", MANIFEST)
    payload, keyid, signature = open_envelope(layout.kept[ATTESTATION_FILE])
    attested_by = check_detached(signature, pae(PAYLOAD_TYPE, payload))
    if attested_by != signer or keyid.upper() != signer.fingerprint:
        raise RefusedModel(
            f"{ATTESTATION_FILE} is signed by {attested_by.describe()} (key id {shown(keyid)}), "
            f"the model by {signer.describe()}",
            SIGNATURE,
        )
    try:
        found = json.loads(payload.decode("utf-8"))
    except ValueError as exc:
        raise RefusedModel(f"the in-toto statement is not JSON ({exc})", METADATA) from exc
    before = layout.members[: layout.members.index(member)]
    try:
        expected = statement(before, provenance)
    except (KeyError, TypeError, AttributeError) as exc:
        raise RefusedModel(f"the seal's provenance is malformed: {exc!r}", METADATA) from exc
    part = differing_part(found, expected)
    if part:
        raise RefusedModel(
            f"the in-toto statement's {part} differs from the model's members and signed "
            "provenance",
            MANIFEST,
        )
    return found


def check_provenance(
    label: str, seal: Seal | None, layout: TarballLayout, signer: Signer, check: CheckDetached
) -> dict[str, Any]:
    """What the report says about provenance; RefusedModel when it does not hold."""
    provenance = seal.provenance if seal is not None else None
    if provenance is None:
        # Without a seal at all, the model's own metadata says whether it had one (step 6 of
        # verify refuses a stripped seal by name); with a seal, an attestation needs provenance.
        if seal is not None and _member(layout, ATTESTATION_FILE) is not None:
            raise RefusedModel(
                f"{label} carries {ATTESTATION_FILE} but its seal records no provenance", MANIFEST
            )
        return {"provenance": None, "digest": None, "provenance_note": NO_PROVENANCE}
    if provenance.get("format") != PROVENANCE_FORMAT:
        raise RefusedModel(
            f"the seal's provenance is not {PROVENANCE_FORMAT}: "
            f"{shown(str(provenance.get('format')))}",
            METADATA,
        )
    digest = check_digest(label, provenance, layout)
    found = check_attestation(label, provenance, layout, signer, check)
    subjects = len(found["subject"])
    return {
        "provenance": provenance,
        "digest": digest,
        "attestation": (
            f"in-toto statement ({found['predicateType']}), DSSE signed by {signer.describe()}; "
            f"its {subjects} subjects match the members"
        ),
    }
