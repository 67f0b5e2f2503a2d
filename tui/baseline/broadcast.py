"""The lesson, as its runner publishes it for every dashboard of the lab (tui/published.py).

The dashboard that runs the lesson owns `LessonBroadcast`: it claims the lab's one lesson, then
publishes each phase, each second's live samples, the result and the end, as `LessonState`.
Every other dashboard reads that back with `lesson_state` and draws the same cards, live rows
and table. A runner that is gone while its lesson ran shows as `ENDED`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from tui import broadcast
from tui.baseline.results import LessonResult, UnitKind, UnitResult, UnitSample
from tui.broadcast import Broadcast, record
from tui.paths import LabPaths
from tui.published import Seen, Writer, read_published

NAME = "baseline-lesson"
RUNNING, MEASURED, STOPPED, FAILED, ENDED = "running", "measured", "stopped", "failed", "ended"
UNDER_WAY = (RUNNING, MEASURED)  # what runs: measuring, or measured and idling until x
STATUSES = (*UNDER_WAY, STOPPED, FAILED)
UNIT_KINDS = tuple(UnitKind)


@dataclass(frozen=True)
class LessonState:
    """One lesson as its runner last published it."""

    status: str  # RUNNING, MEASURED, STOPPED, FAILED (ENDED: the reader's word, see `seen`)
    run_id: str
    image: str
    started: str  # when it began (UTC, ISO 8601)
    phases: dict[str, tuple[str, str]] = field(default_factory=dict)  # kind -> (phase, note)
    samples: tuple[UnitSample, ...] = ()
    result: LessonResult | None = None
    error: str = ""
    writer: Writer | None = None  # who runs it (set by the reader)

    @property
    def under_way(self) -> bool:
        """Its units run (measuring, or measured and idling until x)."""
        return self.status in UNDER_WAY


def to_body(state: LessonState) -> dict[str, Any]:
    """The JSON body of a state."""
    return {
        "status": state.status,
        "run_id": state.run_id,
        "image": state.image,
        "started": state.started,
        "phases": {kind: list(pair) for kind, pair in state.phases.items()},
        "samples": [asdict(sample) for sample in state.samples],
        "result": _result_body(state.result) if state.result is not None else None,
        "error": state.error,
    }


def _result_body(result: LessonResult) -> dict[str, Any]:
    body = asdict(result)
    body["units"] = {kind: asdict(unit) for kind, unit in result.units.items()}
    return body


def _result(raw: object) -> LessonResult:
    if not isinstance(raw, dict) or not isinstance(raw.get("units"), dict):
        raise ValueError("the result has no units")
    units = {kind: record(UnitResult, unit) for kind, unit in raw["units"].items()}
    if set(units) - set(UNIT_KINDS) or any(kind != u.kind for kind, u in units.items()):
        raise ValueError(f"unknown units {sorted(units)}")
    return record(LessonResult, raw, units=units)


def from_body(body: Mapping[str, Any]) -> LessonState:
    """The state a JSON body says (ValueError, TypeError or KeyError when it is not one)."""
    status = body["status"]
    if status not in STATUSES:
        raise ValueError(f"status {status!r}")
    phases: dict[str, tuple[str, str]] = {}
    for kind, pair in dict(body.get("phases") or {}).items():
        if kind not in UNIT_KINDS or not (
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
        ):
            raise ValueError(f"phase of {kind!r}: {pair!r}")
        phases[kind] = (pair[0], pair[1])
    samples = tuple(record(UnitSample, raw) for raw in body.get("samples") or [])
    if any(sample.kind not in UNIT_KINDS for sample in samples):
        raise ValueError("a sample of an unknown unit")
    texts = [body[key] for key in ("run_id", "image", "started", "error")]
    if not all(isinstance(text, str) for text in texts):
        raise ValueError("run_id, image, started and error are text")
    raw_result = body.get("result")
    return LessonState(
        status=status,
        run_id=texts[0],
        image=texts[1],
        started=texts[2],
        phases=phases,
        samples=samples,
        result=_result(raw_result) if raw_result is not None else None,
        error=texts[3],
    )


Watched = broadcast.Watched[LessonState]


def seen(found: Seen, paths: LabPaths | None = None) -> Watched:
    """What a published document means for a viewer."""
    return broadcast.watched(
        found, lambda body, writer: replace(from_body(body), writer=writer), NAME, paths
    )


def lesson_state(paths: LabPaths) -> Watched:
    """The lab's lesson as its runner last published it."""
    return seen(read_published(paths, NAME), paths)


class LessonBroadcast(Broadcast[LessonState]):
    """The runner's side: claims the lab's lesson, publishes it as it goes (thread-safe).

    A document that cannot be written is said once through `on_error`; the lesson runs on.
    """

    def __init__(
        self, paths: LabPaths, on_error: Callable[[str], None] = lambda message: None
    ) -> None:
        super().__init__(paths, NAME, to_body, on_error)

    def started(self, run_id: str, image: str) -> None:
        """A new run began."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._set(lambda _: LessonState(RUNNING, run_id, image, now))

    def phase(self, kind: str, phase: str, note: str = "") -> None:
        """A unit moved on (the lesson's `on_phase`, from its threads)."""
        self._set(lambda s: s and replace(s, phases={**s.phases, kind: (phase, note)}))

    def samples(self, samples: Sequence[UnitSample]) -> None:
        """The units' live figures."""
        self._set(lambda s: replace(s, samples=tuple(samples)) if s and s.under_way else s)

    def finished(self, result: LessonResult) -> None:
        """Everything measured; the three idle until x."""
        self._set(lambda s: s and replace(s, status=MEASURED, result=result))

    def ended(self, error: str = "", *, stopped: bool = True) -> None:
        """The run failed (`error`) or its units were stopped; the claim is let go once they are."""
        status = FAILED if error else STOPPED
        self._set(lambda s: s and replace(s, status=status, error=error or s.error, samples=()))
        if stopped:
            self.release()
