"""FleetJudge judges a fetched list once and hands that judgement out while it is fresh."""

from __future__ import annotations

from datetime import timedelta

from shared.enums import ClusterStatus
from shared.fleet import FleetJudge, Severity
from tests.shared.builders import NOW, cluster

FETCHED = NOW - timedelta(seconds=1)


def test_the_same_fetch_within_5_s_gets_the_same_judgement() -> None:
    judge = FleetJudge()
    clusters = [cluster(cluster_id="c1", cluster_name="a")]
    first = judge.judge(None, FETCHED, clusters, NOW)
    again = judge.judge(None, FETCHED, clusters, NOW + timedelta(seconds=4))
    assert again is first
    assert again.now == NOW


def test_a_judgement_older_than_5_s_is_made_anew_for_the_time_now() -> None:
    judge = FleetJudge()
    clusters = [cluster(cluster_id="c1", cluster_name="a")]
    first = judge.judge(None, FETCHED, clusters, NOW)
    later = judge.judge(None, FETCHED, clusters, NOW + timedelta(seconds=5))
    assert later is not first
    assert later.now == NOW + timedelta(seconds=5)


def test_a_new_fetch_is_judged_anew_and_sees_what_changed() -> None:
    judge = FleetJudge()
    judge.judge(None, FETCHED, [cluster(cluster_id="c1", cluster_name="a")], NOW)
    degraded = cluster(cluster_id="c1", cluster_name="a", status=ClusterStatus.DEGRADED.value)
    judged = judge.judge(None, NOW, [degraded], NOW)
    assert [a.severity for a in judged.assessments] == [Severity.CRITICAL]


def test_each_scope_keeps_its_own_judgement_and_the_memory_is_bounded() -> None:
    judge = FleetJudge(max_scopes=2)
    a = judge.judge("proj-a", FETCHED, [cluster(cluster_id="a1", cluster_name="a")], NOW)
    b = judge.judge("proj-b", FETCHED, [cluster(cluster_id="b1", cluster_name="b")], NOW)
    assert judge.judge("proj-a", FETCHED, [], NOW) is a
    assert judge.judge("proj-b", FETCHED, [], NOW) is b
    judge.judge("proj-c", FETCHED, [], NOW)  # a third scope: the memory starts afresh
    assert judge.judge("proj-a", FETCHED, [], NOW) is not a


def test_a_judgement_is_made_for_the_time_asked_about() -> None:
    ending = cluster(cluster_id="c1", reservation_end_time=(NOW + timedelta(hours=48)).isoformat())
    [assessment] = FleetJudge().judge(None, FETCHED, [ending], NOW).assessments
    assert [f.summary for f in assessment.findings] == ["reservation ends in 48 h"]
