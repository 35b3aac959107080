"""The core Lean functions on ``Nat``/``Int`` that MiniLean knows by name (``Nat.gcd``, ``Int.natAbs`` ...).

An application is the expression ``("call", ("const", NAME), args)``: the same shape as an
application of a function variable, so every structural operation handles it, with the head a
constant. Each function has its signature, the argument that Lean's field notation takes as the
object (``a.gcd b`` is ``Nat.gcd a b``) and its value on numerals, which is what the kernel and
``whnf`` compute (``Nat.gcd`` is one of the kernel's accelerated ``Nat`` operations; the others
unfold to ``Nat`` arithmetic), so ``decide``, ``rfl`` and ``norm_num`` may evaluate a closed
application. ``omega`` does not: it treats every application as an atom, as Lean's does.

Definitions mirrored (Lean 4 core, ``Init/Data/Nat/Gcd.lean``, ``Init/Data/Nat/Lcm.lean``,
``Init/Data/Int/Basic.lean``, ``Init/Data/Int/Gcd.lean``): ``Nat.gcd 0 n = n``,
``Nat.lcm m n = m * n / Nat.gcd m n`` (so ``Nat.lcm 0 n = 0``), ``Int.natAbs``,
``Int.toNat`` (``0`` on negatives), ``Int.gcd m n = Nat.gcd m.natAbs n.natAbs``,
``Nat.pred 0 = 0``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from lean_gym.backends.minilean.expr import Expr


@dataclass(frozen=True)
class DataFunction:
    """A core function from numbers to a number.

    Attributes:
        name: The Lean constant (``Nat.gcd``).
        args: The sorts of its explicit arguments (``"Nat"``/``"Int"``).
        result: The sort of its value.
        evaluate: Its value on integer arguments (Lean's semantics).
    """

    name: str
    args: tuple[str, ...]
    result: str
    evaluate: Callable[..., int]

    @property
    def field(self) -> str:
        """The field name of ``x.field`` notation (the last component of the name)."""
        return self.name.rpartition(".")[2]

    @property
    def namespace(self) -> str:
        return self.name.rpartition(".")[0]


def _lcm(a: int, b: int) -> int:
    g = math.gcd(a, b)
    return 0 if g == 0 else a * b // g


DATA_FUNCTIONS: dict[str, DataFunction] = {
    f.name: f
    for f in (
        DataFunction("Nat.gcd", ("Nat", "Nat"), "Nat", math.gcd),
        DataFunction("Nat.lcm", ("Nat", "Nat"), "Nat", _lcm),
        DataFunction("Nat.pred", ("Nat",), "Nat", lambda a: max(a - 1, 0)),
        DataFunction("Int.natAbs", ("Int",), "Nat", abs),
        DataFunction("Int.toNat", ("Int",), "Nat", lambda a: max(a, 0)),
        DataFunction("Int.gcd", ("Int", "Int"), "Nat", lambda a, b: math.gcd(abs(a), abs(b))),
    )
}
"""Every function MiniLean knows, by its Lean name."""


def field_function(sort: str, field: str) -> DataFunction | None:
    """The function ``x.field`` denotes for ``x`` of sort ``sort`` (``n.gcd`` is ``Nat.gcd``)."""
    return DATA_FUNCTIONS.get(f"{sort}.{field}")


def function_of(e: Expr) -> DataFunction | None:
    """The known function an application expression applies, if it is one."""
    if e[0] == "call" and e[1][0] == "const":
        return DATA_FUNCTIONS.get(e[1][1])
    return None


def apply_function(fn: DataFunction, args: tuple[Expr, ...]) -> Expr:
    return ("call", ("const", fn.name), args)
