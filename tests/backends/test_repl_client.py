"""Tests of the REPL client (ReplBackend) against three servers of the same protocol.

- ``fake``: tests/backends/fake_repl.py, a scripted server with fault tactics (always runs);
- ``minilean``: MiniLean's server ``python -m lean_gym.backends.minilean`` over a pipe;
- ``real``: ``lake exe repl`` in ``$LEAN_GYM_PROJECT`` (marked ``real_lean``).

The shared tests use only what all three understand: the theorem ``p ∧ q`` proved by
``constructor`` / ``exact``, and Lean's ``sleep N`` tactic to make a call hang.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

from lean_gym.backends import make_backend
from lean_gym.backends.base import (
    LEAN_INSTALL_HINT,
    BackendError,
    LeanNotFoundError,
    TheoremStartError,
)
from lean_gym.backends.repl import ReplBackend, ReplHandle, minilean_subprocess_backend
from lean_gym.backends.repl_answers import is_unknown_proof_state
from lean_gym.backends.repl_process import ReplDied, ReplProcess, ReplTimeout
from lean_gym.types import LeanError, Success, Theorem

FAKE_SERVER = str(Path(__file__).with_name("fake_repl.py"))
FAKE_COMMAND = [sys.executable, FAKE_SERVER, "--pretty", "--banner"]
MINILEAN_COMMAND = [sys.executable, "-m", "lean_gym.backends.minilean"]

AND_THM = Theorem("lean_gym_and_test", "(p q : Prop) (hp : p) (hq : q) : p ∧ q")
AND_PROOF = ("constructor", "exact hp", "exact hq")
ROOT_GOAL = "p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q"
LEFT_GOAL = "case left\np q : Prop\nhp : p\nhq : q\n⊢ p"
RIGHT_GOAL = "case right\np q : Prop\nhp : p\nhq : q\n⊢ q"
HANG = "sleep 60000"


def minilean_server_missing() -> bool:
    """True only while MiniLean's server module does not exist yet (never once it is written)."""
    try:
        return importlib.util.find_spec("lean_gym.backends.minilean.__main__") is None
    except ModuleNotFoundError as exc:
        if exc.name in ("lean_gym.backends.minilean", "lean_gym.backends.minilean.__main__"):
            return True
        raise


def real_project() -> str | None:
    project = os.environ.get("LEAN_GYM_PROJECT")
    return project if project and shutil.which("lake") else None


def make_client(kind: str, **kwargs) -> ReplBackend:
    kwargs.setdefault("tactic_timeout", 60.0)
    kwargs.setdefault("verify_timeout", 60.0)
    if kind == "fake":
        kwargs.setdefault("startup_timeout", 20.0)
        kwargs.setdefault("memory_limit_mb", 1024)
        kwargs.setdefault("supports_discard", True)
        return ReplBackend(command=FAKE_COMMAND, **kwargs)
    if kind == "minilean":
        if minilean_server_missing():
            pytest.skip("MiniLean server not importable yet (lean_gym.backends.minilean.__main__)")
        return minilean_subprocess_backend(**kwargs)
    project = real_project()
    if project is None:
        pytest.skip("real Lean needs LEAN_GYM_PROJECT (a Lake project with the REPL) and lake")
    return ReplBackend(project=project, **kwargs)


SERVERS = [
    pytest.param("fake", id="fake"),
    pytest.param("minilean", id="minilean"),
    pytest.param("real", id="real", marks=pytest.mark.real_lean),
]


@pytest.fixture(params=SERVERS)
def kind(request) -> str:
    return request.param


@pytest.fixture
def client(kind):
    backend = make_client(kind)
    yield backend
    backend.close()


def prove_stepwise(backend: ReplBackend, theorem: Theorem = AND_THM, tactics=AND_PROOF):
    state = backend.start(theorem)
    states = [state]
    for tactic in tactics:
        result = backend.run_tactic(state, tactic)
        assert isinstance(result, Success), result
        state = result.state
        states.append(state)
    return states


def wait_dead(pid: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        # A killed but unreaped child still answers kill(0); its state is 'Z'.
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(")")[-1].split()[0] == "Z":
                    return
        except OSError:
            return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} still alive")


# -- shared behaviour (fake, MiniLean, real Lean) -----------------------------------------------


def test_start_and_prove(client):
    root = client.start(AND_THM)
    assert root.pp() == ROOT_GOAL
    assert root.tactics == ()
    split = client.run_tactic(root, "constructor")
    assert isinstance(split, Success), split
    assert [g.pp() for g in split.state.goals] == [LEFT_GOAL, RIGHT_GOAL]
    left = client.run_tactic(split.state, "exact hp")
    assert isinstance(left, Success) and left.state.pp() == RIGHT_GOAL
    done = client.run_tactic(left.state, "exact hq")
    assert isinstance(done, Success)
    assert done.state.is_solved and done.state.pp() == "no goals"
    assert done.state.tactics == AND_PROOF
    assert client.stats.replays == 0


def test_errors_are_values_and_process_keeps_serving(client):
    root = client.start(AND_THM)
    pid = client.process_for_state(root)
    unknown = client.run_tactic(root, "definitely_not_a_tactic_xyz")
    assert isinstance(unknown, LeanError) and unknown.kind in ("parse", "error")
    split = client.run_tactic(root, "constructor")
    wrong = client.run_tactic(split.state, "exact hq")
    assert isinstance(wrong, LeanError) and wrong.kind == "error"
    huge = client.run_tactic(root, "exact " + "a" * 1_000_000)
    assert isinstance(huge, LeanError) and huge.kind in ("parse", "error")
    again = client.run_tactic(split.state, "exact hp")
    assert isinstance(again, Success) and again.state.pp() == RIGHT_GOAL
    assert client.process_for_state(again.state) == pid
    assert client.stats.replays == 0 and client.stats.restarts == 0


def test_bad_statement_raises_theorem_start_error(client):
    with pytest.raises(TheoremStartError) as info:
        client.start(Theorem("lean_gym_bad", "(p : Prop) : undefined_thing_xyz"))
    assert "undefined_thing_xyz" in str(info.value)
    assert client.start(AND_THM).pp() == ROOT_GOAL


def test_hanging_call_is_cut_and_old_states_replay(client):
    states = prove_stepwise(client, tactics=AND_PROOF[:2])
    old_pid = client.process_for_state(states[-1])
    started = time.monotonic()
    result = client.run_tactic(states[-1], HANG, timeout=1.0)
    assert isinstance(result, LeanError) and result.kind == "timeout", result
    assert time.monotonic() - started < 10
    wait_dead(old_pid)
    assert client.stats.timeouts == 1 and client.stats.restarts == 1
    done = client.run_tactic(states[-1], "exact hq")
    assert isinstance(done, Success) and done.state.is_solved
    assert client.stats.replays == 1 and client.stats.replayed_tactics == 2
    assert old_pid not in client.process_ids()


def test_killed_process_is_replaced_and_replayed(client):
    states = prove_stepwise(client, tactics=AND_PROOF[:2])
    pid = client.process_for_state(states[-1])
    os.kill(pid, signal.SIGKILL)
    wait_dead(pid)
    done = client.run_tactic(states[-1], "exact hq")
    assert isinstance(done, Success) and done.state.is_solved, done
    assert done.state.tactics == AND_PROOF
    assert client.stats.replays == 1 and client.stats.replayed_tactics == 2
    new_pid = client.process_for_state(done.state)
    assert new_pid is not None and new_pid != pid
    # The rebuilt state is cached: another child of the same old state needs no new replay.
    sibling = client.run_tactic(states[-1], "exact hq")
    assert isinstance(sibling, Success) and client.stats.replays == 1


def test_pickled_and_foreign_states_replay(client, kind):
    states = prove_stepwise(client, tactics=AND_PROOF[:1])
    revived = pickle.loads(pickle.dumps(states[-1]))
    assert revived.handle is None and revived == states[-1]
    result = client.run_tactic(revived, "exact hp")
    assert isinstance(result, Success) and result.state.pp() == RIGHT_GOAL
    assert client.stats.replays == 1
    other = make_client(kind)
    try:
        foreign = other.run_tactic(states[-1], "exact hp")
        assert isinstance(foreign, Success) and foreign.state.pp() == RIGHT_GOAL
        assert other.stats.replays == 1
        assert isinstance(foreign.state.handle, ReplHandle)
    finally:
        other.close()


def test_max_uses_recycles_processes(kind):
    backend = make_client(kind, max_uses=4)
    try:
        pids = set()
        for _ in range(3):
            states = prove_stepwise(backend)
            assert states[-1].is_solved
            pids.update(backend.process_ids())
        assert len(pids) >= 2
        assert backend.stats.restarts >= 1
    finally:
        backend.close()


def test_check_declaration_reports_messages_and_axioms(client):
    ok = client.check_declaration(AND_THM, AND_THM.declaration("\n".join(AND_PROOF)))
    assert ok.error is None
    assert not [m for m in ok.messages if m.severity == "error"]
    assert ok.axioms is not None and "sorryAx" not in ok.axioms
    bad = client.check_declaration(AND_THM, AND_THM.declaration("constructor\nexact hp"))
    assert bad.error is None
    assert any(m.severity == "error" and "unsolved goals" in m.data for m in bad.messages)
    assert bad.axioms is None
    cheat = client.check_declaration(AND_THM, AND_THM.declaration("sorry"))
    assert cheat.error is None and cheat.axioms is not None and "sorryAx" in cheat.axioms


def test_check_declaration_timeout_is_an_error_value(client):
    out = client.check_declaration(AND_THM, AND_THM.declaration(HANG), timeout=1.0)
    assert out.error is not None and out.error.kind == "timeout"
    again = client.check_declaration(AND_THM, AND_THM.declaration("\n".join(AND_PROOF)))
    assert again.error is None and again.axioms is not None


def test_empty_header_bodies_do_not_leak_into_each_other(client):
    """The same name declared by consecutive commands must not clash (kimina's blank header)."""
    text = AND_THM.declaration("\n".join(AND_PROOF))
    for _ in range(2):
        out = client.check_declaration(AND_THM, text)
        assert not [m for m in out.messages if m.severity == "error"], out.messages
    other = Theorem(AND_THM.name, "(p q : Prop) (hq : q) (hp : p) : q ∧ p")
    assert client.start(AND_THM).pp() == ROOT_GOAL
    assert client.start(other).pp() == "p q : Prop\nhq : q\nhp : p\n⊢ q ∧ p"


def test_close_kills_processes_and_is_idempotent(client):
    client.start(AND_THM)
    pids = client.process_ids()
    assert len(pids) == 1
    client.close()
    client.close()
    wait_dead(pids[0])
    with pytest.raises(BackendError):
        client.start(AND_THM)


# -- discard (fake and MiniLean; upstream REPL has no discard) ----------------------------------


@pytest.mark.parametrize("server", ["fake", "minilean"])
def test_discarded_state_is_rebuilt_on_next_use(server):
    backend = make_client(server)
    try:
        states = prove_stepwise(backend, tactics=AND_PROOF[:2])
        backend.discard(states[-1])
        done = backend.run_tactic(states[-1], "exact hq")
        assert isinstance(done, Success) and done.state.is_solved
        assert backend.stats.replays == 1
    finally:
        backend.close()


def fake_stats(backend: ReplBackend) -> dict:
    (proc,) = backend._processes.values()
    with proc.lock:
        return proc.request({"fake_stats": True}, 10)


def test_states_are_freed_when_collected():
    backend = make_client("fake", discard_batch=16)
    try:
        root = backend.start(AND_THM)
        for _ in range(300):
            result = backend.run_tactic(root, "constructor")
            assert isinstance(result, Success)
        failed = [backend.run_tactic(root, "fail") for _ in range(50)]
        assert all(isinstance(f, LeanError) for f in failed)
        del result, failed
        live = fake_stats(backend)["proofStates"]
        assert live <= 1 + 16 + 1, live  # root, one unsent batch, the last result
    finally:
        backend.close()


def test_without_discard_support_nothing_is_sent():
    backend = make_client("fake", supports_discard=False)
    try:
        root = backend.start(AND_THM)
        for _ in range(40):
            backend.run_tactic(root, "constructor")
        assert fake_stats(backend)["proofStates"] == 41
    finally:
        backend.close()


# -- pool and headers (fake) --------------------------------------------------------------------

FAKE_HEADER_THM = Theorem(
    "lean_gym_fake_header", "(x : FakeType) (h : x) : x", header="import Fake"
)


def test_header_env_is_reused_per_process():
    backend = make_client("fake")
    try:
        for _ in range(3):
            root = backend.start(FAKE_HEADER_THM)
            assert root.pp() == "x : FakeType\nh : x\n⊢ x"
        assert len(backend.process_ids()) == 1
        assert backend.stats.commands == 4  # one header run, three theorems
        with pytest.raises(TheoremStartError, match="FakeType"):
            backend.start(Theorem("needs_header", "(x : FakeType) : x"))
    finally:
        backend.close()


def test_pool_evicts_least_recently_used_header():
    backend = make_client("fake", pool_size=1)
    try:
        with_header = backend.start(FAKE_HEADER_THM)
        plain = backend.start(AND_THM)
        assert len(backend.process_ids()) == 1
        result = backend.run_tactic(with_header, "exact h")
        assert isinstance(result, Success) and result.state.is_solved
        assert backend.stats.replays == 1
    finally:
        backend.close()
    pooled = make_client("fake", pool_size=2)
    try:
        with_header = pooled.start(FAKE_HEADER_THM)
        plain = pooled.start(AND_THM)
        assert len(pooled.process_ids()) == 2
        assert isinstance(pooled.run_tactic(with_header, "exact h"), Success)
        assert isinstance(pooled.run_tactic(plain, "constructor"), Success)
        assert pooled.stats.replays == 0
    finally:
        pooled.close()


def test_failing_header_is_reported():
    backend = make_client("fake")
    broken = Theorem("t", "(p : Prop) (hp : p) : p", header="import NoSuchModule")
    try:
        with pytest.raises(TheoremStartError, match="NoSuchModule"):
            backend.start(broken)
        out = backend.check_declaration(broken, broken.declaration("exact hp"))
        assert out.error is not None and "NoSuchModule" in out.error.message
        assert backend.process_ids() == []
    finally:
        backend.close()


# -- faults the fake server can script -----------------------------------------------------------


def test_non_json_output_and_stderr_flood_do_not_break_framing():
    backend = make_client("fake")
    try:
        root = backend.start(AND_THM)  # the banner line came before the first answer
        noisy = backend.run_tactic(root, "garbage")
        assert isinstance(noisy, Success) and noisy.state.pp() == ROOT_GOAL
        flood = backend.run_tactic(root, "noisy")  # 1 MB on stderr
        assert isinstance(flood, Success)
        assert isinstance(backend.run_tactic(flood.state, "constructor"), Success)
        assert backend.stats.restarts == 0
    finally:
        backend.close()


def test_process_dying_on_a_tactic_gives_crash_and_recovers():
    backend = make_client("fake")
    try:
        states = prove_stepwise(backend, tactics=AND_PROOF[:1])
        died = backend.run_tactic(states[-1], "die")
        assert isinstance(died, LeanError) and died.kind == "crash"
        assert "died" in died.message
        assert backend.stats.restarts == 2  # the first death, then the retry's death
        result = backend.run_tactic(states[-1], "exact hp")
        assert isinstance(result, Success) and result.state.pp() == RIGHT_GOAL
    finally:
        backend.close()


def test_replay_failure_is_a_crash():
    backend = make_client("fake")
    try:
        root = backend.start(AND_THM)
        bogus = root.__class__(AND_THM, root.goals, ("exact nonsense",))
        result = backend.run_tactic(bogus, "constructor")
        assert isinstance(result, LeanError) and result.kind == "crash"
        assert "replay" in result.message and "exact nonsense" in result.message
    finally:
        backend.close()


def test_memory_limit_is_applied_to_the_child():
    backend = make_client("fake", memory_limit_mb=777)
    try:
        backend.start(AND_THM)
        assert fake_stats(backend)["rlimit_as"] == 777 * 1024 * 1024
    finally:
        backend.close()


# -- the raw protocol, driving the server process directly --------------------------------------

RAW_SERVERS = [pytest.param(FAKE_COMMAND, id="fake"), pytest.param(MINILEAN_COMMAND, id="minilean")]
SORRY_CMD = {"cmd": "theorem lean_gym_raw (p : Prop) (hp : p) : p := by sorry"}


@pytest.fixture(params=RAW_SERVERS)
def raw_server(request):
    # Real Lean is not driven raw: upstream's REPL exits on malformed JSON, and the client
    # only ever sends json.dumps output.
    if request.param is MINILEAN_COMMAND and minilean_server_missing():
        pytest.skip("MiniLean server not importable yet (lean_gym.backends.minilean.__main__)")
    proc = ReplProcess(request.param, header="", generation=1, memory_limit_mb=2048)
    yield proc
    proc.kill()


def assert_still_serving(proc: ReplProcess) -> None:
    answer = proc.request(SORRY_CMD, 30)
    assert answer["sorries"][0]["goal"] == "p : Prop\nhp : p\n⊢ p"


def test_raw_malformed_json_gets_error(raw_server):
    answer = raw_server.request_raw(b'{"cmd": "theorem oops\n\n', 30)
    assert isinstance(answer.get("message"), str) and "proofState" not in answer
    assert_still_serving(raw_server)


def test_raw_binary_garbage_gets_error(raw_server):
    answer = raw_server.request_raw(b"\xff\xfe\x00\x81garbage\x80\x9f\n\n", 30)
    assert isinstance(answer.get("message"), str)
    assert_still_serving(raw_server)


def test_raw_huge_tactic_and_unknown_state(raw_server):
    root = raw_server.request(SORRY_CMD, 30)["sorries"][0]["proofState"]
    huge = raw_server.request({"tactic": "exact " + "h" * 1_000_000, "proofState": root}, 60)
    assert "message" in huge or any(m["severity"] == "error" for m in huge.get("messages", []))
    unknown = raw_server.request({"tactic": "exact hp", "proofState": 987654}, 30)
    assert is_unknown_proof_state(unknown)
    assert_still_serving(raw_server)


def test_raw_timeout_and_death_are_exceptions():
    proc = ReplProcess(FAKE_COMMAND, header="", generation=1)
    try:
        root = proc.request(SORRY_CMD, 10)["sorries"][0]["proofState"]
        with pytest.raises(ReplTimeout):
            proc.request({"tactic": "hang", "proofState": root}, 0.3)
        proc.kill()
        with pytest.raises(ReplDied):
            proc.request(SORRY_CMD, 5)
    finally:
        proc.kill()


# -- construction errors ------------------------------------------------------------------------


def test_missing_lake_raises_lean_not_found(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LeanNotFoundError) as info:
        ReplBackend(project=tmp_path)
    assert "`lake` is not on PATH" in str(info.value)
    assert LEAN_INSTALL_HINT in str(info.value)
    with pytest.raises(LeanNotFoundError):
        make_backend("repl", project=str(tmp_path))


def test_project_problems_are_named(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: f"/opt/bin/{name}")
    monkeypatch.delenv("LEAN_GYM_PROJECT", raising=False)
    with pytest.raises(LeanNotFoundError, match="No Lean project given"):
        ReplBackend()
    with pytest.raises(LeanNotFoundError, match="does not exist"):
        ReplBackend(project=tmp_path / "missing")
    with pytest.raises(LeanNotFoundError, match="no lakefile"):
        ReplBackend(project=tmp_path)
    (tmp_path / "lakefile.toml").write_text('name = "p"\n')
    with pytest.raises(LeanNotFoundError, match="REPL is not built"):
        ReplBackend(project=tmp_path)
    binary = tmp_path / ".lake/packages/repl/.lake/build/bin/repl"
    binary.parent.mkdir(parents=True)
    binary.write_text("")
    backend = ReplBackend(project=tmp_path)
    assert backend._command == ["lake", "exe", "repl"]
    backend.close()


def test_unrunnable_command_raises_lean_not_found(tmp_path):
    backend = ReplBackend(command=[str(tmp_path / "no-such-repl")])
    try:
        with pytest.raises(LeanNotFoundError, match="no-such-repl"):
            backend.start(AND_THM)
    finally:
        backend.close()


def test_registry_builds_minilean_subprocess_backend():
    backend = make_backend("minilean-subprocess", tactic_timeout=5.0)
    try:
        assert isinstance(backend, ReplBackend)
        assert backend.supports_discard and backend.memory_limit_mb == 2048
        assert backend._command == MINILEAN_COMMAND
        assert backend.tactic_timeout == 5.0
    finally:
        backend.close()


def test_spinning_reader_still_detects_death_and_timeouts():
    """With the pipe polled before sleeping, hangs and deaths are still caught."""
    backend = ReplBackend(
        command=[sys.executable, FAKE_SERVER], spin_seconds=0.01, tactic_timeout=5.0
    )
    try:
        states = prove_stepwise(backend, tactics=AND_PROOF[:1])
        hung = backend.run_tactic(states[-1], HANG, timeout=0.5)
        assert isinstance(hung, LeanError) and hung.kind == "timeout"
        pid = backend.process_for_state(backend.start(AND_THM))
        os.kill(pid, signal.SIGKILL)
        done = backend.run_tactic(states[-1], "exact hp")
        assert isinstance(done, Success) and backend.stats.replays >= 1
    finally:
        backend.close()


# -- one tactic per request, discard, memory, lake env, remembered headers ----------------------


@pytest.mark.parametrize(
    "text,where", [("constructor; exact hp", "1:11"), ("constructor\nexact hp", "2:0")]
)
def test_raw_servers_take_one_tactic_per_request(raw_server, text, where):
    """As the real REPL (``runString`` parses one ``tactic``): the rest is a parse error."""
    root = raw_server.request(SORRY_CMD, 30)["sorries"][0]["proofState"]
    answer = raw_server.request({"tactic": text, "proofState": root}, 30)
    assert answer == {"message": f"Lean error:\n<input>:{where}: expected end of input"}


def test_client_sends_an_action_as_its_tactics_in_turn(client):
    root = client.start(AND_THM)
    done = client.run_tactic(root, "constructor\nexact hp\nexact hq")
    assert isinstance(done, Success) and done.state.is_solved
    assert done.state.tactics == ("constructor\nexact hp\nexact hq",)
    semi = client.run_tactic(root, "constructor; exact hp")
    assert isinstance(semi, Success) and semi.state.pp() == RIGHT_GOAL
    # A state whose path holds a multi-tactic entry replays entry by entry, split again.
    moved = pickle.loads(pickle.dumps(semi.state))
    finished = client.run_tactic(moved, "exact hq")
    assert isinstance(finished, Success) and finished.state.is_solved


def test_discard_is_turned_off_when_the_server_dies_on_it(caplog):
    """The upstream REPL cannot parse ``{"discard": ...}`` and exits; the client notices, turns
    discarding off and goes on, rebuilding the states it lost."""
    backend = ReplBackend(
        command=[*FAKE_COMMAND, "--upstream"], supports_discard=True, discard_batch=2
    )
    try:
        root = backend.start(AND_THM)
        for _ in range(4):
            assert isinstance(backend.run_tactic(root, "constructor"), Success)
        with caplog.at_level("WARNING", logger="lean_gym.backends.repl"):
            for _ in range(4):
                assert isinstance(backend.run_tactic(root, "constructor"), Success)
        assert backend.supports_discard is False
        assert "does not support discard" in caplog.text
        assert isinstance(backend.run_tactic(root, "constructor"), Success)
    finally:
        backend.close()


def test_the_default_memory_cap_fits_mathlib():
    from lean_gym.backends.repl import DEFAULT_MEMORY_LIMIT_MB

    assert DEFAULT_MEMORY_LIMIT_MB >= 12 * 1024  # import Mathlib needs > 9 GB (kimina#68)
    backend = ReplBackend(command=FAKE_COMMAND)
    try:
        backend.start(AND_THM)
        assert fake_stats(backend)["rlimit_as"] == DEFAULT_MEMORY_LIMIT_MB * 1024 * 1024
    finally:
        backend.close()


def test_a_rejected_header_is_remembered():
    backend = make_client("fake")
    broken = Theorem("t", "(p : Prop) (hp : p) : p", header="import NoSuchModule")
    try:
        for _ in range(3):
            with pytest.raises(TheoremStartError, match="NoSuchModule"):
                backend.start(broken)
        assert backend.stats.commands == 1  # one header run, not one per theorem
    finally:
        backend.close()


def _fake_lake_project(tmp_path: Path, monkeypatch, toolchain: str = "leanprover/lean4:v4.26.0"):
    spec = importlib.util.spec_from_file_location(
        "fake_lean_tools", Path(__file__).parents[1] / "fake_lean_tools.py"
    )
    assert spec is not None and spec.loader is not None
    tools = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tools)
    bin_dir = tools.install_fake_tools(tmp_path / "bin", tools=("lake",))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    project = tmp_path / "project"
    project.mkdir()
    (project / "lakefile.toml").write_text('name = "p"\n')
    (project / "lean-toolchain").write_text(toolchain + "\n")
    checkout = tmp_path / "repl"
    binary = checkout / ".lake" / "build" / "bin" / "repl"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\nexit 1\n")
    binary.chmod(0o755)
    return project, checkout, binary


def test_a_repl_built_elsewhere_runs_through_lake_env(tmp_path, monkeypatch):
    """The REPL README's "Using the REPL from another project": ``lake env PATH/repl``."""
    project, checkout, binary = _fake_lake_project(tmp_path, monkeypatch)
    (checkout / "lean-toolchain").write_text("leanprover/lean4:v4.26.0\n")
    monkeypatch.delenv("LEAN_GYM_REPL", raising=False)
    with pytest.raises(LeanNotFoundError, match="lake env PATH"):
        ReplBackend(project=project)  # nothing built in the project, no binary named
    backend = ReplBackend(project=project, repl_binary=binary, startup_timeout=30)
    try:
        assert backend._command == ["lake", "env", str(binary)]
        assert backend.start(AND_THM).pp() == ROOT_GOAL  # the fake lake runs MiniLean
    finally:
        backend.close()
    monkeypatch.setenv("LEAN_GYM_REPL", str(binary))
    from_env = ReplBackend(project=project)
    assert from_env._command == ["lake", "env", str(binary)]
    from_env.close()


def test_a_repl_binary_of_another_lean_is_refused(tmp_path, monkeypatch):
    project, checkout, binary = _fake_lake_project(tmp_path, monkeypatch)
    (checkout / "lean-toolchain").write_text("leanprover/lean4:v4.19.0\n")
    with pytest.raises(LeanNotFoundError, match="built for leanprover/lean4:v4.19.0"):
        ReplBackend(project=project, repl_binary=binary)
    with pytest.raises(LeanNotFoundError, match="does not exist"):
        ReplBackend(project=project, repl_binary=tmp_path / "nope" / "repl")
