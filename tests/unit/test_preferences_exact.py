"""The preferences file's one-line summary and the columns check, written out whole."""

from __future__ import annotations

import pytest

from tests.unit.test_preferences import GOOD, load
from tui.preferences import ContainersView, Preferences, describe


def test_the_summary_of_a_good_file_says_every_setting(tmp_path):
    path = tmp_path / "config.toml"
    assert describe(load(tmp_path, GOOD)) == (
        f"{path}: ok; theme nord; stats api; containers sorted by cpu (reversed); "
        "columns name, state, cpu; keys stop=s, inspect=I,f5"
    )


def test_the_summary_of_an_empty_file_says_the_defaults(tmp_path):
    path = tmp_path / "config.toml"
    assert describe(load(tmp_path, "")) == (
        f"{path}: ok; theme default; stats auto; containers sorted by state; columns all; "
        "keys default"
    )
    assert describe(Preferences()) == "no preferences file at None: every setting has its default"


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("columns", "problem"),
    [
        ('["name", "cpu", "cpu"]', "a column is listed twice"),
        ('["name", "name"]', "a column is listed twice"),
        ('["cpu", "state"]', "columns must include 'name'"),
        ('["name", "gpu"]', 'unknown column "gpu"'),
        ('"name"', "columns must be a list of column names"),
    ],
)
def test_a_bad_columns_list_is_refused_in_one_line_and_all_columns_stay(
    tmp_path, bad_input, columns, problem
):
    prefs = load(tmp_path, f"[containers]\ncolumns = {columns}\n")
    assert len(prefs.errors) == 1 and "\n" not in prefs.errors[0]
    assert prefs.errors[0].startswith(f"{tmp_path / 'config.toml'}:2: {problem}; list some of ")
    assert prefs.errors[0].endswith("'name' among them (the default is used)")
    assert prefs.containers == ContainersView("state", False, ())  # by state, every column
    bad_input(f"columns = {columns}")
