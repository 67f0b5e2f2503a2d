"""Messages the thread workers post back to the app (workers never touch widgets)."""

from __future__ import annotations

from textual.message import Message

from tui.engine.containers import ContainerInfo
from tui.engine.events import EngineEvent
from tui.engine.footprint import ContainerFootprint
from tui.engine.images import ImageInfo, Layer


class EngineUp(Message):
    """The engine answered; the lists can load."""


class EngineDown(Message):
    """No engine answers: `reason` says what was tried and how to start one."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class EngineLost(Message):
    """A stream ended and the engine did not answer a ping."""


class ContainersLoaded(Message):
    """The full container list."""

    def __init__(self, containers: list[ContainerInfo]) -> None:
        super().__init__()
        self.containers = containers


class ContainerChanged(Message):
    """One container changed; `info` is None when it was removed."""

    def __init__(self, container_id: str, info: ContainerInfo | None) -> None:
        super().__init__()
        self.container_id = container_id
        self.info = info


class ImagesLoaded(Message):
    """The full image list."""

    def __init__(self, images: list[ImageInfo]) -> None:
        super().__init__()
        self.images = images


class HistoryLoaded(Message):
    """The layers of one image."""

    def __init__(self, image_id: str, layers: list[Layer]) -> None:
        super().__init__()
        self.image_id = image_id
        self.layers = layers


class EventReceived(Message):
    """One engine event."""

    def __init__(self, event: EngineEvent) -> None:
        super().__init__()
        self.event = event


class EventsEnded(Message):
    """The events stream ended; `engine_up` is the answer to the ping that followed."""

    def __init__(self, engine_up: bool) -> None:
        super().__init__()
        self.engine_up = engine_up


class StatsWaiting(Message):
    """Stats samples wait in the app's inbox (posted when the first one finds it empty)."""


class ActionDone(Message):
    """A container or image action finished (or failed with `error`)."""

    def __init__(self, what: str, target: str, error: str = "") -> None:
        super().__init__()
        self.what = what
        self.target = target
        self.error = error


class FootprintsLoaded(Message):
    """Footprints of the running containers, for the VM baseline."""

    def __init__(self, footprints: list[ContainerFootprint]) -> None:
        super().__init__()
        self.footprints = footprints


class StatsStalledMessage(Message):
    """A container's stats stream stayed silent past its bound."""

    def __init__(self, container_id: str, reason: str) -> None:
        super().__init__()
        self.container_id = container_id
        self.reason = reason
