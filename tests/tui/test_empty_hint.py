"""An engine with no containers: the Containers tab says how to start the demo set."""

from tests.tui.dashboard_helpers import settled, until
from tests.tui.fixed_backend import FixedBackend, fixed_clock
from tui.views.app import ContainerLabApp


async def test_an_empty_engine_mentions_demo_up_and_the_hint_goes_once_a_container_appears():
    backend = FixedBackend()
    containers = backend.infos
    backend.infos = {}
    app = ContainerLabApp(backend, clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        hint = app.query_one("#containers-empty")
        await until(pilot, lambda: hint.display)
        text = str(hint.render())
        assert "./lab demo up" in text and "Start demo containers" in text
        backend.infos = containers
        app.action_reload()
        await settled(pilot, len(containers))
        assert not hint.display


async def test_no_hint_before_the_engine_answered():
    app = ContainerLabApp(FixedBackend(up=False), clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.query_one("#banner").display)
        assert not app.query_one("#containers-empty").display


async def test_the_palette_lists_the_demo_commands():
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(120, 30)):
        await app.build_tabs()  # as ctrl+p does: the tabs never shown are built first
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Start demo containers", "Remove demo containers"} <= titles
