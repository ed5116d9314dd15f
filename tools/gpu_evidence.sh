#!/usr/bin/env bash
# The evidence runs of nbs/09b_paper.evidence on one lent GPU machine, in one call (see docs/experiments/README.md):
#  1. the GPU tests (tests/test_cuda.py tests/test_cache.py tests/test_train_cli.py) in the background -> $OUT/pytest.txt
#  2. make-run scale, validation identities (--val-ids 0.2, 23 epochs): ATL and six adversary recipes, seeds 0-2
#     (then 3-4 if time is left) -> runs/gpu/qval/NAME-sS
#  3. the three sweeps at study scale with the adversaries: Basel, ATL, ATL+ACN (paper), ATL+ACN-strong,
#     ATL+ACN-memory, 3 seeds, one `python -m readnet.research.cli study --shard i/n` job per run -> runs/gpu/study
# PLAN=followup instead (a second, shorter call): the label-noise sweep with a noise-tolerant miner (--mining batch_all,
#     Basel and ATL, 3 seeds -> runs/gpu/mining), and make run's recipe (linear-memory at its default w2) against ATL on
#     two synthetic sets it was not chosen on (test split, seeds 0-2 -> runs/gpu/transfer/SET/NAME-sS).
# Jobs run in that order, WORKERS at a time (tools/run_queue.py); none starts after STOP seconds, all are killed at
# HARD; the finished runs come back in $OUT/runs.tgz (config.json, final.json, metrics.csv of each).
# Here, once: bash tools/gpu_check.sh wheels; mkdir -p .devdata; cp -r ~/.cache/readnet/synthetic-n_train_ids=200-* .devdata/
# There: device `run` with carry [".devpkgs", ".devdata"]: bash tools/gpu_evidence.sh
set -uo pipefail
STOP=${STOP:-420}; HARD=${HARD:-490}; WORKERS=${WORKERS:-14}; OUTDIR=${OUT:-/tmp/out}; mkdir -p "$OUTDIR"
START=$SECONDS
[ "${SETUP:-1}" = 1 ] && source tools/device_setup.sh   # SETUP=0 PY=.venv/bin/python: try the script here
PY=${PY:-python3}
export READNET_CACHE=${READNET_CACHE:-/tmp/rncache} OMP_NUM_THREADS=1; mkdir -p $READNET_CACHE; cp -r .devdata/. $READNET_CACHE/
TESTS=${TESTS-tests/test_cuda.py tests/test_cache.py tests/test_train_cli.py}
[ -n "$TESTS" ] && (timeout $((HARD - 30)) $PY -m pytest -q -p no:cacheprovider --tb=short -rf $TESTS > "$OUTDIR/pytest.txt" 2>&1; \
 echo "pytest rc=$?" >> "$OUTDIR/pytest.txt") &
PLAN=${PLAN:-select}
SWEEPS="camera_shift:0 0.5 1|label_noise:0.1 0.2|images_per_id:3 6"   # the base level (0.5, 0, none) is in camera_shift's
TRANSFER="seed1-shift1:--synth-seed 1 --synth-camera-shift 1.0|seed2-cams8:--synth-seed 2 --synth-cams 8"
[ $PLAN = followup ] && SWEEPS="label_noise:0 0.1 0.2"
METHODS="Basel ATL ATL+ACN ATL+ACN-strong ATL+ACN-memory"
$PY - "$SWEEPS" "$([ $PLAN = followup ] && echo "$TRANSFER")" <<'PY'   # the datasets, drawn in parallel before any run needs them
import sys
from multiprocessing import Pool
from readnet.paper.study import study_config, knob_field
from readnet.training.run import load_table
from readnet.training.config import TrainConfig, parse_value
def make(a):
    if isinstance(a, str):  # '--synth-seed 1 --synth-cams 8': a quick-preset run's set
        t = a.split(); kw = {k[2:].replace('-', '_'): v for k, v in zip(t[::2], t[1::2])}; load_table(TrainConfig.resolve('quick', **{k: parse_value(k, v) for k, v in kw.items()}))
    else: load_table(study_config(**{knob_field(a[0]): a[1]}, synth_seed=a[2]))
jobs = [(k, float(l), s) for sweep in sys.argv[1].split('|') for k, ls in [sweep.split(':')] for l in ls.split() for s in range(3)]
jobs += [t.split(':', 1)[1] for t in sys.argv[2].split('|') if t]
with Pool(16) as p: p.map(make, jobs)
print(len(jobs), 'datasets ready')
PY
echo "setup done at $((SECONDS - START)) s"
J=$OUTDIR/jobs.txt; R=runs/gpu; : > $J
qval() {  # seeds -> one `readnet train` line per recipe and seed
  for s in $1; do while read name opts; do
    echo "$PY -m readnet.research.cli train --data synthetic --loss atl --preset quick --val-ids 0.2 --epochs 23 --seed $s $opts --out $R/qval/$name-s$s --force"
  done <<'R'
atl
mem0.01 --recipe linear-memory --w2 0.01
mem0.03 --recipe linear-memory --w2 0.03
mem0.1 --recipe linear-memory --w2 0.1
strong0.01 --recipe strong --w2 0.01
strong0.03 --recipe strong --w2 0.03
paper --adversary
R
  done >> $J; }
study() {  # out, extra options -> one `readnet study --shard i/n` line per run of every sweep
  IFS='|' read -ra sweeps <<< "$SWEEPS"
  for sweep in "${sweeps[@]}"; do
    knob=${sweep%%:*}; levels=${sweep#*:}; n=$(( $(wc -w <<< "$levels") * $(wc -w <<< "$METHODS") * 3 ))
    for i in $(seq 0 $((n - 1))); do
      echo "$PY -m readnet.research.cli study --knob $knob --levels $levels --methods $METHODS --seeds 3 --out $1 --shard $i/$n $2"
    done >> $J
  done; }
if [ $PLAN = select ]; then qval "0 1 2"; study $R/study; qval "3 4"
else
  METHODS="Basel ATL"; study $R/mining "--mining batch_all"
  IFS='|' read -ra sets <<< "$TRANSFER"
  for s in 0 1 2; do for set in "${sets[@]}"; do for m in "atl:" "memory:--recipe linear-memory"; do
    echo "$PY -m readnet.research.cli train --data synthetic --loss atl --preset quick ${set#*:} ${m#*:} --seed $s --out $R/transfer/${set%%:*}/${m%%:*}-s$s --force"
  done; done; done >> $J
fi
$PY tools/run_queue.py $J --workers $WORKERS --stop $((STOP - (SECONDS - START))) --hard $((HARD - (SECONDS - START))) --log $OUTDIR/queue.log
wait  # pytest
find $R -name final.json | sed 's|/final.json||' | while read d; do ls $d/config.json $d/final.json $d/metrics.csv 2>/dev/null; done \
  | tar czf $OUTDIR/runs.tgz -T -
echo "finished runs: $(find $R -name final.json | wc -l); total $((SECONDS - START)) s"; tail -3 $OUTDIR/pytest.txt 2>/dev/null
