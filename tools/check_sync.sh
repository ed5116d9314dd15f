#!/usr/bin/env bash
# Fails when the notebooks are not clean (nbdev_clean changes them) or readnet/ is not what nbdev_export makes of
# them. Run from the repo root; BIN names the folder holding nbdev_clean/nbdev_export (default .venv/bin).
set -euo pipefail
BIN=${BIN:-.venv/bin}
tree_hash() { find "$@" -type f \( -name '*.ipynb' -o -name '*.py' \) -not -path '*/.ipynb_checkpoints/*' -not -path '*/__pycache__/*' | LC_ALL=C sort | xargs -r sha256sum | sha256sum; }
before=$(tree_hash nbs)
"$BIN/nbdev_clean"
if [ "$before" != "$(tree_hash nbs)" ]; then
  echo "notebooks were not clean: nbdev_clean changed them; review and commit the cleaned notebooks" >&2
  exit 1
fi
before=$(tree_hash readnet)
"$BIN/nbdev_export"
if [ "$before" != "$(tree_hash readnet)" ]; then
  echo "notebooks and library out of sync: nbdev_export changed readnet/; run 'make export' and commit readnet/" >&2
  exit 1
fi
echo "notebooks clean; notebooks and library in sync"
