"""Start-up wiring: the one place that builds the engines' backends, the lab and the app.

The CLI resolves what to watch (`--host`, `--context`, the docker CLI's defaults) and hands it
here; the views get protocols only (a `DashboardBackend` per engine, a `LabSession`).
"""

from __future__ import annotations

from collections.abc import Sequence

from tui.engine.backend import DockerBackend
from tui.engine.contexts import EngineSpec, more_engines
from tui.errors import LabError
from tui.preferences import Preferences
from tui.session import DockerLab
from tui.views.app import DEFAULTS, ContainerLabApp, run_app


class ContextOffer:
    """The docker contexts the dashboard does not watch yet, offered in its command palette."""

    def __init__(self, watched: Sequence[EngineSpec], stats: str = "auto") -> None:
        self.watched = list(watched)
        self.stats = stats

    def available(self) -> list[tuple[str, str]]:
        """(name, where it is) of each context whose engine is not watched (read afresh)."""
        return [(spec.name, f"{spec.url} ({spec.source})") for spec in self.offered()]

    def offered(self) -> list[EngineSpec]:
        """The engines on offer, from the context store as it is now."""
        return more_engines(self.watched)

    def open(self, name: str) -> DockerBackend:
        """A backend for the offered engine `name`, watched from now on."""
        spec = next((spec for spec in self.offered() if spec.name == name), None)
        if spec is None:
            raise LabError(
                f"{name} is no longer offered (watched already, or its context is gone): "
                "see `docker context ls`."
            )
        self.watched.append(spec)
        return DockerBackend(spec, stats=self.stats)


def build_dashboard(
    engines: Sequence[EngineSpec],
    *,
    stats: str = "auto",
    read_only: bool = False,
    present: bool = False,
    preferences: Preferences = DEFAULTS,
) -> ContainerLabApp:
    """The dashboard on these engines (the first one also runs the lab, images and lesson)."""
    backends = [DockerBackend(spec, stats=stats) for spec in engines]
    first = engines[0]
    lab = DockerLab(first.url if first.source != "default" else None)
    # Read-only shows the engines the command line names, and no other context of the user's.
    offer = None if read_only else ContextOffer(engines, stats=stats)
    return ContainerLabApp(
        backends,
        lab=lab,
        read_only=read_only,
        preferences=preferences,
        engine_offer=offer,
        present=present,
    )


def run_dashboard(
    engines: Sequence[EngineSpec],
    *,
    engine_args: Sequence[str] = (),
    serve: bool = False,
    port: int = 8000,
    stats: str = "auto",
    bind: str = "127.0.0.1",
    read_only: bool = False,
    present: bool = False,
    max_sessions: int = 4,
    preferences: Preferences = DEFAULTS,
) -> int:
    """Run the dashboard in this terminal, or serve it to browsers (each session runs the
    same command line, `engine_args` naming the same engines)."""
    if serve:
        from tui.serve import serve_dashboard

        return serve_dashboard(
            engine_args=list(engine_args),
            stats=stats,
            bind=bind,
            port=port,
            max_sessions=max_sessions,
            read_only=read_only,
        )
    app = build_dashboard(
        engines, stats=stats, read_only=read_only, present=present, preferences=preferences
    )
    return run_app(app)
