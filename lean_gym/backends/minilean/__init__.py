"""MiniLean: an embedded, sound prover for a documented fragment of Lean 4 core.

It speaks the leanprover-community/repl JSON protocol, in-process
(:class:`~lean_gym.backends.minilean.backend.MiniLeanBackend`, which drives
:class:`~lean_gym.backends.minilean.repl_server.MiniLeanRepl`) or as a subprocess
(``python -m lean_gym.backends.minilean``). The fragment is described in the design document,
section 4; everything outside it gets a Lean-worded error.

Reading order, from the bottom floor up (each module imports only the ones above it):

1. ``expr`` (the expression language: tuples, de Bruijn binders), ``functions`` (the core
   functions ``Nat.gcd``, ``Int.natAbs``... by name), ``goals`` (contexts and goals), ``errors``
   (``LeanFailure``), ``pretty`` (printing as Lean's delaborator does), ``messages`` (Lean's
   error wordings), ``fragment`` (the Mathlib notions refused with one named error).
2. ``syntax``: the lexer and the term / tactic / rcases-pattern parsers (the tactic parser is a
   keyword table).
3. ``arith/``: the arithmetic decision procedures (``omega``, ``decide``, ``norm_num``,
   ``simp_arith``) on a formula language of their own; ``arith.bridge`` translates goals into
   it and ``arith_view`` first rewrites what the procedures do not read (``k ∣ e``, core
   functions). ``reduce`` (definitional equality, closed evaluation) and ``simp`` (the
   rewriting engine and simp set) use ``arith.eval``.
4. ``lemmas``: the statements of the core lemmas MiniLean knows.
5. ``elab/``: the term elaborator: ``elab.core`` (with ``elab.data`` for types and ``Nat``/``Int``
   terms) plus the built-in term handlers registered by ``elab.builtins`` and ``elab.calc``. It
   runs nested ``by`` blocks through its host.
6. ``tactics/``: the tactic engine (``tactics.session``) and the tactic families, dispatched
   through the ``TACTICS`` table that every session is given.
7. ``commands`` (``theorem``, ``example``, ``import``, ``#print axioms``), ``repl_server`` (the
   REPL's JSON requests), ``backend`` (the ``ProverBackend``), ``__main__`` (the subprocess).
"""

from __future__ import annotations

# The package imports nothing: `import lean_gym.backends.minilean.expr` must not load the whole
# prover, and the modules below import each other, never the package.
