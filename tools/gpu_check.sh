#!/usr/bin/env bash
# GPU checks on a lent device machine (image with python3 + torch + CUDA, no fastai, no network).
#
# Here (with network), once:   bash tools/gpu_check.sh wheels      -> .devpkgs/whl (pure-Python deps for Python 3.12)
# There (device `run`, carry [".devpkgs"]):   bash tools/gpu_check.sh [pytest args...]
#   installs the wheels into /tmp/site, installs readnet (no deps), prints the machine, runs the GPU-relevant tests
#   (default: tests/test_cuda.py tests/test_cache.py tests/test_train_cli.py) and the CPU bench of this machine's CPU.
# .devpkgs/ must be ignored by git (echo /.devpkgs/ >> .git/info/exclude).
set -uo pipefail
WHEELS="fastai==2.8.7 fastcore==1.14.5 fastprogress==1.1.6 fastdownload==0.0.8 fasttransform==0.0.2 plum-dispatch==2.10.1
beartype==0.23.1 python-fasthtml==0.14.5 fastlite==0.2.4 apsw==3.54.1.0 apswutils==0.1.2 starlette==1.10.0
itsdangerous==2.2.0 python-multipart==0.0.34 oauthlib==4.0.1 uvicorn==0.54.0 beautifulsoup4==4.15.0 soupsieve==4.1.3
httpx2==2.16.2 httpcore2==2.16.2 truststore"
if [ "${1:-}" = wheels ]; then
  mkdir -p .devpkgs/whl
  exec .venv/bin/python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform any \
    -d .devpkgs/whl $WHEELS
fi
source tools/device_setup.sh
readnet info
OUTDIR=${OUT:-/tmp}
if [ $# -eq 0 ]; then set -- tests/test_cuda.py tests/test_cache.py tests/test_train_cli.py; fi
python3 -m pytest -q -p no:cacheprovider --tb=short -rf "$@" 2>&1 | tee "$OUTDIR/pytest.txt" | tail -40
CUDA_VISIBLE_DEVICES= python3 bench/model.py --rounds 3 --batches 2 2>&1 | grep -v Warn | tee "$OUTDIR/bench_model.txt" | tail -14
