# Sourced by tools/gpu_check.sh and tools/gpu_evidence.sh on a lent device machine (python3 with torch + CUDA, no
# fastai, no network): installs the wheels carried in .devpkgs/whl (made here by `bash tools/gpu_check.sh wheels`)
# into /tmp/site and readnet itself (no deps), then prints the machine.
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .devpkgs/whl/*.whl || exit 1
export PYTHONPATH=/tmp/site PATH=/tmp/site/bin:$PATH
python3 -m pip install -q --no-index --no-deps --no-build-isolation . >/dev/null 2>&1 || { echo "pip install . failed"; exit 1; }
nvidia-smi -L; grep -m1 'model name' /proc/cpuinfo; grep -o -w 'amx_bf16\|avx512_bf16' /proc/cpuinfo | sort | uniq -c
python3 -c "import torch, torchvision, fastai; print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'fastai', fastai.__version__)"
