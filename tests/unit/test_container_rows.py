"""The containers pane's state without a widget: ContainerRows and its ProjectGroups.

The pane draws these; here the rows, their order, the marks, folding and the stats panel's
figures are checked as plain values (the drawn table is tests/tui/test_project_rows.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.unit.test_compose import info
from tui.engine.stats.api import StatsSample
from tui.views.containers.rows import ContainerRows
from tui.views.presentation import project_key

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def sample(cid: str, cpu: float, memory: int = 1024 * 1024) -> StatsSample:
    return StatsSample(cid, cpu, memory, 0, 0.0, 0, 0, 0, 0, 1)


def shop() -> ContainerRows:
    rows = ContainerRows(lambda: NOW, "name", False)
    web, db = info("shop_web_1", project="shop"), info("shop_db_1", "exited", project="shop")
    rows.replace([info("alone"), web, db])
    rows.groups.regroup(rows.infos.values())
    return rows


def test_projects_group_under_their_header_and_fold():
    rows = shop()
    web, db, alone = (info(n).id for n in ("shop_web_1", "shop_db_1", "alone"))
    assert rows.order() == [alone, project_key("shop"), db, web]
    rows.groups.toggle("shop")
    assert rows.order() == [alone, project_key("shop")]
    assert rows.groups.of_row(project_key("shop"), rows.infos) == "shop"
    assert rows.groups.of_row(web, rows.infos) == "shop"
    assert rows.groups.of_row(alone, rows.infos) is None
    assert set(rows.groups.member_ids("shop", rows.infos)) == {web, db}
    header = rows.cells(project_key("shop"))
    assert (str(header["name"]), str(header["state"])) == ("▶ shop", "1/2 running")


def test_cells_mark_and_indent_names_and_replace_reports_what_changed():
    rows = shop()
    web = info("shop_web_1").id
    rows.marked.add(web)
    assert rows.cells(web)["name"] == "  ✓ shop_web_1"  # ticked, under its project's header
    assert rows.cells(info("alone").id)["name"] == "alone"
    again = [info("alone"), info("shop_web_1", "exited", project="shop")]
    assert rows.replace(again) == {web}  # only the container that changed; shop_db_1 went
    assert info("shop_db_1").id not in rows.infos


def test_samples_feed_the_selection_and_the_project_sums_its_running_containers():
    rows = shop()
    web, alone = info("shop_web_1").id, info("alone").id
    assert rows.add_samples([sample(web, 10.0), sample(alone, 5.0), sample("unknown", 1.0)]) == {
        web,
        alone,
    }
    rows.add_samples([sample(web, 30.0)])
    cpu_label, _, cpu, _ = rows.selection(web)
    assert cpu_label == "shop_web_1  CPU 30.00%" and cpu == [10.0, 30.0]
    cpu_label, mem_label, cpu, _ = rows.selection(project_key("shop"))
    assert cpu_label == "shop  CPU 30.00%" and mem_label.endswith("in 1 container")
    rows.sort_column = "cpu"
    rows.groups.regroup(rows.infos.values())
    db = info("shop_db_1").id  # no figure: it sorts first, and its project's rows come with it
    assert rows.order() == [project_key("shop"), db, web, alone]
    rows.update(web, None)
    assert web not in rows.samples and web not in rows.history


def test_the_filter_matches_a_project_name_and_all_running_hides_stopped_ones():
    rows = shop()
    rows.filter_text = "shop"
    assert set(rows.order()) == {project_key("shop"), info("shop_web_1").id, info("shop_db_1").id}
    rows.filter_text, rows.show_all = "", False
    assert info("shop_db_1").id not in rows.order()
