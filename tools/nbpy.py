"""Author notebooks as plain text: convert between `.ipynb` and a percent-format `.py` file.

    python tools/nbpy.py to-nb  nbs/04_model.losses.py  nbs/04_model.losses.ipynb   # write/overwrite the notebook (no outputs)
    python tools/nbpy.py to-py  nbs/04_model.losses.ipynb /tmp/04_model.losses.py   # dump a notebook for editing

Cells are separated by lines `# %%` (code) or `# %% [markdown]` (markdown; each line prefixed by `# `).
The `.py` file is a scratch format only: the notebook is the source that gets committed.
"""
import json, sys
from pathlib import Path

def py_to_cells(text):
    cells, kind, lines = [], None, []
    def flush():
        if kind is None: return
        while lines and not lines[-1].strip(): lines.pop()
        while lines and not lines[0].strip(): lines.pop(0)
        if kind == 'markdown': body = [l[2:] if l.startswith('# ') else l.lstrip('#') for l in lines]
        else: body = lines
        src = '\n'.join(body)
        cell = dict(cell_type=kind, metadata={}, source=src)
        if kind == 'code': cell.update(execution_count=None, outputs=[])
        cells.append(cell)
    for line in text.splitlines():
        if line.startswith('# %%'):
            flush()
            kind, lines = ('markdown' if '[markdown]' in line else 'code'), []
        else:
            if kind is None: kind = 'code'
            lines.append(line)
    flush()
    return cells

def to_nb(src, dst):
    nb = dict(cells=py_to_cells(Path(src).read_text()), nbformat=4, nbformat_minor=5,
              metadata=dict(kernelspec=dict(display_name='python3', language='python', name='python3')))
    Path(dst).write_text(json.dumps(nb, indent=1) + '\n')

def to_py(src, dst):
    nb = json.loads(Path(src).read_text())
    out = []
    for c in nb['cells']:
        s = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
        if c['cell_type'] == 'markdown': out += ['# %% [markdown]'] + ['# ' + l if l else '#' for l in s.splitlines()]
        else: out += ['# %%'] + s.splitlines()
        out.append('')
    Path(dst).write_text('\n'.join(out) + '\n')

if __name__ == '__main__':
    cmd, src, dst = sys.argv[1:4]
    {'to-nb': to_nb, 'to-py': to_py}[cmd](src, dst)
