"""Execute notebooks in place, keeping their outputs, but skip the cells nbdev_test skips (`#| slow` and other
`tst_flags` of settings.ini, `#| eval: false`): the stored outputs of those cells are left as they were.

    python tools/run_nb.py nbs/10a_paper.figure1.ipynb ...     # run from the repository root; cells run with cwd nbs/
"""
import os, sys
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from nbdev.config import get_config

def _skip(cell, flags):
    lines = [l.replace(' ', '') for l in cell.source.splitlines() if l.strip().startswith('#|')]
    return any(l in (f'#|{f}' for f in flags) or l == '#|eval:false' for l in lines)

def run(path:Path, flags:set):
    nb, kept = read_nb(path), {}
    for i, c in enumerate(nb.cells):  # hide the skipped cells from the shell, put them back untouched afterwards
        if c.cell_type == 'code' and _skip(c, flags): kept[i] = c
    runnable = [c for i, c in enumerate(nb.cells) if i not in kept]
    cwd = os.getcwd(); os.chdir(path.parent)
    try:
        shell = CaptureShell()
        nb.cells = runnable
        shell.run_all(nb, exc_stop=True)
    finally: os.chdir(cwd)
    out = iter(nb.cells)
    nb.cells = [kept[i] if i in kept else next(out) for i in range(len(runnable) + len(kept))]
    write_nb(nb, path)

if __name__ == '__main__':
    flags = set(str(get_config().get('tst_flags', '')).split('|')) - {''}
    for p in sys.argv[1:]: run(Path(p).resolve(), flags); print('executed', p, '(skipped cells flagged', ', '.join(sorted(flags)) or 'none', ')')
