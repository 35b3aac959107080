"""Training loops: segment SFT, verifier-rewarded RL, value models (they depend on agents).

One script per stage, each a dataclass of arguments parsed by TRL's ``TrlParser`` from a YAML
config (``stage:`` names it; ``lean-gym train --config C.yaml`` runs it):

* :mod:`training.sft`: segment SFT (``SFTTrainer``);
* :mod:`training.grpo`: GRPO in ``proof``, ``segment`` and ``episode`` modes (``GRPOTrainer``;
  the episode rollouts are :mod:`training.episode`), rewarded by :mod:`training.rewards`
  through a :class:`~training.verifier_pool.VerifierPool`;
* :mod:`training.value`: the ``gamma**d`` value model and :class:`~training.value.ValueModel`,
  the value callable of value-guided search and MCTS;
* :mod:`training.preferences`: step-level DPO pairs from search trees (``DPOTrainer``);
* :mod:`training.expert_iteration`, :mod:`training.quickstart` and :mod:`training.self_play`
  (conjecturer-prover rounds): the multi-stage runs (shared parts in :mod:`training.pipeline`).

Shared pieces: :mod:`training.config` (parsing, CPU flags, TensorBoard), :mod:`training.stage_args`
(the fields every stage has), :mod:`training.theorem_sets` (the train/test split by family),
:mod:`training.corpus` (replays, trajectory files, probe branches), :mod:`training.trainers` and
:mod:`training.results` (saving, the stage result). Importing this package imports no torch.
"""
