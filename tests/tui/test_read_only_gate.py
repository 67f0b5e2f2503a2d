"""Read-only mode as one gate, deny by default (issue 21, item 1), on fixed data.

Every action any binding of the dashboard names (its own and Textual's widgets' in it, on every
screen) is declared safe or refused; a read-only app runs the safe ones only, whatever the way
in (key, footer, palette, markup link: all go through App.run_action); the palette lists only
what the gate lets through; and below the views the backend, the lab and the log files refuse
every change even when the views are bypassed. The real served dashboard is swept in
tests/integration/test_serve_read_only_sweep.py.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
from textual import actions
from textual.binding import Binding
from textual.command import CommandPalette
from textual.dom import DOMNode

from tests.integration.served_session import encoded
from tests.tui.dashboard_helpers import record_notices, settled, until
from tests.tui.fixed_backend import FixedBackend, fixed_clock
from tui.engine.actions import ContainerAction
from tui.engine.backend import BACKEND_CHANGES, BACKEND_READS, DashboardBackend, DockerBackend
from tui.engine.read_only import ReadOnlyRefused, is_read_only
from tui.session import LAB_CHANGES, LAB_READS, DockerLab, LabSession
from tui.views.app import ContainerLabApp
from tui.views.containers.actions import run_lifecycle
from tui.views.containers.detail import DetailScreen
from tui.views.inspect.screen import InspectScreen
from tui.views.logs.screen import LogsScreen
from tui.views.prune_screen import PruneScreen
from tui.views.read_only import (
    REFUSED,
    SAFE,
    SAFE_SYSTEM_COMMANDS,
    SAFE_WHEN_DELIVERED,
    GatedAction,
    action_forms,
    permits,
)
from tui.views.swarm.pane import SwarmPane
from tui.views.widgets.confirm import ConfirmScreen

Found = dict[tuple[str, str], tuple[DOMNode, str, str]]  # form -> (namespace, action, key)


def bindings_of(node: object) -> list[Binding]:
    found = []
    for cls in type(node).__mro__:
        for binding in cls.__dict__.get("BINDINGS", ()):
            found.append(binding if isinstance(binding, Binding) else Binding(*binding))
    return found


def collect(app: ContainerLabApp, found: Found) -> None:
    """Every binding of every node on the current screens (and the app's own)."""
    for screen in app.screen_stack:
        for node in [app, *screen.walk_children(with_self=True)]:
            for binding in bindings_of(node):
                destination, name, params = actions.parse(binding.action)
                target: DOMNode = {"app": app, "screen": screen}.get(destination, node)
                forms = action_forms(target, name, params)
                found.setdefault(forms, (target, binding.action, binding.key))


async def visit_everything(app: ContainerLabApp, pilot: Any) -> Found:
    """Walk the tabs and every screen, collecting the bindings in view."""
    found: Found = {}
    collect(app, found)
    for tab in ("images", "training", "baseline", "volumes", "networks", "containers"):
        await app.action_tab(tab)
        await pilot.pause()
        collect(app, found)
    target = app.containers.table.cursor_key
    assert target is not None
    info = app.containers.rows.infos[target]
    first = app.engines.first
    for screen in (
        LogsScreen(first, info, files=app.files),
        DetailScreen(info),
        InspectScreen("container", target, info.name, first.inspect),
        PruneScreen(first.prune_plans, first.prune),  # read-only never opens it
        ConfirmScreen("a question read-only mode never asks?"),
    ):
        await app.push_screen(screen)
        await pilot.pause()
        collect(app, found)
        app.pop_screen()
        await pilot.pause()
    app.action_command_palette()
    await until(pilot, lambda: CommandPalette.is_open(app))  # type: ignore[arg-type]
    collect(app, found)
    await pilot.press("escape")
    return found


async def test_every_bound_action_is_declared_safe_or_refused_and_every_key_is_typeable():
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock, read_only=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settled(pilot, 4)
        found = await visit_everything(app, pilot)
    declared = SAFE | SAFE_WHEN_DELIVERED | REFUSED.keys()
    undeclared = sorted(
        f"{exact} ({key})"
        for (bare, exact), (_, _, key) in found.items()
        if not {bare, exact} & declared
    )
    assert not undeclared, f"declare these safe or refused in tui/views/read_only.py: {undeclared}"
    assert not SAFE & REFUSED.keys()
    for _, _, keys in found.values():
        for key in keys.split(","):
            encoded(key.strip())  # the served sweep can type it (KeyError otherwise)
    assert len(found) > 100, len(found)


async def test_read_only_runs_the_safe_actions_only_whatever_calls_run_action():
    backend = FixedBackend()
    app = ContainerLabApp(backend, clock=fixed_clock, read_only=True)
    notices = record_notices(app)
    async with app.run_test(size=(140, 40)) as pilot:
        await settled(pilot, 4)
        found = await visit_everything(app, pilot)
        ran: list[str] = []
        refused = 0
        for (bare, exact), (target, action, _) in found.items():
            name = actions.parse(action)[1]
            if bare in SAFE or exact in SAFE:
                continue  # the safe ones run: the sweep and the pilot tests drive them
            method = f"action_{name}"
            original = getattr(target, method)
            setattr(target, method, lambda *_args, _e=exact: ran.append(_e))
            try:
                handled = await app.run_action(action, target)
            finally:
                if inspect.ismethod(original):
                    delattr(target, method)
            assert handled, exact  # refused, and said so: the key goes no further
            refused += 1
        await pilot.pause()
        assert ran == [], f"read-only ran {ran}"
        assert refused >= 20
        assert sum("read-only:" in n for n in notices) >= refused
        assert "read-only: saving logs on this machine is disabled" in notices  # not served
        assert backend.actions == []


async def test_the_read_only_palette_lists_only_what_the_gate_lets_through():
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock, read_only=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settled(pilot, 4)
        await app.build_tabs()  # as ctrl+p does: the tabs never shown are built first
        commands = list(app.get_system_commands(app.screen))
        titles = {command.title for command in commands}
        for command in commands:
            callback = command.callback
            if isinstance(callback, GatedAction):
                assert callback.runnable(), command.title
            else:
                assert command.title in SAFE_SYSTEM_COMMANDS, command.title
        assert {"Container logs", "Container detail", "Go to images", "Reload lists"} <= titles
        refused = {"Stop container", "Remove image", "Prune…", "Train a model", "Stop the lesson"}
        assert not refused & titles
        assert not {"Start demo containers", "Open a shell in the container", "Screenshot"} & titles
        for command in commands:  # each one listed runs: nothing changes
            if isinstance(command.callback, GatedAction) and command.title != "Filter containers":
                await command.callback()
                await pilot.pause()
        assert app.engines.first is not None


async def test_without_read_only_the_palette_runs_its_commands_through_the_same_path():
    backend = FixedBackend()
    app = ContainerLabApp(backend, clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await settled(pilot, 4)
        await app.build_tabs()  # as ctrl+p does: the tabs never shown are built first
        commands = {c.title: c.callback for c in app.get_system_commands(app.screen)}
        assert {"Stop container", "Remove image", "Prune…", "Screenshot"} <= commands.keys()
        await commands["Stop container"]()
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: len(backend.actions) == 1)


async def test_below_the_views_every_change_is_refused_when_the_gate_is_bypassed(tmp_path: Path):
    """A path around the views' gate (a button, a message, a direct call) meets the wrapped
    backend, lab and log files: each refuses with a LabError, and nothing changes."""
    backend = FixedBackend()
    app = ContainerLabApp(backend, clock=fixed_clock, lab=DockerLab(), read_only=True)
    notices = record_notices(app)
    async with app.run_test(size=(140, 40)) as pilot:
        await settled(pilot, 4)
        target = app.containers.table.cursor_key
        assert target is not None
        info = app.containers.rows.infos[target]
        run_lifecycle(app.engines, info, ContainerAction.STOP)  # what "yes" to a question calls
        await until(pilot, lambda: any("read-only: the engine" in n for n in notices))
        app.engines.feeds[backend.name].remove_image("sha256:" + "1" * 64, "some image")
        for refused in (
            lambda: app.engines.first.remove_volume("data"),
            lambda: app.engines.first.prune(app.engines.first.prune_plans()[0]),
            lambda: app.engines.first.shell_argv(target),
            lambda: app.engines.first.docker_client(),  # type: ignore[attr-defined]
            lambda: app.lab.demo("up"),  # type: ignore[union-attr]
            lambda: app.lab.create_keys(),  # type: ignore[union-attr]
            lambda: app.lab.training_run(print),  # type: ignore[union-attr]
            lambda: app.files.save_lines(tmp_path / "x.log", ["a"], overwrite=False),
        ):
            with pytest.raises(ReadOnlyRefused, match="read-only"):
                refused()
        assert app.engines.first.containers() and app.lab.has_keys() in (True, False)  # type: ignore[union-attr]
        await pilot.pause()
    assert backend.actions == []
    assert list(tmp_path.iterdir()) == []


def public_members(cls: type) -> set[str]:
    return {
        name
        for name, value in vars(cls).items()
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    }


@pytest.mark.parametrize(
    ("classes", "reads", "changes"),
    [
        ((DashboardBackend, DockerBackend), BACKEND_READS, BACKEND_CHANGES),
        ((LabSession, DockerLab), LAB_READS, LAB_CHANGES),
    ],
)
def test_every_method_below_the_views_is_declared_a_read_or_a_change(classes, reads, changes):
    """A new method of a backend or the lab is refused in read-only mode until declared; this
    makes the author say which it is (and the docstring why)."""
    protocol, real = classes
    members = public_members(protocol) | (public_members(real) & public_members(protocol))
    members |= {m for m in public_members(real) if m in reads | changes}
    assert members <= reads | changes, sorted(members - reads - changes)
    assert not reads & changes
    assert public_members(protocol) <= reads | changes


def test_permits_names_actions_by_the_class_that_defines_them():
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock, read_only=True)
    assert permits(app, "tab", ("images",), delivered=False)
    assert not permits(app, "prune", (), delivered=False)
    assert not permits(app, "screenshot", (), delivered=True)  # Textual's, not declared
    assert not permits(app, "no_such_action", (), delivered=False)


async def test_the_swarm_tabs_feed_refuses_its_actions_in_read_only_mode():
    """The Swarm tab talks to a manager through its own feed, not the backends: a read-only
    app's feed is wrapped too, so a service or node action is refused below the views."""
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock, read_only=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settled(pilot, 4)
        await app.build_tabs("swarm")  # built when first shown
        feed = app.main_screen.query_one(SwarmPane).feed
        assert feed is not None and is_read_only(feed)
        with pytest.raises(ReadOnlyRefused, match="read-only: the Swarm refused act"):
            feed.act("remove", "service-id", "web")
        with pytest.raises(ReadOnlyRefused):
            feed.manager_api()
        feed.rescan()  # reads pass
