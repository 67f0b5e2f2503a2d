"""Start-up wiring: the one place that builds the engines' backends, the lab and the app.

The CLI resolves what to watch (`--host`, `--context`, the docker CLI's defaults) and hands it
here; the views get protocols only (a `DashboardBackend` per engine, a `LabSession`).
"""

from __future__ import annotations

from collections.abc import Sequence

from tui.engine.backend import DockerBackend
from tui.engine.contexts import EngineSpec
from tui.lab.session import DockerLab
from tui.preferences import Preferences
from tui.views.app import DEFAULTS, ContainerLabApp, create_app, run_app


def build_dashboard(
    engines: Sequence[EngineSpec],
    *,
    stats: str = "auto",
    read_only: bool = False,
    preferences: Preferences = DEFAULTS,
) -> ContainerLabApp:
    """The dashboard on these engines (the first one also runs the lab, images and lesson)."""
    backends = [DockerBackend(spec, stats=stats) for spec in engines]
    first = engines[0]
    lab = DockerLab(first.url if first.source != "default" else None)
    return create_app(backends, lab=lab, read_only=read_only, preferences=preferences)


def run_dashboard(
    engines: Sequence[EngineSpec],
    *,
    engine_args: Sequence[str] = (),
    serve: bool = False,
    port: int = 8000,
    stats: str = "auto",
    bind: str = "127.0.0.1",
    read_only: bool = False,
    max_sessions: int = 4,
    preferences: Preferences = DEFAULTS,
) -> int:
    """Run the dashboard in this terminal, or serve it to browsers (each session runs the
    same command line, `engine_args` naming the same engines)."""
    if serve:
        from tui.views.serve import serve_dashboard

        return serve_dashboard(
            engine_args=list(engine_args),
            stats=stats,
            bind=bind,
            port=port,
            max_sessions=max_sessions,
            read_only=read_only,
        )
    app = build_dashboard(engines, stats=stats, read_only=read_only, preferences=preferences)
    return run_app(app)
