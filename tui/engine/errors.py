"""Engine failures as the project's own errors, so lab and baseline code never see docker-py's.

Only a docker-py error is translated; a transport error (requests' ConnectionError when the
engine is gone) passes through as it always did, an OSError.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from docker.errors import APIError, DockerException, ImageNotFound, NotFound

from tui.errors import LabError


class EngineError(LabError):
    """An engine call failed: docker-py's message, and the engine's own words when it gave some."""

    def __init__(
        self, message: str, explanation: str | None = None, status_code: int | None = None
    ) -> None:
        super().__init__(message)
        self.explanation = explanation
        self.status_code = status_code


class NotFoundError(EngineError):
    """The container, image or network is not (or no longer) there."""


class ImageMissing(NotFoundError):
    """The image is not in the engine's store."""


class WaitTimedOut(EngineError):
    """A container had not ended when the time given to `wait` ran out."""


def engine_error(exc: DockerException) -> EngineError:
    """The project's error for one docker-py error, same message."""
    kind: type[EngineError] = EngineError
    if isinstance(exc, ImageNotFound):
        kind = ImageMissing
    elif isinstance(exc, NotFound):
        kind = NotFoundError
    if isinstance(exc, APIError):
        return kind(str(exc), exc.explanation, exc.status_code)
    return kind(str(exc))


@contextmanager
def engine_errors() -> Iterator[None]:
    """Raise docker-py's errors inside the block as EngineError (or a subclass)."""
    try:
        yield
    except DockerException as exc:
        raise engine_error(exc) from exc
