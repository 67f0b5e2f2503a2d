"""A snapshot of BaselinePane with fixed data (update with `pytest --snapshot-update`)."""

from __future__ import annotations

from test_baseline_pane import PaneApp


def test_baseline_pane_snapshot(snap_compare):
    assert snap_compare(PaneApp(), terminal_size=(120, 48))
