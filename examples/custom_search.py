"""A new search algorithm in a few lines: breadth-first search, registered and run on the smoke
set with the scripted policy."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from agents.policies import make_policy
from agents.search import Budget, SearchContext, TreeSearch, make_search, register_search
from lean_gym.backends import make_backend
from lean_gym.data import load_theorems


class BreadthFirstSearch(TreeSearch):
    """States in the order found; the context does budgets, dedup, policy failures, the tree."""

    name = "breadth-first"

    def run(self, ctx: SearchContext):
        frontier = deque([(ctx.root, 0)])
        while frontier:
            if (reason := ctx.blocked()) is not None:
                return reason
            state, node = frontier.popleft()
            ctx.begin_expansion(node)
            for candidate in (ctx.propose([state], self.k) or [[]])[0]:
                step = ctx.apply(state, node, candidate.text)
                if step.end is not None:  # solved, or the budget is spent
                    return step.end
                if step.state is not None and step.new:
                    frontier.append((step.state, step.node))
        return "exhausted"


register_search("breadth-first", BreadthFirstSearch)


@dataclass
class Args:
    dataset: str = "smoke"
    budget: str = "expansions=50"
    k: int = 4


def main(args: Args) -> int:
    search, policy = make_search("breadth-first", k=args.k), make_policy("scripted")
    solved = 0
    with make_backend("minilean") as backend:
        for theorem in load_theorems(args.dataset):
            result = search.search(theorem, backend, policy, Budget.parse(args.budget))
            solved += result.solved
            print(f"{theorem.name}: solved={result.solved} expansions={result.expansions}")
    print(f"breadth-first solved {solved} theorems")
    return solved


if __name__ == "__main__":
    main(Args())
