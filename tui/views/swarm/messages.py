"""Messages the Swarm tab's feed and lesson workers post (they never touch widgets)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.cluster.broadcast import Board, Watched
from tui.cluster.lesson import OrchestrationLesson
from tui.engine.swarm_feed import SwarmReport


@dataclass(eq=False)
class SwarmMessage(Message):
    """One report of the Swarm feed (tui/engine/swarm_feed.py)."""

    report: SwarmReport


@dataclass(eq=False)
class OrchestrationMessage(Message):
    """From the lesson's workers; `lesson` tells an earlier run's message from the live one's."""

    lesson: OrchestrationLesson


@dataclass(eq=False)
class LessonPhase(OrchestrationMessage):
    """The lesson moved on: a step began, said something, or was measured."""

    step: str
    text: str


@dataclass(eq=False)
class LessonSeen(OrchestrationMessage):
    """The nodes and the lesson service's tasks, now."""

    board: Board


@dataclass(eq=False)
class LessonOver(OrchestrationMessage):
    """The run ended (`error` when it failed), or (`stopped`) its service is gone."""

    error: str = ""
    stopped: bool = False


@dataclass(eq=False)
class LessonWatched(Message):
    """The lab's orchestration lesson as its runner (this dashboard or another) published it."""

    watched: Watched
