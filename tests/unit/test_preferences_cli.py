"""`container-lab config check` and `config path`: one line per bad setting and exit 2, or what a
good file sets; the file is found under $XDG_CONFIG_HOME."""

from __future__ import annotations

import pytest

from tui.cli import build_parser, main


@pytest.fixture()
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = tmp_path / "container-lab" / "config.toml"
    path.parent.mkdir()
    return path


def test_config_path_is_under_xdg_config_home(config, capsys):
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(config)


def test_check_without_a_file_says_defaults(config, capsys):
    assert main(["config", "check"]) == 0
    assert "every setting has its default" in capsys.readouterr().out


def test_check_of_a_good_file_says_what_it_sets(config, capsys):
    config.write_text('theme = "nord"\n[containers]\nsort = "cpu"\n[keys]\nstop = "s"\n')
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{config}: ok;") and "theme nord" in out and "stop=s" in out


@pytest.mark.bad_input
def test_check_prints_each_bad_setting_on_one_line_and_exits_2(config, capsys, bad_input):
    config.write_text('theme = "nordd"\n[containers]\ncolumns = ["nam"]\n[keys]\nstpo = "s"\n')
    assert main(["config", "check"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert [line.split(":")[2] for line in lines] == ["1", "3", "5"], lines
    assert all(line.startswith(f"container-lab: {config}:") for line in lines)
    assert captured.out == ""
    for name in ("unknown theme", "unknown column", "unknown action"):
        bad_input(name)
    config.write_text("theme = \n")
    assert main(["config", "check"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"container-lab: {config}:1:") and "not valid TOML" in err
    assert "\n" not in err
    bad_input("invalid TOML")


@pytest.mark.bad_input
def test_config_without_an_action_is_one_line_and_status_2(capsys, bad_input):
    assert main(["config"]) == 2
    assert "`config check` or `config path`" in capsys.readouterr().err
    bad_input("config without an action")


def test_the_stats_flag_defaults_to_the_preferences():
    assert build_parser().parse_args([]).stats is None  # then the file's stats, else auto
    assert build_parser().parse_args(["--stats", "api"]).stats == "api"


def test_the_readme_lists_every_remappable_binding():
    import re
    from pathlib import Path

    from tui.views.keymap import dashboard_choices

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    paragraph = readme.split("Remappable bindings:")[1].split("(one id")[0]
    assert re.findall(r"`([a-z_]+)`", paragraph) == list(dashboard_choices().actions)
