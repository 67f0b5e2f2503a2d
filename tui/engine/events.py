"""The engine's events stream: what changed, so the lists never have to poll."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import docker
import requests
from docker.types.daemon import CancellableStream
from docker.utils.json_stream import json_stream

from tui.engine.client import close_response, open_engine_stream, read_some

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
        "remove",  # Podman's word for destroy
        "oom",
        "health_status",
    }
)
# Podman says "remove" where Docker says "delete" (image) or "destroy" (container).
IMAGE_CHANGES = frozenset({"pull", "tag", "untag", "delete", "remove", "import", "load", "build"})


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
        return self.type == "container" and self.action in ("create", "destroy", "remove")


def _text(response: requests.Response) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    read = read_some(response)
    while chunk := read(64 * 1024):
        yield decoder.decode(chunk)


class EventStream:
    """The live events stream (container and image events, or `types`); `close()` ends it from
    any thread."""

    def __init__(
        self,
        api: docker.APIClient,
        since: int | None = None,
        types: Sequence[str] = ("container", "image"),
    ) -> None:
        params: dict[str, object] = {"filters": json.dumps({"type": list(types)})}
        if since is not None:
            params["since"] = since
        # No read timeout: an idle engine sends nothing for as long as nothing happens.
        self._response = open_engine_stream(api, "/events", params, None)
        self._stream = CancellableStream(json_stream(_text(self._response)), self._response)

    def __iter__(self) -> Iterator[EngineEvent]:
        for raw in self._stream:
            if isinstance(raw, Mapping):
                yield EngineEvent.from_raw(raw)

    def close(self) -> None:
        """Stop the stream."""
        close_response(self._response)
