"""A cluster's plan and state file, and the contexts `up` writes and `down` removes: pure
code, no engine."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from tui.cluster.plan import (
    NODE_MEMORY,
    ClusterState,
    check_name,
    check_nodes,
    cluster_with_url,
    find_cluster,
    max_nodes,
    plan_cluster,
)
from tui.engine.contexts import read_context, remove_context, write_context
from tui.errors import LabError


def test_a_plan_names_every_node_and_its_address(tmp_path: Path):
    state = plan_cluster("lab", 3, tmp_path)
    assert state.hub == "cl-lab-hub" and not state.complete
    assert [n.namespace for n in state.nodes] == [f"cl-lab-node-{i}" for i in (1, 2, 3)]
    assert [n.address for n in state.nodes] == ["10.198.0.11", "10.198.0.12", "10.198.0.13"]
    assert [n.hostname for n in state.nodes] == ["node-1", "node-2", "node-3"]
    assert state.manager.url == f"unix://{tmp_path}/lab/node-1/docker.sock"
    assert len(str(state.manager.folder) + "/exec/containerd/containerd.sock") < 108


def test_node_counts_the_machine_cannot_hold_are_refused():
    limit = max_nodes()
    expected = min(psutil.virtual_memory().available // NODE_MEMORY, 8 * psutil.cpu_count())
    assert limit == max(1, expected)
    assert check_nodes(1) == 1 and check_nodes(limit) == limit
    for bad in (0, -3, limit + 1):
        with pytest.raises(LabError) as refused:
            check_nodes(bad)
        assert "\n" not in str(refused.value) and "--nodes" in str(refused.value)


@pytest.mark.parametrize("name", ["", "Lab", "1lab", "a-b", "averyverylongname", "x y"])
def test_names_that_do_not_fit_a_namespace_are_refused(name: str):
    with pytest.raises(LabError):
        check_name(name)


def test_the_state_file_round_trips_and_finds_its_cluster_by_url(tmp_path: Path):
    state = plan_cluster("lab", 2, tmp_path)
    Path(state.folder).mkdir(parents=True)
    state.nodes[0].pid = 4242
    state.docker_config = "/somewhere/docker"
    state.save()
    assert find_cluster("lab", tmp_path) == state
    assert find_cluster("other", tmp_path) is None
    assert cluster_with_url(state.nodes[1].url, tmp_path) is None, "an unfinished up is not one"
    state.complete = True
    state.save()
    assert cluster_with_url(state.nodes[1].url, tmp_path) == state
    assert cluster_with_url("unix:///var/run/docker.sock", tmp_path) is None
    Path(state.path).write_text("{not json")
    with pytest.raises(LabError):
        ClusterState.load(state.path)


def test_contexts_are_written_as_the_docker_cli_reads_them_and_only_ours_removed(tmp_path):
    env = {"DOCKER_CONFIG": str(tmp_path)}
    write_context("lab-node-1", "unix:///x/node-1/docker.sock", "container-lab cluster lab", env)
    spec = read_context("lab-node-1", env)
    assert spec.url == "unix:///x/node-1/docker.sock" and spec.context == "lab-node-1"
    with pytest.raises(LabError):  # never replaces one (it may be the user's)
        write_context("lab-node-1", "unix:///elsewhere.sock", "", env)
    assert not remove_context("lab-node-1", "unix:///elsewhere.sock", env), "not the one we made"
    assert remove_context("lab-node-1", "unix:///x/node-1/docker.sock", env)
    assert not remove_context("lab-node-1", "unix:///x/node-1/docker.sock", env)
