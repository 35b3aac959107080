#!/usr/bin/env bash
# The GPU paths in one run, on a machine with a CUDA GPU (a few minutes):
#   1. VLLMPolicy (in-process vllm.LLM) proposes tactics for a proof state;
#   2. one GRPO step with use_vllm (colocate mode) and bf16, rewarded by MiniLean;
#   3. one SFT step in bf16 on the GPU.
# Nothing is downloaded: the model is the project's tiny Qwen2 (agents.models.tiny: tokenizer
# trained locally) saved with save_pretrained, widened to a head size of 64 because vLLM's
# attention kernels do not take the tiny model's 16 (hidden 128, 2 heads, 2 layers).
#
# Setup on the GPU machine (from a checkout, ../shared beside it):
#   python3 -m venv .venv && . .venv/bin/activate
#   pip install -e ".[train,dev,vllm]"      # CUDA torch comes with vllm==0.30.0
#   bash benchmarks/gpu_check.sh [WORKDIR]
# It prints PASS/FAIL per check and exits non-zero when one failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" HF_HUB_OFFLINE=1 TRL_EXPERIMENTAL_SILENCE=1
WORK="${1:-$(mktemp -d)}"
mkdir -p "$WORK"
PY="${PYTHON:-python}"
declare -a RESULTS=()
FAILED=0

check() {  # check NAME COMMAND...: runs it with a time limit, records PASS/FAIL
    local name="$1"; shift
    echo "== $name"
    local began=$SECONDS
    if timeout 600 "$@" > "$WORK/$name.log" 2>&1; then
        RESULTS+=("PASS  $name ($((SECONDS - began)) s)")
    else
        RESULTS+=("FAIL  $name ($((SECONDS - began)) s; log: $WORK/$name.log)")
        FAILED=1
        tail -n 25 "$WORK/$name.log"
    fi
}

check environment "$PY" - <<'EOF'
import torch, trl, transformers, vllm
assert torch.cuda.is_available(), "no CUDA device"
print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))
print("trl", trl.__version__, "transformers", transformers.__version__, "vllm", vllm.__version__)
EOF

check tiny_model "$PY" - "$WORK" <<'EOF'
import sys
from pathlib import Path
from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM
from agents.models.tiny import build_tiny_model

work = Path(sys.argv[1])
tiny = build_tiny_model(work / "tiny", seed=0)
tokenizer = AutoTokenizer.from_pretrained(tiny)
config = Qwen2Config.from_pretrained(tiny)
config.hidden_size, config.num_attention_heads, config.num_key_value_heads = 128, 2, 2
config.intermediate_size = 256
model = Qwen2ForCausalLM(config)
model.generation_config = Qwen2ForCausalLM.from_pretrained(tiny).generation_config
model.save_pretrained(work / "tiny-vllm")
tokenizer.save_pretrained(work / "tiny-vllm")
print("saved", work / "tiny-vllm")
EOF

check vllm_policy "$PY" - "$WORK" <<'EOF'
import sys
from agents.policies import make_policy
from lean_gym.types import Goal, ProofState, Theorem

theorem = Theorem("and_intro_ex", "(p q : Prop) (hp : p) (hq : q) : p ∧ q")
state = ProofState(theorem, (Goal(("p q : Prop", "hp : p", "hq : q"), "p ∧ q"),))
policy = make_policy(f"vllm:{sys.argv[1]}/tiny-vllm", template="leandojo", max_new_tokens=16,
                     gpu_memory_utilization=0.3, seed=0, max_model_len=1024)
candidates = policy.propose_batch([state, state], 4)
assert len(candidates) == 2 and all(len(c) >= 1 for c in candidates), candidates
assert all(c.num_tokens > 0 and c.logprob <= 0 for cs in candidates for c in cs)
print(candidates[0][:2])
policy.close()
EOF

check grpo_vllm_colocate_bf16 "$PY" -m training.grpo \
    --config training/configs/cpu/grpo_segment.yaml \
    --model_name_or_path "$WORK/tiny-vllm" --output_dir "$WORK/grpo" \
    --theorems smoke --theorems_split all --torch_threads 0 \
    --use_cpu false --bf16 true --dtype bfloat16 \
    --use_vllm true --vllm_mode colocate --vllm_gpu_memory_utilization 0.3 \
    --vllm_max_model_length 1024 \
    --max_steps 1 --per_device_train_batch_size 8 --num_generations 4 \
    --max_completion_length 32 --report_to none

check sft_bf16 "$PY" -m training.sft \
    --config training/configs/cpu/sft.yaml \
    --model_name_or_path "$WORK/tiny-vllm" --output_dir "$WORK/sft" \
    --theorems smoke --theorems_split all --torch_threads 0 \
    --use_cpu false --bf16 true --dtype bfloat16 --max_steps 1 --report_to none

"$PY" - "$WORK" <<'EOF' || FAILED=1
import json, sys
from pathlib import Path
for stage in ("grpo", "sft"):
    path = Path(sys.argv[1]) / stage / "stage_result.json"
    if path.is_file():
        result = json.loads(path.read_text())
        print(f"{stage}: {result['steps']} step(s), metrics {result['metrics']}")
EOF

echo
printf '%s\n' "${RESULTS[@]}"
exit $FAILED
