"""A custom agent on LeanSegment-v0: replay each theorem's known proof, a few tactics a step."""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym

import lean_gym  # noqa: F401  (registers the env ids)
from lean_gym.tactic_text import join_tactics, split_tactics


@dataclass
class Args:
    episodes: int = 5
    segment_length: int = 2


def main(args: Args) -> None:
    env = gym.make("LeanSegment-v0", dataset="smoke", backend="minilean")
    for episode in range(args.episodes):
        obs, info = env.reset(seed=episode)
        tactics = split_tactics(env.unwrapped.theorem.proof)  # the scripted policy
        n = args.segment_length
        for segment in (join_tactics(tactics[i : i + n]) for i in range(0, len(tactics), n)):
            obs, reward, terminated, truncated, info = env.step(segment)
        print(f"{info['theorem']}: reward={reward} steps={info['steps']} obs={obs!r}")
    env.close()


if __name__ == "__main__":
    main(Args())
