"""Theorem loading: sources, column formats, bad rows and the Hugging Face error paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from lean_gym.data import theorems as theorems_module
from lean_gym.data.theorems import (
    MATHLIB_HEADER,
    DatasetLoadError,
    load_theorems,
    shipped_datasets,
    theorem_from_row,
)
from lean_gym.types import Theorem

ROW_OK = {
    "name": "mathd_algebra_10",
    "formal_statement": "theorem mathd_algebra_10 (x : Nat) (h : x = 2) : x + 1 = 3 := by sorry",
    "header": "import Mathlib\nopen Real",
    "proof": "subst h\nrfl",
}


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- jsonl files


def test_jsonl_file_loads_minif2f_rows(tmp_path: Path) -> None:
    second = {"name": "t2", "formal_statement": "theorem t2 : 1 + 1 = 2 := by", "header": ""}
    path = write_jsonl(tmp_path / "t.jsonl", [json.dumps(ROW_OK), json.dumps(second)])
    loaded = load_theorems(path)
    assert [t.name for t in loaded] == ["mathd_algebra_10", "t2"]
    first = loaded[0]
    assert first.statement == "(x : Nat) (h : x = 2) : x + 1 = 3"
    assert first.header == "import Mathlib\nopen Real"
    assert first.proof == "subst h\nrfl"
    assert first.source == str(path)
    assert loaded.report.rows == 2 and loaded.report.loaded == 2 and loaded.report.ok
    # A string path works the same way.
    assert load_theorems(str(path)) == loaded


def test_bad_rows_are_reported_with_line_numbers_and_skipped(tmp_path: Path) -> None:
    lines = [
        json.dumps(ROW_OK),  # line 1
        "{not json",  # line 2
        "",  # line 3 (blank, ignored)
        json.dumps({"name": "no_statement"}),  # line 4
        json.dumps({"name": "d", "formal_statement": "def d := 1"}),  # line 5
        json.dumps([1, 2]),  # line 6
        json.dumps({"name": "ok2", "formal_statement": "theorem ok2 : True := by trivial"}),
    ]
    path = write_jsonl(tmp_path / "bad.jsonl", lines)
    with pytest.warns(UserWarning) as caught:
        loaded = load_theorems(path)
    assert [t.name for t in loaded] == ["mathd_algebra_10", "ok2"]
    # The inline proof after `:= by` is kept as the known proof.
    assert loaded[1].proof == "trivial"
    report = loaded.report
    assert [s.line for s in report.skipped] == [2, 4, 5, 6]
    assert "invalid JSON" in report.skipped[0].reason
    assert "no statement" in report.skipped[1].reason
    assert "neither a theorem declaration" in report.skipped[2].reason
    assert "not a JSON object" in report.skipped[3].reason
    message = str(caught[0].message)
    for line in (2, 4, 5, 6):
        assert f"line {line}:" in message
    assert report.rows == 6 and report.loaded == 2 and not report.ok


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(FileNotFoundError, match="nope.jsonl"):
        load_theorems(missing)
    with pytest.raises(FileNotFoundError, match="theorem file not found"):
        load_theorems(str(missing))


def test_unknown_shipped_name_lists_the_shipped_ones(monkeypatch, tmp_path: Path) -> None:
    write_jsonl(tmp_path / "tiny.jsonl", [json.dumps(ROW_OK)])
    monkeypatch.setattr(theorems_module, "_shipped_root", lambda: tmp_path)
    with pytest.raises(ValueError, match=r"unknown theorem source 'no-such-set'.*tiny"):
        load_theorems("no-such-set")


def test_shipped_name_loads_from_the_package_directory(monkeypatch, tmp_path: Path) -> None:
    rows = [json.dumps(ROW_OK), json.dumps({**ROW_OK, "name": "second"})]
    write_jsonl(tmp_path / "tiny.jsonl", rows)
    monkeypatch.setattr(theorems_module, "_shipped_root", lambda: tmp_path)
    assert shipped_datasets() == ["tiny"]
    loaded = load_theorems("tiny")
    assert [t.name for t in loaded] == ["mathd_algebra_10", "second"]
    assert loaded[0].source == "tiny"
    assert [t.name for t in load_theorems("tiny", limit=1)] == ["mathd_algebra_10"]


@pytest.mark.parametrize("name", ["smoke", "minilean-bench"])
def test_real_shipped_sets_load_cleanly(name: str) -> None:
    assert name in shipped_datasets(), f"lean_gym/datasets/{name}.jsonl is not shipped"
    loaded = load_theorems(name)
    assert len(loaded) > 0
    assert loaded.report.ok, loaded.report.summary()
    assert len({t.name for t in loaded}) == len(loaded)


def test_list_of_theorems_and_limit() -> None:
    items = [Theorem(f"t{i}", ": True") for i in range(5)]
    assert load_theorems(items) == items
    assert load_theorems(items, limit=2) == items[:2]
    with pytest.raises(ValueError, match="limit"):
        load_theorems(items, limit=-1)


def test_split_field_filters_rows(tmp_path: Path) -> None:
    rows = [
        json.dumps({**ROW_OK, "name": "a", "split": "valid"}),
        json.dumps({**ROW_OK, "name": "b", "split": "test"}),
    ]
    path = write_jsonl(tmp_path / "s.jsonl", rows)
    assert [t.name for t in load_theorems(path, split="test")] == ["b"]
    assert [t.name for t in load_theorems(path)] == ["a", "b"]


def test_duplicate_and_invalid_names_are_made_unique_and_valid() -> None:
    rows = [
        {"uuid": "3f2a-11", "formal_statement": "theorem x1 : True := by trivial"},
        {"name": "same", "formal_statement": "theorem same : True := by trivial"},
        {"name": "same", "formal_statement": "theorem same : 1 = 1 := by rfl"},
    ]
    loaded = load_theorems(rows)
    assert [t.name for t in loaded] == ["t_3f2a_11", "same", "same_2"]
    assert loaded.report.renamed == ((1, "3f2a-11", "t_3f2a_11"), (3, "same", "same_2"))


# --------------------------------------------------------------------------- column formats


def test_lean_workbook_row() -> None:
    row = {
        "id": "lean_workbook_plus_5",
        "formal_statement": "theorem lean_workbook_plus_5 (a b : ℝ) : a^2 + b^2 ≥ 2*a*b := by sorry",
        "natural_language_statement": "Prove that a^2 + b^2 >= 2ab.",
        "status": "proved",
        "proof": ["nlinarith [sq_nonneg (a - b)]"],
    }
    theorem = theorem_from_row(row, default_header=MATHLIB_HEADER)
    assert theorem.name == "lean_workbook_plus_5"
    assert theorem.statement == "(a b : ℝ) : a^2 + b^2 ≥ 2*a*b"
    assert theorem.proof == "nlinarith [sq_nonneg (a - b)]"
    assert theorem.header == MATHLIB_HEADER


def test_numina_row_takes_header_from_statement_and_proof_from_file() -> None:
    row = {
        "uuid": "0a1b-2c",
        "problem": "Show n + 0 = n.",
        "formal_statement": "import Mathlib\n\n/-- doc -/\ntheorem algebra_1 (n : ℕ) : n + 0 = n := by sorry",
        "formal_ground_truth": "import Mathlib\n\ntheorem algebra_1 (n : ℕ) : n + 0 = n := by\n  simp",
        "ground_truth_type": "complete",
    }
    theorem = theorem_from_row(row)
    assert theorem.header == "import Mathlib"
    assert theorem.statement == "(n : ℕ) : n + 0 = n"
    assert theorem.proof == "simp"
    assert theorem.name == "0a1b-2c"  # made a valid identifier by load_theorems
    assert load_theorems([row])[0].name == "t_0a1b_2c"


def test_stp_row_reads_the_fenced_prompt_and_target() -> None:
    row = {
        "prompt": "Complete the following Lean 4 code:\n\n```lean4\nimport Mathlib\nimport Aesop\n"
        "set_option maxHeartbeats 400000\n\ntheorem stp_1 (p q : Prop) (hp : p) (hq : q) : "
        "p ∧ q := by\n",
        "target": "  constructor\n  · exact hp\n  · exact hq\n```",
    }
    theorem = theorem_from_row(row)
    assert theorem.name == "stp_1"
    assert theorem.header == "import Mathlib\nimport Aesop\nset_option maxHeartbeats 400000"
    assert theorem.proof == "constructor\n· exact hp\n· exact hq"


def test_proof_with_sorry_is_dropped_but_theorem_kept() -> None:
    rows = [{**ROW_OK, "proof": "subst h\nsorry"}]
    loaded = load_theorems(rows)
    assert loaded[0].proof is None
    assert loaded.report.dropped_proofs == (1,)


def test_columns_override_detection() -> None:
    row = {"my_stmt": "theorem a1 : True := by", "title": "renamed", "pf": "trivial"}
    loaded = load_theorems(
        [row],
        columns={
            "statement": "my_stmt",
            "name": "title",
            "proof": "pf",
            "default_header": "import Foo",
        },
    )
    theorem = loaded[0]
    assert (theorem.name, theorem.proof, theorem.header) == ("renamed", "trivial", "import Foo")
    assert loaded.report.columns["statement"] == "my_stmt"
    # A column that is absent makes every row a reported skip.
    with pytest.warns(UserWarning):
        missing = load_theorems([row], columns={"statement": "formal_statement"})
    assert len(missing) == 0 and missing.report.skipped[0].line == 1
    with pytest.raises(ValueError, match="unknown key"):
        load_theorems([row], columns={"stmt": "my_stmt"})


def test_bare_statement_needs_a_name() -> None:
    theorem = theorem_from_row({"name": "b1", "statement": "(n : Nat) : n = n"})
    assert theorem.formal_statement == "theorem b1 (n : Nat) : n = n := by"
    with pytest.raises(ValueError, match="no name"):
        theorem_from_row({"statement": "(n : Nat) : n = n"})


# --------------------------------------------------------------------------- Hugging Face


def test_hf_without_datasets_installed_names_the_dataset_and_the_fix(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "datasets", None)  # makes `import datasets` fail
    with pytest.raises(DatasetLoadError) as info:
        load_theorems("someone/some-lean-set")
    message = str(info.value)
    assert "someone/some-lean-set" in message
    assert "not installed" in message and "lean-gym[train]" in message
    assert "jsonl" in message


def _fake_datasets(result=None, error: Exception | None = None) -> types.ModuleType:
    module = types.ModuleType("datasets")
    calls: list[tuple[str, str | None]] = []

    def load_dataset(name: str, split: str | None = None):
        calls.append((name, split))
        if error is not None:
            raise error
        return result if split is None else result[split]

    module.load_dataset = load_dataset  # type: ignore[attr-defined]
    module.calls = calls  # type: ignore[attr-defined]
    return module


def test_hf_missing_dataset_is_a_clear_error(monkeypatch) -> None:
    fake = _fake_datasets(error=FileNotFoundError("Couldn't find a dataset script or data"))
    monkeypatch.setitem(sys.modules, "datasets", fake)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DatasetLoadError) as info:
        load_theorems("hf:nobody/missing-set", split="test")
    message = str(info.value)
    assert "nobody/missing-set" in message and "split 'test'" in message
    assert "offline" in message
    assert "jsonl" in message and "online" in message


def test_hf_rows_use_the_column_mapping_and_splits(monkeypatch) -> None:
    rows = {
        "valid": [ROW_OK],
        "test": [
            {
                "id": "lean_workbook_1",
                "formal_statement": "theorem lean_workbook_1 : (2 : ℝ) + 2 = 4 := by sorry",
            },
            {"id": "broken"},
        ],
    }
    fake = _fake_datasets(result=rows)
    monkeypatch.setitem(sys.modules, "datasets", fake)
    with pytest.raises(DatasetLoadError, match=r"has splits \['valid', 'test'\]"):
        load_theorems("internlm/Lean-Workbook")
    with pytest.warns(UserWarning, match="line 2"):
        loaded = load_theorems("internlm/Lean-Workbook", split="test")
    assert [t.name for t in loaded] == ["lean_workbook_1"]
    assert loaded[0].header == MATHLIB_HEADER  # the Workbook carries no imports
    assert loaded[0].source == "hf:internlm/Lean-Workbook:test"
    assert loaded.report.skipped[0].line == 2
    assert fake.calls[-1] == ("internlm/Lean-Workbook", "test")


def test_hf_offline_with_the_real_library_is_a_clear_error(tmp_path: Path) -> None:
    """The real `datasets` with HF_HUB_OFFLINE=1 and an empty cache: no network, a clear error."""
    code = (
        "import sys\n"
        "from lean_gym.data.theorems import load_theorems, DatasetLoadError\n"
        "try:\n"
        "    load_theorems('lean-gym-tests/does-not-exist', split='test')\n"
        "except DatasetLoadError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(0)\n"
        "sys.exit(3)\n"
    )
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf"),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "lean-gym-tests/does-not-exist" in done.stdout
    if "not installed" not in done.stdout:
        assert "offline" in done.stdout
    assert "jsonl" in done.stdout


def test_proof_written_after_the_declaration() -> None:
    multi = "theorem x (n : Nat) : n = n := by\n  induction n with\n  | zero => rfl\n  | succ k ih => rfl"
    assert theorem_from_row({"formal_statement": multi}).proof == (
        "induction n with\n| zero => rfl\n| succ k ih => rfl"
    )
    stub = {"formal_statement": "theorem x (n : Nat) : n = n := by\n  sorry"}
    assert theorem_from_row(stub).proof is None
