"""``examples/custom_search.py``: a new algorithm in under 60 lines, registered and run."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "custom_search.py"


def test_the_example_is_short_and_proves_the_smoke_set():
    assert len(SCRIPT.read_text().splitlines()) < 60
    proc = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "breadth-first solved 13 theorems" in proc.stdout


def test_the_registered_algorithm_behaves_like_the_others(tmp_path):
    spec = importlib.util.spec_from_file_location("custom_search_example", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    from agents.search import SEARCHES, Budget, make_search
    from lean_gym.backends import make_backend
    from lean_gym.data import load_theorems

    try:
        search = make_search("breadth-first", k=4)
        from agents.policies import make_policy

        theorem = load_theorems("minilean-bench", limit=60)[-1]
        with make_backend("minilean") as backend:
            result = search.search(theorem, backend, make_policy("scripted"), Budget(expansions=2))
        assert result.expansions <= 2 and result.tree is not None
    finally:
        SEARCHES.pop("breadth-first", None)
        sys.modules.pop(spec.name, None)
