"""training.verify_checks: the checks verify makes around the signatures, without gpg.

Step 5 (the key name the model records maps to the signer) had no test before; the file-name
timestamp check is new (issue 21 item 10).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from training.refusal import MANIFEST, METADATA, NAME, RefusedModel
from training.seal import SEAL_FILE, SEALED_FIELD
from training.signing import Signer
from training.tarball import Member, TarballLayout
from training.verify_checks import (
    check_coverage,
    check_key_name,
    check_name_time,
    check_sealing,
    recorded_time,
)

OURS = Signer("A" * 24 + "1111222233334444", "Container Lab demo signing key")
THEIRS = "B" * 24 + "5555666677778888"
TRUSTED = {"container-lab.pub.asc": OURS.fingerprint, "other.pub.asc": THEIRS}


def test_the_recorded_key_name_that_maps_to_the_signer_is_returned() -> None:
    assert check_key_name("container-lab.pub.asc", OURS, TRUSTED) == "container-lab.pub.asc"


SIGNER = f"signed by key {OURS.key_id} (Container Lab demo signing key), but the model names key "


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "other.pub.asc",
            SIGNER + "other.pub.asc, whose fingerprint in keyname-to-fingerprint.json is " + THEIRS,
        ),
        (
            "gone.pub.asc",
            SIGNER + "gone.pub.asc, whose fingerprint in keyname-to-fingerprint.json is absent",
        ),
        ("", "the model's metadata names no signing key: retrain it"),
        (None, "the model's metadata names no signing key: retrain it"),
        (["container-lab.pub.asc"], "the model's metadata names no signing key: retrain it"),
    ],
)
def test_a_key_name_that_does_not_map_to_the_signer_is_refused(
    name: object, expected: str, bad_input: Callable[[str], None]
) -> None:
    with pytest.raises(RefusedModel) as caught:
        check_key_name(name, OURS, TRUSTED)
    assert str(caught.value) == expected
    assert caught.value.check == METADATA
    bad_input(f"recorded key name: {name!r}")


SIGNED = datetime(2026, 12, 6, 17, 15, 4, 999999, tzinfo=UTC)


@pytest.mark.parametrize(
    "name",
    [
        "sports-classifier-20261206T171504Z.tar.gz",
        ".sports-classifier-20261206T171504Z.tar.gz.partial",
        "model.tar.gz",
        "sports-classifier-latest.tar.gz",
        "sports-classifier-20261206T171504Z_1_.tar.gz",
    ],
)
def test_a_name_without_a_timestamp_or_with_the_signed_one_passes(name: str) -> None:
    check_name_time(name, SIGNED)
    check_name_time(name, SIGNED.astimezone(timezone(timedelta(hours=-5))))


@pytest.mark.parametrize(
    "name",
    [
        "sports-classifier-20261207T171504Z.tar.gz",
        "sports-classifier-20261206T171505Z.tar.gz",
        "sports-classifier-20261206T171504Z-20270101T000000Z.tar.gz",
        "20300101T000000Z.tar.gz",
    ],
)
def test_a_name_whose_timestamp_is_not_the_signed_one_is_refused(
    name: str, bad_input: Callable[[str], None]
) -> None:
    with pytest.raises(RefusedModel) as caught:
        check_name_time(name, SIGNED)
    stamp = next(
        s for s in name.replace(".", "-").split("-") if s.endswith("Z") and s != "20261206T171504Z"
    )
    assert str(caught.value) == (
        f"{name} is named for a model trained at {stamp}, but it was signed as trained at "
        "20261206T171504Z: a renamed older model is not a newer one"
    )
    assert caught.value.check == NAME
    bad_input(f"model renamed: {name}")


@pytest.fixture()
def tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's local time zone is not UTC (UTC+9), for these tests only."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_recorded_time_is_read_in_utc_wherever_the_machine_is(tokyo: None) -> None:
    when = recorded_time({"trained_at": "2026-12-06T18:15:04+01:00"})
    assert when == datetime(2026, 12, 6, 17, 15, 4, tzinfo=UTC)
    assert when.utcoffset() == timedelta(0)
    for bad in (
        {},
        {"trained_at": "2026-12-06T17:15:04"},
        {"trained_at": "soon"},
        {"trained_at": 5},
    ):
        with pytest.raises(RefusedModel) as caught:
            recorded_time(bad)
        assert str(caught.value) == "the model's signed metadata records no training time"
        assert caught.value.check == METADATA


def test_the_name_is_compared_in_utc_wherever_the_machine_is(tokyo: None) -> None:
    check_name_time("sports-classifier-20261206T171504Z.tar.gz", SIGNED)
    with pytest.raises(RefusedModel):
        check_name_time("sports-classifier-20261207T021504Z.tar.gz", SIGNED)  # Tokyo's clock


PACKED = {SEALED_FIELD: SEAL_FILE, "trained_at": SIGNED.isoformat()}


def test_a_model_and_its_seal_that_agree_pass() -> None:
    check_sealing(True, PACKED, SIGNED)
    check_sealing(False, {"trained_at": SIGNED.isoformat()}, None)


@pytest.mark.parametrize(
    ("sealed", "metadata", "seal_time", "fragment", "check"),
    [
        (
            False,
            PACKED,
            None,
            "the model was packed with a signed member manifest (container-lab.json.asc), which "
            "this tarball lacks: it was repacked",
            MANIFEST,
        ),
        (
            True,
            {"trained_at": SIGNED.isoformat()},
            SIGNED,
            "the model was not packed with the container-lab.json.asc it carries",
            MANIFEST,
        ),
        (
            True,
            PACKED,
            SIGNED + timedelta(seconds=1),
            "the seal and the model record different training times",
            METADATA,
        ),
    ],
    ids=["seal stripped", "seal added", "times differ"],
)
def test_a_model_and_a_seal_that_disagree_are_refused(
    sealed: bool,
    metadata: dict[str, Any],
    seal_time: datetime | None,
    fragment: str,
    check: str,
    bad_input: Callable[[str], None],
) -> None:
    with pytest.raises(RefusedModel) as caught:
        check_sealing(sealed, metadata, seal_time)
    assert str(caught.value) == fragment
    assert caught.value.check == check
    bad_input(f"model and seal: {fragment}")


def _layout(*names: str) -> TarballLayout:
    members = [Member("m/", "folder", 0o755, 0, 0, "")]
    members += [Member(f"m/{name}", "file", 0o644, 1, 0, "a" * 64) for name in names]
    return TarballLayout("m", tuple(members))


SPECIAL_K = {"model": {"filename": "THEMODEL.pickle"}, "attributes": {"x": {"filename": "x.bin"}}}


def test_special_ks_own_members_and_the_seal_are_covered() -> None:
    check_coverage(
        "t",
        _layout("THEMODEL.pickle", "x.bin", "meta.json.asc", "meta.version", SEAL_FILE),
        SPECIAL_K,
    )
    check_coverage("t", _layout("THEMODEL.pickle"), {"model": {"filename": "THEMODEL.pickle"}})


def test_members_special_k_does_not_name_are_refused_by_name(
    bad_input: Callable[[str], None],
) -> None:
    with pytest.raises(RefusedModel) as caught:
        check_coverage("t.tar.gz", _layout("THEMODEL.pickle", "evil.py", "a.so"), SPECIAL_K)
    assert str(caught.value) == (
        "t.tar.gz holds members the signed metadata does not cover: a.so, evil.py"
    )
    assert caught.value.check == MANIFEST
    malformed: object
    for malformed in (
        {},
        {"model": "x"},
        {"model": {}},
        [],
        {"model": {"filename": "a"}, "attributes": 5},
    ):
        with pytest.raises(RefusedModel) as bad:
            check_coverage("t", _layout("a"), malformed)
        assert str(bad.value).startswith("model metadata is malformed: ")
        assert bad.value.check == METADATA
    bad_input("member special_k's metadata does not name")
