"""One step limit for a lean_gym env, whether it is given to ``gym.make`` or to the env.

``gym.make(id, max_episode_steps=N)`` does not pass ``N`` to the env: Gymnasium keeps it for the
``TimeLimit`` wrapper it adds (and ``env.spec.max_episode_steps``). An env that enforced its own
default as well would truncate at ``min(N, default)`` while its spec said ``N``. So the ids are
registered with their env class's default as ``max_episode_steps`` (``TimeLimit(default)``
when none is given) and with :class:`SharedStepLimit` as an additional wrapper: applied by
``gym.make`` right after the ``TimeLimit``, it hands that limit to the unwrapped env, and the
env, its spec and the wrapper agree. Built directly (``LeanStepEnv(max_episode_steps=N)``),
the env enforces its own argument. ``gym.make(id, max_episode_steps=-1)`` (Gymnasium's "no
``TimeLimit``") leaves no step limit at all.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
from gymnasium.utils import RecordConstructorArgs
from gymnasium.wrappers import TimeLimit

__all__ = ["SharedStepLimit", "time_limit_of"]


def time_limit_of(env: gym.Env[Any, Any]) -> int | None:
    """The ``max_episode_steps`` of the outermost ``TimeLimit`` around ``env``, or None."""
    current: Any = env
    while isinstance(current, gym.Wrapper):
        if isinstance(current, TimeLimit):
            return int(current._max_episode_steps)
        current = current.env
    return None


class SharedStepLimit(gym.Wrapper[Any, Any, Any, Any], RecordConstructorArgs):
    """Gives the unwrapped env the limit of the ``TimeLimit`` it wraps (None: no limit).

    It changes nothing else: every call goes straight through.
    """

    def __init__(self, env: gym.Env[Any, Any]):
        RecordConstructorArgs.__init__(self)
        gym.Wrapper.__init__(self, env)
        env.unwrapped.max_episode_steps = time_limit_of(env)  # type: ignore[attr-defined]
