"""A scripted fake of the Lean REPL server, for fault tests of the repl client.

Run as ``python tests/backends/fake_repl.py [--pretty] [--banner]``. It speaks the REPL's framing
(a request is JSON up to a blank line; an answer is one JSON object and a blank line) and knows a
toy logic just rich enough to drive the client: ``theorem NAME (binders) : TARGET := by sorry``
gives a proof state; tactics ``intro``, ``constructor``, ``exact``, ``assumption``, ``skip``,
``sorry`` move it. Fault tactics: ``hang`` sleeps forever, ``sleep N`` sleeps N ms, ``die`` exits
the process, ``garbage`` prints non-JSON lines before its answer, ``noisy`` writes 1 MB to stderr,
``fail`` is an error inside a normal answer; an unknown tactic is a bare ``{"message": ...}``.
Headers: ``import Fake`` provides the identifier ``FakeType``; other modules are unknown.
Extensions: ``{"discard": [ids]}`` frees proof states; ``{"fake_stats": true}`` reports counters,
the process id and its RLIMIT_AS. With ``--upstream`` there is no ``discard``: like the real
REPL (``REPL/Main.lean`` ``parse``), a request it cannot parse as a command ends the process
with ``uncaught exception: {"message": "Could not parse as a valid JSON command: ..."}``.

As the real REPL (``REPL/Snapshots.lean`` ``runString``), a tactic request is exactly one
tactic: text left after the first (``tac1; tac2``, a second line at the first one's column) is
``{"message": "Lean error:\n<input>:L:C: expected end of input"}`` at the second tactic.

This is test scaffolding, not a prover: it never decides anything about real mathematics.
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import time

KNOWN_MODULES = {"Fake"}
PRETTY = "--pretty" in sys.argv
BANNER = "--banner" in sys.argv
UPSTREAM = "--upstream" in sys.argv

envs: dict[int, dict] = {}
states: dict[int, list[dict]] = {}
counters = {"env": 0, "state": 0, "requests": 0}
out = sys.stdout.buffer


def emit(obj: dict) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=2 if PRETTY else None)
    out.write(text.encode("utf-8") + b"\n\n")
    out.flush()


def new_env(imports: frozenset, decls: dict) -> int:
    env_id = counters["env"]
    counters["env"] += 1
    envs[env_id] = {"imports": imports, "decls": decls}
    return env_id


def new_state(goals: list[dict]) -> int:
    state_id = counters["state"]
    counters["state"] += 1
    states[state_id] = goals
    return state_id


def pp_goal(goal: dict) -> str:
    lines = [f"case {goal['case']}"] if goal.get("case") else []
    lines.extend(goal["hyps"])
    lines.append(f"⊢ {goal['target']}")
    return "\n".join(lines)


def error_message(text: str, line: int = 1) -> dict:
    return {
        "severity": "error",
        "pos": {"line": line, "column": 0},
        "endPos": {"line": line, "column": 1},
        "data": text,
    }


class TacticFailure(Exception):
    pass


class UnknownTactic(Exception):
    pass


def hyp_type(goal: dict, name: str) -> str | None:
    for hyp in goal["hyps"]:
        names, _, typ = hyp.partition(" : ")
        if name in names.split():
            return typ
    return None


def split_top(target: str, op: str) -> tuple[str, str] | None:
    depth = 0
    for i, ch in enumerate(target):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and target.startswith(op, i):
            return target[:i].strip(), target[i + len(op) :].strip()
    return None


def run_tactic(goals: list[dict], tactic: str) -> list[dict]:
    """Returns the new goal list or raises TacticFailure / UnknownTactic."""
    tactic = tactic.strip()
    word, _, arg = tactic.partition(" ")
    if word == "hang":
        while True:
            time.sleep(3600)
    if word == "die":
        os._exit(3)
    if word == "sleep":
        time.sleep(int(arg) / 1000)
        return goals
    if word == "garbage":
        out.write(b"garbage line one\n{ not json\n\nmore garbage before the answer\n")
        out.flush()
        return goals
    if word == "noisy":
        sys.stderr.write("x" * (1 << 20))
        sys.stderr.flush()
        return goals
    if word == "skip":
        return goals
    if word == "fail":
        raise TacticFailure("fake failure")
    if not goals:
        raise TacticFailure("no goals to be proved")
    goal, rest = goals[0], goals[1:]
    if word == "sorry":
        return rest
    if word == "intro":
        names = arg.split()
        if not names:
            raise TacticFailure("intro needs a name in this fake")
        new = dict(goal, hyps=list(goal["hyps"]))
        for name in names:
            parts = split_top(new["target"], "→")
            if parts is None:
                raise TacticFailure(
                    "no additional binders or let bindings in the goal to introduce"
                )
            new["hyps"].append(f"{name} : {parts[0]}")
            new["target"] = parts[1]
        return [new, *rest]
    if word == "constructor":
        for op, tags in (("∧", ("left", "right")), ("↔", ("mp", "mpr"))):
            parts = split_top(goal["target"], op)
            if parts is not None:
                a, b = parts
                if op == "↔":
                    a, b = f"{a} → {b}", f"{b} → {a}"
                return [
                    {"case": tags[0], "hyps": goal["hyps"], "target": a},
                    {"case": tags[1], "hyps": goal["hyps"], "target": b},
                    *rest,
                ]
        raise TacticFailure("tactic 'constructor' failed, target is not an inductive datatype")
    if word == "exact":
        typ = hyp_type(goal, arg.strip())
        if typ is None:
            raise TacticFailure(f"unknown identifier '{arg.strip()}'")
        if typ != goal["target"]:
            raise TacticFailure(f"type mismatch\n  {arg.strip()}\nhas type\n  {typ}")
        return rest
    if word == "assumption":
        for hyp in goal["hyps"]:
            if hyp.partition(" : ")[2] == goal["target"]:
                return rest
        raise TacticFailure("tactic 'assumption' failed")
    raise UnknownTactic(tactic)


def parse_statement(statement: str) -> dict:
    hyps = []
    rest = statement.strip()
    while rest.startswith("("):
        depth, end = 0, len(rest) - 1
        for index, ch in enumerate(rest):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0:
                end = index
                break
        hyps.append(rest[1:end].strip())
        rest = rest[end + 1 :].strip()
    if not rest.startswith(":"):
        raise TacticFailure("unexpected token; expected ':'")
    return {"case": None, "hyps": hyps, "target": rest[1:].strip()}


def run_command(request: dict) -> dict:
    text = request["cmd"]
    env_id = request.get("env")
    lines = [
        line for line in text.split("\n") if line.strip() and not line.strip().startswith("--")
    ]
    imports = [line.split()[1] for line in lines if line.startswith("import ")]
    body = [line for line in lines if not line.startswith("import ")]
    if env_id is None:
        base_imports, decls = frozenset(), {}
    else:
        if env_id not in envs:
            return {"message": "Unknown environment."}
        base_imports, decls = envs[env_id]["imports"], dict(envs[env_id]["decls"])
        if imports:
            return {
                "env": new_env(base_imports, decls),
                "messages": [
                    error_message(
                        "invalid 'import' command, it must be used in the beginning of the file"
                    )
                ],
            }
    for module in imports:
        if module not in KNOWN_MODULES:
            return {
                "env": new_env(base_imports, decls),
                "messages": [error_message(f"unknown module prefix '{module}'")],
            }
    all_imports = base_imports | frozenset(imports)
    text_body = "\n".join(body)
    messages: list[dict] = []
    sorries: list[dict] = []
    if text_body.startswith("#print axioms"):
        # `_root_.n` is the root constant n; Lean prints the resolved name.
        name = text_body.split()[2].removeprefix("_root_.")
        if name not in decls:
            messages.append(error_message(f"unknown constant '{name}'"))
        elif decls[name]:
            axioms = ", ".join(decls[name])
            messages.append(
                {
                    "severity": "info",
                    "pos": {"line": 1, "column": 0},
                    "data": f"'{name}' depends on axioms: [{axioms}]",
                }
            )
        else:
            messages.append(
                {
                    "severity": "info",
                    "pos": {"line": 1, "column": 0},
                    "data": f"'{name}' does not depend on any axioms",
                }
            )
    elif text_body.startswith("theorem"):
        m = re.match(r"theorem\s+(\S+)\s+(.*?):=\s*by\b(.*)$", text_body, re.S)
        if m is None:
            return {"message": "Lean error:\n<input>:1:0: unexpected token"}
        name, statement, proof = m.group(1), m.group(2), m.group(3)
        if name in decls:
            messages.append(error_message(f"'{name}' has already been declared"))
        elif "FakeType" in statement and "Fake" not in all_imports:
            messages.append(error_message("unknown identifier 'FakeType'"))
        elif "undefined_" in statement:
            word = re.search(r"undefined_\w*", statement).group(0)
            messages.append(error_message(f"unknown identifier '{word}'"))
        else:
            try:
                goal = parse_statement(statement)
            except TacticFailure as exc:
                return {"message": f"Lean error:\n<input>:1:0: {exc}"}
            if proof.strip() == "sorry":
                sorries.append(
                    {
                        "proofState": new_state([goal]),
                        "pos": {"line": 1, "column": 0},
                        "endPos": {"line": 1, "column": 5},
                        "goal": pp_goal(goal),
                    }
                )
                messages.append(
                    {
                        "severity": "warning",
                        "pos": {"line": 1, "column": 8},
                        "data": "declaration uses 'sorry'",
                    }
                )
                decls[name] = ["sorryAx"]
            else:
                goals = [goal]
                failed = False
                for tactic in [t for t in proof.split("\n") if t.strip()]:
                    try:
                        goals = run_tactic(goals, tactic)
                    except (TacticFailure, UnknownTactic) as exc:
                        messages.append(error_message(str(exc)))
                        failed = True
                        break
                if not failed and goals:
                    messages.append(
                        error_message("unsolved goals\n" + "\n\n".join(pp_goal(g) for g in goals))
                    )
                decls[name] = ["propext"] if not messages else ["sorryAx"]
    elif text_body.strip() and not text_body.startswith("open "):
        return {"message": f"Lean error:\n<input>:1:0: unexpected command {text_body[:40]!r}"}
    response: dict = {"env": new_env(all_imports, decls)}
    if messages:
        response["messages"] = messages
    if sorries:
        response["sorries"] = sorries
    return response


def second_tactic_at(text: str) -> tuple[int, int] | None:
    """(line, column) of text left after the first tactic: a top-level ``;`` (not ``<;>``) or a
    later line that starts at or left of the first tactic's column."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None
    col = len(lines[first]) - len(lines[first].lstrip())
    for i, line in enumerate(lines[first:], start=first):
        j = 0
        while j < len(line):
            if line.startswith("<;>", j):
                j += 3
                continue
            if line[j] == ";":
                return i + 1, j
            j += 1
        nxt = i + 1
        if nxt < len(lines) and lines[nxt].strip():
            indent = len(lines[nxt]) - len(lines[nxt].lstrip())
            if indent <= col:
                return nxt + 1, indent
    return None


def run_proof_step(request: dict) -> dict:
    state_id = request["proofState"]
    if not isinstance(state_id, int) or state_id not in states:
        return {"message": "Unknown proof state."}
    extra = second_tactic_at(str(request["tactic"]))
    if extra is not None:
        return {"message": f"Lean error:\n<input>:{extra[0]}:{extra[1]}: expected end of input"}
    goals = states[state_id]
    try:
        new_goals = run_tactic(goals, str(request["tactic"]))
    except UnknownTactic:
        return {"message": "Lean error:\n<input>:1:0: unknown tactic"}
    except TacticFailure as exc:
        return {
            "proofState": new_state(goals),
            "goals": [pp_goal(g) for g in goals],
            "messages": [error_message(str(exc), line=0)],
            "proofStatus": "Incomplete: open goals remain",
        }
    status = "Completed" if not new_goals else "Incomplete: open goals remain"
    return {
        "proofState": new_state(new_goals),
        "goals": [pp_goal(g) for g in new_goals],
        "proofStatus": status,
    }


def answer(raw: bytes) -> dict:
    try:
        request = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        return {"message": f"Could not parse JSON:\n{exc}"}
    if not isinstance(request, dict):
        return {"message": "Could not parse as a valid JSON command:\nnot an object"}
    if "fake_stats" in request:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        return {
            "proofStates": len(states),
            "envs": len(envs),
            "requests": counters["requests"],
            "pid": os.getpid(),
            "rlimit_as": soft,
        }
    if "discard" in request and UPSTREAM:
        text = json.dumps({"message": "Could not parse as a valid JSON command:\nno 'cmd'"})
        sys.stderr.write(f"uncaught exception: {text}\n")
        sys.stderr.flush()
        sys.exit(1)
    if "discard" in request:
        ids = request["discard"]
        freed = sum(1 for i in ids if states.pop(i, None) is not None)
        return {"discarded": freed}
    if "tactic" in request and "proofState" in request:
        return run_proof_step(request)
    if isinstance(request.get("cmd"), str):
        return run_command(request)
    return {"message": "Could not parse as a valid JSON command:\nno 'cmd' or 'tactic' field"}


def main() -> None:
    stdin = sys.stdin.buffer
    if BANNER:
        out.write(b"fake REPL: this banner is not JSON\n")
        out.flush()
    while True:
        lines: list[bytes] = []
        while True:
            line = stdin.readline()
            if not line:
                return
            if not line.strip():
                break
            lines.append(line.rstrip(b"\r\n"))
        if not lines:
            continue
        counters["requests"] += 1
        emit(answer(b"\n".join(lines)))


if __name__ == "__main__":
    main()
