"""The engine's events stream: what changed, so the lists never have to poll."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import docker

# Container actions that change what the list shows; exec_*, attach, resize, top... do not.
CONTAINER_CHANGES = frozenset(
    {
        "create",
        "start",
        "restart",
        "die",
        "stop",
        "kill",
        "pause",
        "unpause",
        "rename",
        "update",
        "destroy",
        "oom",
        "health_status",
    }
)
IMAGE_CHANGES = frozenset({"pull", "tag", "untag", "delete", "import", "load", "build"})


@dataclass(frozen=True)
class EngineEvent:
    """One engine event, reduced to what the dashboard needs."""

    type: str  # container, image, network, volume...
    action: str  # start, die, health_status...
    id: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    time_nano: int = 0

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> EngineEvent:
        """Build from one decoded event of the engine's stream."""
        actor = raw.get("Actor") or {}
        action = str(raw.get("Action") or raw.get("status") or "")
        # health_status arrives as "health_status: healthy"; exec_start as "exec_start: sh".
        return cls(
            type=str(raw.get("Type") or "container"),
            action=action.split(":", 1)[0].strip(),
            id=str(actor.get("ID") or raw.get("id") or ""),
            attributes=dict(actor.get("Attributes") or {}),
            time_nano=int(raw.get("timeNano") or 0),
        )

    @property
    def changes_containers(self) -> bool:
        """True when the container list should reflect this event."""
        return self.type == "container" and self.action in CONTAINER_CHANGES

    @property
    def changes_images(self) -> bool:
        """True when the image list (or its container counts) should reflect this event."""
        if self.type == "image":
            return self.action in IMAGE_CHANGES
        return self.type == "container" and self.action in ("create", "destroy")


class EventStream:
    """The live events stream (container and image events); `close()` ends it from any thread."""

    def __init__(self, api: docker.APIClient, since: int | None = None) -> None:
        filters = {"type": ["container", "image"]}
        self._stream = api.events(since=since, filters=filters, decode=True)

    def __iter__(self) -> Iterator[EngineEvent]:
        for raw in self._stream:
            if isinstance(raw, Mapping):
                yield EngineEvent.from_raw(raw)

    def close(self) -> None:
        """Stop the stream."""
        with contextlib.suppress(Exception):
            self._stream.close()
