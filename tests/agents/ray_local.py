"""A local Ray instance for the Ray tests, and the fakes its worker processes load.

The instance has 2 CPUs, no dashboard and listens on 127.0.0.1 only (Ray's loopback switch is
set before ``ray`` is first imported); it is started once per test session by the first test
that needs it and stopped at the end. Its workers find this folder on ``PYTHONPATH`` and run
:func:`register_fakes` as Ray's ``worker_process_setup_hook``, so a test can name the policy
``killer:NAME`` (the scripted policy, except that it kills its own process on theorem NAME) in
the eval arguments an actor builds from.

Without Ray the tests skip, except under ``LEAN_GYM_REQUIRE_RAY=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from agents.policies import register_policy
from agents.policies.base import Candidate, PolicyBase
from agents.policies.scripted import ScriptedPolicy
from agents.ray_session import LOOPBACK_ENV

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def require_ray() -> Any:
    """``ray``, or a skip (a failure under ``LEAN_GYM_REQUIRE_RAY=1``) when it is missing."""
    os.environ.setdefault(LOOPBACK_ENV, "0")  # before ray is first imported
    try:
        import ray
    except ImportError:
        if os.environ.get("LEAN_GYM_REQUIRE_RAY") == "1":
            pytest.fail(
                "LEAN_GYM_REQUIRE_RAY=1 but Ray is not installed: pip install 'lean-gym[ray]'"
            )
        pytest.skip("Ray is not installed: pip install 'lean-gym[ray]'")
    return ray


@pytest.fixture(scope="session")
def ray_instance() -> Any:
    """A Ray instance on this machine for the whole session (2 CPUs, loopback only)."""
    ray = require_ray()
    if ray.is_initialized():
        yield ray
        return
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), str(HERE), saved) if p)
    try:
        ray.init(
            num_cpus=2,
            include_dashboard=False,
            object_store_memory=100 * 1024 * 1024,
            log_to_driver=False,
            namespace="lean-gym-tests",
            runtime_env={"worker_process_setup_hook": "ray_local.register_fakes"},
        )
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    node = ray.nodes()[0]["NodeManagerAddress"]
    assert node == "127.0.0.1", f"the test instance listens on {node}, not on loopback"
    yield ray
    ray.shutdown()


class KillerPolicy(PolicyBase):
    """The scripted policy, except that its process dies (``os._exit``) on theorem ``name``,
    as a segfault or the OOM killer would end a worker."""

    def __init__(self, name: str, granularity: str = "step", **kwargs: Any):
        self.name = name
        self.inner = ScriptedPolicy(granularity=granularity)

    def propose(self, state: Any, k: int) -> list[Candidate]:
        if state.theorem.name == self.name:
            os._exit(17)
        return self.inner.propose(state, k)


def register_fakes() -> None:
    """Ray's worker_process_setup_hook for the test instance (and the tests' own process)."""
    register_policy("killer", "ray_local:KillerPolicy")


# Verifier pool tasks (module-level: they travel to the actors by name).


def pid_task(context: Any, item: Any) -> int:
    return os.getpid()


def sleep_task(context: Any, seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def raise_task(context: Any, item: Any) -> Any:
    raise ValueError(f"no good: {item}")


def goals_after(context: Any, item: tuple[Any, tuple[str, ...]]) -> int | str:
    """The goals left after ``tactics`` from the theorem's root (a segment reward's shape)."""
    theorem, tactics = item
    state = context.start_state(theorem, tactics)
    return state.num_goals if hasattr(state, "num_goals") else f"error: {state.message}"
