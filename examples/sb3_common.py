"""What examples/sb3_ppo.py and examples/sb3_dqn.py share: the split, the baselines, the curve.

* :func:`bench_split`: minilean-bench's training families or its fixed test split (whole
  families held out: ``lean_gym/datasets/README.md``).
* :func:`evaluate`: one episode per test theorem, in a fixed order, for any chooser (a trained
  agent, :func:`random_chooser`: uniform over the proposed candidates, or
  :func:`first_chooser`: always the proposer's most likely candidate).
* :func:`training_callback`: a stable-baselines3 callback with a progress bar (timesteps,
  episodes, training proofs, the last test score) that evaluates on the test split every few
  steps and logs ``eval/*`` to TensorBoard; :func:`plot_curve` draws the PNG.

Run ``python examples/sb3_common.py`` to print the split and the two baselines on it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal, TypeVar

import gymnasium as gym
import numpy as np

import lean_gym  # noqa: F401  (registers the env ids)
from lean_gym.data import load_theorems
from lean_gym.envs.candidates import LeanCandidatesEnv
from lean_gym.types import Theorem

SB3_HINT = "this example needs the sb3 extra: pip install 'lean-gym[sb3]'"

T = TypeVar("T")

Chooser = Callable[[np.ndarray, LeanCandidatesEnv, np.random.Generator], int]


def bench_split(split: Literal["train", "test"], limit: int | None = None) -> list[Theorem]:
    """minilean-bench's training families (``train``) or its fixed test split (``test``).

    Args:
        split: ``train`` or ``test`` (the dataset's own split: whole families held out).
        limit: Keep every n-th theorem so that at most ``limit`` are left, spread over the
            families (None: all of them).
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    theorems = list(load_theorems("minilean-bench", split=split))
    if limit is not None and limit < len(theorems):
        stride = len(theorems) / limit
        theorems = [theorems[int(i * stride)] for i in range(limit)]
    return theorems


def make_env(theorems: Sequence[Theorem], **kwargs: Any) -> gym.Env:
    """``LeanCandidates-v0`` on the in-process MiniLean backend over ``theorems``."""
    return gym.make("LeanCandidates-v0", dataset=list(theorems), backend="minilean", **kwargs)


@dataclass(frozen=True)
class EvalResult:
    """One chooser's score on an evaluation set.

    Attributes:
        solved: Theorems proved (the proof verified).
        total: Theorems tried, one episode each.
        mean_reward: Mean episode return (penalties included).
        mean_steps: Mean episode length.
    """

    solved: int
    total: int
    mean_reward: float
    mean_steps: float

    @property
    def solved_pct(self) -> float:
        return 100.0 * self.solved / self.total if self.total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "solved_pct": self.solved_pct}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> EvalResult:
        return cls(
            int(obj["solved"]),
            int(obj["total"]),
            float(obj["mean_reward"]),
            float(obj["mean_steps"]),
        )


def random_chooser(obs: np.ndarray, env: LeanCandidatesEnv, rng: np.random.Generator) -> int:
    """Uniformly random over the proposed candidates."""
    return int(rng.choice(np.flatnonzero(env.action_masks())))


def first_chooser(obs: np.ndarray, env: LeanCandidatesEnv, rng: np.random.Generator) -> int:
    """Always the proposer's most likely candidate."""
    return env.first_action()


def agent_chooser(model: Any, *, masked: bool = False) -> Chooser:
    """A trained stable-baselines3 model's deterministic choice (with the action mask for
    sb3-contrib's MaskablePPO)."""

    def choose(obs: np.ndarray, env: LeanCandidatesEnv, rng: np.random.Generator) -> int:
        if masked:
            action, _ = model.predict(obs, deterministic=True, action_masks=env.action_masks())
        else:
            action, _ = model.predict(obs, deterministic=True)
        return int(action)

    return choose


def evaluate(env: gym.Env, choose: Chooser, *, seed: int = 0) -> EvalResult:
    """One episode per theorem of ``env``'s dataset, in dataset order, choosing with ``choose``
    (its random generator seeded with ``seed``)."""
    unwrapped = env.unwrapped
    assert isinstance(unwrapped, LeanCandidatesEnv)
    rng = np.random.default_rng(seed)
    solved, total_reward, total_steps = 0, 0.0, 0
    theorems = unwrapped.theorems
    for index in range(len(theorems)):
        obs, info = env.reset(seed=seed, options={"index": index})
        done = False
        while not done:
            obs, reward, terminated, truncated, info = env.step(choose(obs, unwrapped, rng))
            total_reward += float(reward)
            total_steps += 1
            done = terminated or truncated
        verification = info["verification"]
        solved += bool(verification is not None and verification["ok"])
    n = len(theorems)
    return EvalResult(solved, n, total_reward / n, total_steps / n)


def baselines(env: gym.Env, seeds: Sequence[int] = (0, 1, 2)) -> dict[str, EvalResult]:
    """The uniformly random chooser (the mean over ``seeds``) and the first-candidate one."""
    runs = [evaluate(env, random_chooser, seed=seed) for seed in seeds]
    n = len(runs)
    random_mean = EvalResult(
        round(sum(r.solved for r in runs) / n),
        runs[0].total,
        sum(r.mean_reward for r in runs) / n,
        sum(r.mean_steps for r in runs) / n,
    )
    return {"random": random_mean, "first": evaluate(env, first_chooser)}


def training_callback(
    evaluate_agent: Callable[[], EvalResult],
    *,
    total_timesteps: int,
    eval_every: int,
    history: list[tuple[int, EvalResult]],
    description: str,
) -> Any:
    """A stable-baselines3 callback: a progress bar with live counts, and an evaluation on the
    test split at the start, every ``eval_every`` steps and at the end (appended to
    ``history`` and logged to TensorBoard as ``eval/test_solved_pct`` and
    ``eval/test_mean_reward``)."""
    from stable_baselines3.common.callbacks import BaseCallback
    from tqdm import tqdm

    class EvalAndProgress(BaseCallback):
        def _on_training_start(self) -> None:
            self.bar = tqdm(
                total=total_timesteps,
                desc=description,
                unit="step",
                file=sys.stderr,
                mininterval=0.5,
            )
            self.episodes = 0
            self.proved = 0
            self.last_eval = -1
            self._evaluate()

        def _evaluate(self) -> None:
            if self.num_timesteps == self.last_eval:
                return
            result = evaluate_agent()
            self.last_eval = self.num_timesteps
            history.append((self.num_timesteps, result))
            self.logger.record("eval/test_solved_pct", result.solved_pct)
            self.logger.record("eval/test_mean_reward", result.mean_reward)
            if self.episodes:
                self.logger.record("train/proved_pct", 100.0 * self.proved / self.episodes)
            self.logger.dump(self.num_timesteps)
            self._postfix(result)

        def _postfix(self, result: EvalResult | None = None) -> None:
            postfix = {"episodes": self.episodes, "proved": self.proved}
            if history:
                postfix["test"] = f"{(result or history[-1][1]).solved_pct:.1f}%"
            self.bar.set_postfix(postfix, refresh=False)

        def _on_step(self) -> bool:
            self.bar.update(self.training_env.num_envs)
            for done, info in zip(self.locals["dones"], self.locals["infos"], strict=True):
                if done:
                    self.episodes += 1
                    verification = info.get("verification")
                    self.proved += bool(verification is not None and verification["ok"])
            if self.num_timesteps - self.last_eval >= eval_every:
                self._evaluate()
            else:
                self._postfix()
            return True

        def _on_training_end(self) -> None:
            self._evaluate()
            self.bar.close()

    return EvalAndProgress()


def plot_curve(
    history: Sequence[tuple[int, EvalResult]],
    reference: dict[str, EvalResult],
    path: Path,
    *,
    title: str,
) -> Path:
    """The learning curve (test solved % and mean return against training steps) with the
    baselines as horizontal lines, written to ``path`` as a PNG."""
    try:
        import matplotlib
    except ImportError:
        raise SystemExit(SB3_HINT) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [s for s, _ in history]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(steps, [r.solved_pct for _, r in history], marker="o", label="agent")
    right.plot(steps, [r.mean_reward for _, r in history], marker="o", label="agent")
    styles = {"random": ("uniformly random", "tab:red"), "first": ("first candidate", "tab:green")}
    for key, (label, colour) in styles.items():
        if key in reference:
            left.axhline(reference[key].solved_pct, ls="--", color=colour, label=label)
            right.axhline(reference[key].mean_reward, ls="--", color=colour, label=label)
    left.set(xlabel="training steps", ylabel="test theorems proved (%)")
    right.set(xlabel="training steps", ylabel="test mean episode return")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend(loc="lower right", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def results_table(label: str, agent: EvalResult, reference: dict[str, EvalResult]) -> str:
    """The markdown table of the agent against the baselines."""
    rows = [(label, agent), ("uniformly random", reference["random"])]
    rows.append(("first candidate", reference["first"]))
    lines = ["| chooser | test proved | mean return | mean steps |", "|---|---|---|---|"]
    for name, r in rows:
        lines.append(
            f"| {name} | {r.solved}/{r.total} ({r.solved_pct:.1f}%) | {r.mean_reward:.3f} | "
            f"{r.mean_steps:.1f} |"
        )
    return "\n".join(lines)


def write_results(
    out: Path,
    *,
    args: Any,
    agent: EvalResult,
    reference: dict[str, EvalResult],
    history: Sequence[tuple[int, EvalResult]],
    hyperparameters: Any = None,
) -> Path:
    """``out/results.json``: the arguments, the final scores and the curve's points."""
    path = out / "results.json"
    payload = {
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(args).items()},
        "hyperparameters": None if hyperparameters is None else asdict(hyperparameters),
        "agent": agent.to_json(),
        "baselines": {k: v.to_json() for k, v in reference.items()},
        "curve": [{"timesteps": s, **r.to_json()} for s, r in history],
    }
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


def require_sb3() -> None:
    """Exits with the install hint (one line, code 2) when stable-baselines3 is missing."""
    try:
        import stable_baselines3  # noqa: F401
    except ImportError:
        print(SB3_HINT, file=sys.stderr)
        raise SystemExit(2) from None


def check_ranges(
    args: Any,
    *,
    positive: Sequence[str] = (),
    at_least_one: Sequence[str] = (),
    non_negative: Sequence[str] = (),
    unit_interval: Sequence[str] = (),
) -> None:
    """Refuses out-of-range fields of an argument dataclass before anything runs (a
    ``ValueError`` naming the flag: the command line prints it as one line and exits 2).

    ``positive``: > 0; ``at_least_one``: >= 1; ``non_negative``: >= 0; ``unit_interval``: in
    [0, 1]. A None value (a preset's, filled in later) is not checked.
    """
    rules = [
        (positive, lambda v: v > 0, "> 0"),
        (at_least_one, lambda v: v >= 1, ">= 1"),
        (non_negative, lambda v: v >= 0, ">= 0"),
        (unit_interval, lambda v: 0 <= v <= 1, "in [0, 1]"),
    ]
    for names, ok, wanted in rules:
        for name in names:
            value = getattr(args, name)
            if value is not None and not ok(value):
                raise ValueError(f"--{name.replace('_', '-')} must be {wanted}, got {value}")


@dataclass
class RunArgs:
    """What a training example runs on, for how long, and where it writes.

    Attributes:
        full: The full run, whose curve the README shows, instead of the tiny smoke settings
            (the settings below left unset take the preset's values).
        total_timesteps: Training steps (tiny 2048, full 60000).
        eval_every: Steps between evaluations on the test split (tiny 1024, full 2000).
        test_limit: Test theorems per evaluation, spread over the families; 0 for the whole
            split (tiny 16, full 0).
        k: Candidate slots of LeanCandidates-v0.
        granularity: step (one tactic per candidate) or segment (a chain of tactics).
        max_episode_steps: Steps per episode.
        n_envs: Training envs (stable-baselines3's DummyVecEnv).
        seed: Seed of the model, the envs and the evaluation.
        device: Torch device of the model.
        torch_threads: Torch's CPU threads (1 is fastest for these small networks; more
            threads fight over the cores with the envs).
        out: Output folder: results.json, curve.png, the trained model.zip and TensorBoard
            logs in tb/ (default runs/sb3-ALGORITHM, with -full for the full run).
        curve: Also write the curve's PNG here (the README's figure is made this way).
    """

    full: bool = False
    total_timesteps: int | None = None
    eval_every: int | None = None
    test_limit: int | None = None
    k: int = 8
    granularity: Literal["step", "segment"] = "step"
    max_episode_steps: int = 20
    n_envs: int = 4
    seed: int = 0
    device: str = "cpu"
    torch_threads: int = 1
    out: Path | None = None
    curve: Path | None = None

    def __post_init__(self) -> None:
        check_ranges(
            self,
            positive=("total_timesteps", "eval_every", "k", "max_episode_steps", "n_envs"),
            at_least_one=("torch_threads",),
            non_negative=("test_limit",),
        )
        if self.out is not None and self.out.exists() and not self.out.is_dir():
            raise ValueError(f"--out {self.out} is a file; give a folder")
        if self.curve is not None and self.curve.is_dir():
            raise ValueError(f"--curve {self.curve} is a folder; give a .png file name")

    def resolved(self, algorithm: str) -> RunArgs:
        """A copy with the preset's values in the unset fields (``out``: runs/sb3-ALGORITHM,
        with -full for the full run)."""
        preset = FULL if self.full else TINY
        values = {k: v for k, v in preset.items() if getattr(self, k) is None}
        if self.out is None:
            values["out"] = Path("runs") / f"sb3-{algorithm}{'-full' if self.full else ''}"
        return replace(self, **values)


TINY = {"total_timesteps": 2048, "eval_every": 1024, "test_limit": 16}
FULL = {"total_timesteps": 60000, "eval_every": 2000, "test_limit": 0}


def run_experiment(
    run: RunArgs,
    *,
    algorithm: str,
    label: str,
    build_model: Callable[[Any, Path], Any],
    masked: bool = False,
    hyperparameters: Any = None,
) -> dict[str, Any]:
    """Trains on the training families, evaluates on the test split, writes the curve.

    Args:
        run: The resolved run arguments.
        algorithm: Short name for the output folder and TensorBoard (``ppo``, ``dqn``).
        label: The agent's row in the table (``PPO``, ``MaskablePPO``, ``DQN``).
        build_model: ``build_model(vec_env, tensorboard_dir) -> model`` (not yet trained).
        masked: Evaluate with the env's action mask (MaskablePPO).
        hyperparameters: The algorithm's argument dataclass (recorded in results.json).

    Returns:
        ``{"agent", "baselines", "history", "curve", "results"}``.
    """
    require_sb3()
    import torch
    from stable_baselines3.common.env_util import make_vec_env

    torch.set_num_threads(run.torch_threads)

    assert run.out is not None and run.total_timesteps and run.eval_every
    env_kwargs = {"k": run.k, "granularity": run.granularity}
    env_kwargs["max_episode_steps"] = run.max_episode_steps
    train = bench_split("train")
    test = bench_split("test", run.test_limit or None)
    test_env = make_env(test, **env_kwargs)
    vec_env = make_vec_env(lambda: make_env(train, **env_kwargs), n_envs=run.n_envs, seed=run.seed)
    try:
        reference = baselines(test_env)
        model = build_model(vec_env, run.out / "tb")
        history: list[tuple[int, EvalResult]] = []
        chooser = agent_chooser(model, masked=masked)
        callback = training_callback(
            lambda: evaluate(test_env, chooser, seed=run.seed),
            total_timesteps=run.total_timesteps,
            eval_every=run.eval_every,
            history=history,
            description=f"{label} on LeanCandidates-v0",
        )
        model.learn(run.total_timesteps, callback=callback, tb_log_name=algorithm)
        model.save(run.out / "model.zip")
        agent = history[-1][1]
    finally:
        vec_env.close()
        test_env.close()
    title = (
        f"{label} on LeanCandidates-v0 ({run.granularity}, k={run.k}): minilean-bench test "
        f"split ({len(test)} theorems of held-out families)"
    )
    curve = plot_curve(history, reference, run.out / "curve.png", title=title)
    if run.curve is not None:
        plot_curve(history, reference, run.curve, title=title)
    results = write_results(
        run.out,
        args=run,
        agent=agent,
        reference=reference,
        history=history,
        hyperparameters=hyperparameters,
    )
    print(results_table(f"{label} (trained {run.total_timesteps} steps)", agent, reference))
    print(f"curve: {curve}\nresults: {results}\ntensorboard --logdir {run.out / 'tb'}")
    return {
        "agent": agent,
        "baselines": reference,
        "history": history,
        "curve": curve,
        "results": results,
    }


def parse_args(algorithm_args: type[T], description: str) -> tuple[RunArgs, T]:
    """The run's and the algorithm's arguments from the command line (a refused value: one
    line on stderr and exit 2)."""
    import argparse

    from lean_gym.cli_args import add_dataclass_arguments, dataclass_from_namespace
    from lean_gym.errors import UsageError

    parser = argparse.ArgumentParser(description=description)
    add_dataclass_arguments(parser, RunArgs)
    add_dataclass_arguments(parser, algorithm_args)
    namespace = parser.parse_args()
    try:
        return (
            dataclass_from_namespace(RunArgs, namespace),
            dataclass_from_namespace(algorithm_args, namespace),
        )
    except UsageError as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")


@dataclass
class BaselineArgs:
    """Arguments of ``python examples/sb3_common.py``.

    Attributes:
        k: Candidate slots.
        granularity: step or segment.
        max_episode_steps: Steps per episode.
        test_limit: Test theorems, spread over the families; 0 for the whole split.
    """

    k: int = 8
    granularity: Literal["step", "segment"] = "step"
    max_episode_steps: int = 20
    test_limit: int = 0


def main(args: BaselineArgs) -> dict[str, EvalResult]:
    """Prints the split's sizes and families and the two baselines on the test split."""
    train, test = bench_split("train"), bench_split("test", args.test_limit or None)
    test_families = sorted({t.family or t.name for t in test})
    print(f"train: {len(train)} theorems; test: {len(test)} theorems")
    print(f"test families ({len(test_families)}): {', '.join(test_families)}")
    env = make_env(
        test, k=args.k, granularity=args.granularity, max_episode_steps=args.max_episode_steps
    )
    try:
        reference = baselines(env)
    finally:
        env.close()
    for name, result in reference.items():
        print(
            f"{name}: proved {result.solved}/{result.total} ({result.solved_pct:.1f}%), "
            f"mean return {result.mean_reward:.3f}"
        )
    return reference


if __name__ == "__main__":
    import argparse

    from lean_gym.cli_args import add_dataclass_arguments, dataclass_from_namespace

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_dataclass_arguments(parser, BaselineArgs)
    main(dataclass_from_namespace(BaselineArgs, parser.parse_args()))
