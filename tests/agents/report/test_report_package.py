"""The report's script and style sheet ship as package data, so an installed wheel writes pages."""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from report_runs import write_eval_run

REPO = Path(__file__).resolve().parents[3]
STATIC = REPO / "agents" / "report" / "static"


def test_pyproject_ships_every_static_file() -> None:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is Python 3.11+")
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["agents.report"]
    files = sorted(p.relative_to(STATIC.parent).as_posix() for p in STATIC.iterdir())
    assert files == ["static/report.css", "static/report.js"]
    for name in files:
        assert any(fnmatch.fnmatch(name, g) for g in globs), name


@pytest.mark.slow
def test_a_built_wheel_writes_a_report(tmp_path) -> None:
    pytest.importorskip("setuptools", reason="building the wheel offline needs setuptools")
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(wheels), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = wheels.glob("*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    run = write_eval_run(tmp_path / "run", names=("smoke_and_left",), unstartable=False)
    script = (
        "import agents.report, sys; from agents.report import write_report;"
        "assert agents.report.__file__.startswith(sys.argv[1]), agents.report.__file__;"
        "print(write_report(sys.argv[2]).size)"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(site), str(run)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    page = (run / "report.html").read_text(encoding="utf-8")
    assert (STATIC / "report.js").read_text(encoding="utf-8") in page
