"""The lean_gym Gymnasium environments, one per file.

``LeanStep-v0`` (:mod:`lean_gym.envs.step`), ``LeanSegment-v0`` (:mod:`lean_gym.envs.segment`)
and ``LeanProof-v0`` (:mod:`lean_gym.envs.proof`) share :class:`~lean_gym.envs.base.LeanEnv`.
Importing ``lean_gym`` registers the ids; this package only holds the classes.
"""

from __future__ import annotations

from lean_gym.envs.base import EnvStats, LeanEnv, RewardContext
from lean_gym.envs.proof import LeanProofEnv
from lean_gym.envs.segment import LeanSegmentEnv
from lean_gym.envs.step import LeanStepEnv

__all__ = [
    "EnvStats",
    "LeanEnv",
    "LeanProofEnv",
    "LeanSegmentEnv",
    "LeanStepEnv",
    "RewardContext",
]
