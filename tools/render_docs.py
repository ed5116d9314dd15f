"""Render notebooks to Markdown with nbconvert (quarto is not available offline).

    python tools/render_docs.py docs nbs/00_core.ipynb ...   # one docs/<name>.md per notebook
    python tools/render_docs.py --readme README.md nbs/index.ipynb

Cells marked `#| hide` are dropped, nbdev directive lines (`#| export`, …) are removed, and outputs kept in the
notebook are rendered as they are (the notebooks are not executed here). Files are written atomically.
"""
import os, sys, tempfile
from pathlib import Path
import nbformat
from nbconvert import MarkdownExporter

def _clean(nb):
    cells = []
    for c in nb.cells:
        lines = c.source.splitlines()
        directives = [l for l in lines if l.strip().startswith('#|')]
        if any(d.replace(' ', '') in ('#|hide', '#|default_exp') or d.replace(' ', '').startswith('#|default_exp') for d in directives): continue
        c.source = '\n'.join(l for l in lines if not l.strip().startswith('#|')).strip()
        if c.source or c.get('outputs'): cells.append(c)
    nb.cells = cells
    return nb

def render(src:Path, files_dir:str|None=None) -> tuple[str, dict]:
    "Markdown of notebook `src` and its figures {relative path: bytes} (in `files_dir`, default `<stem>_files`)."
    nb = _clean(nbformat.read(src, as_version=4))
    body, res = MarkdownExporter().from_notebook_node(nb, resources={'output_files_dir': files_dir or f'{src.stem}_files'})
    return body, res.get('outputs', {})

def write_doc(path:Path, body:str, figures:dict):
    for rel, data in figures.items():
        fig = path.parent / rel
        fig.parent.mkdir(parents=True, exist_ok=True)
        fig.write_bytes(data)
    write_atomic(path, body)

def write_atomic(path:Path, text:str):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.')
    with os.fdopen(fd, 'w') as f: f.write(text)
    os.replace(tmp, path)

if __name__ == '__main__':
    args = sys.argv[1:]
    if args[0] == '--readme': write_doc(Path(args[1]), *render(Path(args[2]), 'docs/readme_files'))
    else:
        out = Path(args[0])
        for nb in args[1:]: write_doc(out / (Path(nb).stem + '.md'), *render(Path(nb)))
