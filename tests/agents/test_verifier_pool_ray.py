"""The Ray verifier pool on a local Ray instance: the local backend's verdicts, tasks with the
actor's context, deadlines and dead actors."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from integrity_corpus import ATTEMPTS, THEOREMS
from ray_local import goals_after, pid_task, raise_task, ray_instance, sleep_task  # noqa: F401

from agents.verifier_context import VerifierContext
from lean_gym.backends import make_backend
from lean_gym.data import load_theorems

pytestmark = pytest.mark.usefixtures("ray_instance")


def verdict_corpus() -> list:
    """Accepted, refused by Lean and refused by the text rules, mixed."""
    bench = list(load_theorems("minilean-bench", limit=16))
    pairs = [(t, t.proof) for t in bench if t.proof]
    pairs += [(t, "rfl") for t in bench[:6]]  # wrong proofs Lean refuses
    pairs += [(THEOREMS[a.theorem], a.proof) for a in ATTEMPTS if a.policy is None][:12]
    return pairs


@pytest.fixture(scope="module")
def pool():
    from agents.verifier_pool_ray import RayVerifierPool

    with RayVerifierPool("minilean", size=2, timeout=20.0) as instance:
        yield instance


def test_the_ray_pool_gives_the_local_backends_verdicts(pool):
    pairs = verdict_corpus()
    with make_backend("minilean") as backend:
        local = backend.verify_many(pairs)
    assert any(v.ok for v in local) and any(not v.ok for v in local)
    assert {v.reason for v in local if not v.ok} > {"lean_error"}  # text rules refused some
    assert pool.verify_many(pairs) == local
    assert pool.verify_many(pairs, batch_size=5) == local


def test_tasks_get_the_actors_context(pool):
    theorem = next(t for t in load_theorems("minilean-bench") if "\n" in (t.proof or ""))
    tactics = tuple(theorem.proof.splitlines())
    items = [(theorem, tactics[:n]) for n in range(len(tactics) + 1)]
    local = VerifierContext(lambda: make_backend("minilean"))
    try:
        expected = [goals_after(local, item) for item in items]
    finally:
        local.close()
    results = pool.map(goals_after, items)
    assert [r.status for r in results] == ["ok"] * len(items)
    assert [r.value for r in results] == expected and expected[-1] == 0
    (failed,) = pool.map(raise_task, ["x"])
    assert failed.status == "error" and "ValueError: no good: x" in failed.detail
    assert set(r.value for r in pool.map(pid_task, range(8))) <= set(pool.worker_pids())


def test_a_task_past_its_deadline_is_given_up_and_its_actor_replaced(pool):
    started, timeouts = pool.actors_started, pool.timeouts
    results = pool.map(sleep_task, [30.0, 0.0, 0.0], deadline=2.0)
    assert [r.status for r in results] == ["timeout", "ok", "ok"]
    assert pool.timeouts == timeouts + 1 and pool.actors_started == started + 1
    again = pool.map(pid_task, range(4))  # the pool is whole again
    assert all(r.ok for r in again)


def test_an_actor_killed_mid_batch_loses_no_result(pool):
    started = pool.actors_started
    victim = pool.worker_pids()[0]

    def kill_soon():
        time.sleep(0.5)
        os.kill(victim, signal.SIGKILL)

    killer = threading.Thread(target=kill_soon)
    killer.start()
    results = pool.map(sleep_task, [0.4] * 8, deadline=20.0)
    killer.join()
    assert [r.status for r in results] == ["ok"] * 8
    assert pool.actors_started == started + 1 and victim not in pool.worker_pids()


def test_trainings_rewards_take_the_ray_pool_in_place_of_the_local_one(pool):
    """The drop-in: GRPO's proof and segment rewards score alike on either pool (the segment
    reward's task runs on the actors, through their context)."""
    import json

    from training import rewards  # the repository's own package: no skip
    from training.verifier_pool import VerifierPool

    theorems = [t for t in load_theorems("minilean-bench", limit=40) if "\n" in (t.proof or "")]
    completions, columns = [], {"theorem_json": [], "prefix": []}
    for theorem in theorems[:5]:
        lines = theorem.proof.splitlines()
        cases = [(theorem.proof, []), ("\n".join(lines[1:]), lines[:1]), ("rfl", []),
                 ("sorry", []), (lines[1], lines[:1])]  # fmt: skip
        for completion, prefix in cases:
            completions.append(completion)
            columns["theorem_json"].append(json.dumps(theorem.to_json()))
            columns["prefix"].append(prefix)
    with VerifierPool("minilean", size=2) as local:
        for reward in (rewards.ProofReward, rewards.SegmentReward):
            expected = reward(pool=local)(None, completions, **columns)
            assert reward(pool=pool)(None, completions, **columns) == expected
            assert 0.0 < sum(expected) < len(expected)
