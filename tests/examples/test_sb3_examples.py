"""examples/sb3_ppo.py and examples/sb3_dqn.py: what they write (the curve, the numbers, the
TensorBoard logs), their split, and their command-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("stable_baselines3", reason="needs the sb3 extra: pip install 'lean-gym[sb3]'")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SMALL = ["--total-timesteps", "256", "--eval-every", "128", "--test-limit", "6", "--n-envs", "2"]


def run(script: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=EXAMPLES.parent,
    )


def check_outputs(out: Path, label: str, stdout: str) -> dict:
    results = json.loads((out / "results.json").read_text())
    assert set(results["baselines"]) == {"random", "first"}
    assert results["agent"]["total"] == 6
    curve = results["curve"]
    assert [point["timesteps"] for point in curve][0] == 0
    assert len(curve) >= 3 and curve[-1]["timesteps"] >= 256
    assert (out / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "model.zip").stat().st_size > 0
    events = list((out / "tb").rglob("events.out.tfevents.*"))
    assert events, "no TensorBoard event file"
    logged = b"".join(path.read_bytes() for path in events)
    assert b"eval/test_solved_pct" in logged and b"eval/test_mean_reward" in logged
    assert f"| {label} (trained 256 steps) |" in stdout
    assert "| uniformly random |" in stdout and "| first candidate |" in stdout
    return results


@pytest.mark.parametrize(
    ("script", "extra", "label"),
    [
        ("sb3_ppo.py", [], "PPO"),
        ("sb3_ppo.py", ["--maskable"], "MaskablePPO"),
        ("sb3_dqn.py", ["--learning-starts", "64"], "DQN"),
    ],
    ids=["ppo", "maskable-ppo", "dqn"],
)
def test_example_writes_the_curve_the_numbers_and_tensorboard_logs(tmp_path, script, extra, label):
    out = tmp_path / "run"
    proc = run(script, *SMALL, *extra, "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = check_outputs(out, label, proc.stdout)
    assert results["args"]["granularity"] == "step"
    assert "episodes=" in proc.stderr  # the progress bar's live counts


def test_segment_granularity_runs(tmp_path):
    out = tmp_path / "seg"
    proc = run("sb3_ppo.py", *SMALL, "--granularity", "segment", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads((out / "results.json").read_text())["args"]["granularity"] == "segment"


def test_an_out_that_is_a_file_is_refused_before_training(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("mine")
    proc = run("sb3_ppo.py", "--out", str(taken), timeout=60)
    assert proc.returncode == 2 and "is a file" in proc.stderr and "Traceback" not in proc.stderr
    assert taken.read_text() == "mine"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--k", "0"], "--k must be > 0"),
        (["--gamma", "1.5"], "--gamma must be <= 1"),
        (["--exploration-fraction", "2"], "--exploration-fraction must be in [0, 1]"),
        (["--batch-size", "0"], "--batch-size must be > 0"),
        (["--test-limit", "-1"], "--test-limit must be >= 0"),
        (["--granularity", "proof"], "invalid choice"),
    ],
)
def test_a_command_line_mistake_is_one_error_line_and_exit_2(tmp_path, args, message):
    proc = run("sb3_dqn.py", *args, "--out", str(tmp_path / "never"), timeout=60)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1
    assert not (tmp_path / "never").exists()


def test_the_examples_use_the_datasets_fixed_split():
    from lean_gym.data import load_theorems

    sys.path.insert(0, str(EXAMPLES))
    try:
        import sb3_common
    finally:
        sys.path.remove(str(EXAMPLES))
    train, test = sb3_common.bench_split("train"), sb3_common.bench_split("test")
    assert [t.name for t in test] == [t.name for t in load_theorems("minilean-bench", split="test")]
    assert not {t.family for t in train} & {t.family for t in test}
    assert len(train) + len(test) == len(load_theorems("minilean-bench", split="all"))
    few = sb3_common.bench_split("test", 10)
    assert len(few) == 10 and len({t.family for t in few}) > 5
    with pytest.raises(ValueError, match="split"):
        sb3_common.bench_split("validation")


def test_the_readme_set_up_command_and_ci_install_the_sb3_extra():
    import re

    root = EXAMPLES.parent
    setup = (root / "README.md").read_text().split("```bash\n", 1)[1].split("\n```", 1)[0]
    install = next(part for part in setup.split(" && ") if part.startswith("pip install -e"))
    extras = install.split("[", 1)[1].split("]", 1)[0].split(",")
    assert "sb3" in extras
    assert install in (root / ".ci" / "run").read_text()
    line = re.search(r"^sb3 = \[(.*)\]$", (root / "pyproject.toml").read_text(), re.M)
    assert line, "no sb3 extra in pyproject.toml"
    names = set(re.findall(r'"([A-Za-z0-9_.-]+)', line.group(1)))
    assert {"stable-baselines3", "sb3-contrib", "tensorboard", "matplotlib"} <= names
