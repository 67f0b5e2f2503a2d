"""What `verify` tells the user: who signed a verified model; a bounded wait with its own code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import docker
import pytest

from tests.integration.conftest import LABELS
from tests.integration.lab_fixtures import TEST_IMAGE_TAG
from tests.integration.verify_checks import assert_no_verifier_left, assert_one_line, digest
from tui.cli import build_parser
from tui.lab.keys import KEY_USER_ID, load_keys
from tui.lab.verify import EXIT_TIMED_OUT, verify_from_cli
from tui.paths import PROJECT_ENV, LabPaths

pytestmark = pytest.mark.slow


def _cli(lab: LabPaths, path: Path, monkeypatch: pytest.MonkeyPatch, timeout: float) -> int:
    monkeypatch.setenv(PROJECT_ENV, str(lab.project))
    return verify_from_cli(path, timeout=timeout, image=TEST_IMAGE_TAG, labels=LABELS)


def test_a_verified_model_names_its_signer(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _cli(lab, model_tarball, monkeypatch, 300) == 0
    out = capsys.readouterr().out
    fingerprint = load_keys(lab).fingerprint
    assert f"signed by key {fingerprint[-16:]} ({KEY_USER_ID})" in out, out
    assert "trusted as container-lab.pub.asc" in out, out


@pytest.mark.bad_input
def test_a_verification_over_its_timeout_ends_with_one_line_and_exit_4(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    bad_input: Callable[[str], None],
) -> None:
    before = digest(model_tarball)
    # 1 ms: the verifier (python, special_k, gpg, scikit-learn) cannot start, let alone finish.
    assert _cli(lab, model_tarball, monkeypatch, 0.001) == EXIT_TIMED_OUT
    captured = capsys.readouterr()
    assert_one_line(captured.err)
    assert "did not finish within 0.001 s" in captured.err and "--timeout" in captured.err
    assert not captured.out
    assert digest(model_tarball) == before
    assert_no_verifier_left(docker_client)
    bad_input("verification longer than --timeout")


@pytest.mark.bad_input
@pytest.mark.parametrize("value", ["0", "-1", "nan"])
def test_a_timeout_that_is_not_positive_is_bad_input(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    monkeypatch: pytest.MonkeyPatch,
    bad_input: Callable[[str], None],
    value: str,
) -> None:
    from tui.errors import LabError

    args = build_parser().parse_args(["verify", str(model_tarball), "--timeout", value])
    with pytest.raises(LabError, match="--timeout must be a positive number") as caught:
        _cli(lab, model_tarball, monkeypatch, args.timeout)
    assert_one_line(str(caught.value))
    assert_no_verifier_left(docker_client)
    bad_input(f"--timeout {value}")
