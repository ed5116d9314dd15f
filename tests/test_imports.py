"""No import cycle among readnet's modules, counting imports inside functions too.

Also a script: `python tests/test_imports.py` prints each module's internal imports (top level and inside functions)."""
import ast, sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / 'readnet'

def module_name(path:Path, root:Path) -> str:
    "The dotted name of `path` inside the package folder `root`: `training/run.py` -> 'training.run', `data/__init__.py` -> 'data'."
    parts = list(path.relative_to(root).with_suffix('').parts)
    if len(parts) > 1 and parts[-1] == '__init__': parts = parts[:-1]
    return '.'.join(parts)

def internal_imports(path:Path, package:str='readnet', modules:set|None=None, root:Path|None=None) -> dict:
    "{module imported: 'top' or 'function'} for every `from .x import`, `from package.x import`, `import package.x` in `path`."
    root = root or path.parent
    modules = modules if modules is not None else {module_name(p, root) for p in root.rglob('*.py')}
    me = module_name(path, root)
    here = me.split('.')[:-1] if path.name != '__init__.py' or path.parent == root else me.split('.')
    found = {}
    def targets(base:list, names:list) -> list:
        "The modules that `from <base> import <names>` reaches: `base` itself and each name that is a module below it."
        b = '.'.join(base)
        return [m for m in [b, *(f'{b}.{n}' if b else n for n in names)] if m in modules]
    def visit(node, inside):
        for child in ast.iter_child_nodes(node):
            reached = []
            if isinstance(child, ast.ImportFrom):
                parts, names = [x for x in (child.module or '').split('.') if x], [a.name for a in child.names]
                if child.level: reached = targets(here[:len(here) - (child.level - 1)] + parts, names)
                elif parts and parts[0] == package: reached = targets(parts[1:], names)
            elif isinstance(child, ast.Import):
                reached = [m for a in child.names if a.name.startswith(package + '.')
                           for m in ['.'.join(a.name.split('.')[1:])] if m in modules]
            for n in reached:
                if n != me: found[n] = 'function' if inside or found.get(n) == 'function' else 'top'
            visit(child, inside or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))
    visit(ast.parse(path.read_text()), False)
    return found

def import_graph(folder:Path=PACKAGE, package:str='readnet') -> dict:
    "module (dotted, below the package: 'training.run') -> {module it imports: 'top' or 'function'}."
    files = sorted(folder.rglob('*.py'))
    modules = {module_name(p, folder) for p in files}
    return {module_name(p, folder): internal_imports(p, package, modules, folder) for p in files}

def find_cycle(graph:dict) -> list|None:
    "One import cycle as a list of modules (first == last), or None."
    state, stack = {}, []
    def dfs(m):
        state[m] = 'open'; stack.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 'open': return stack[stack.index(n):] + [n]
            if n not in state and (cycle := dfs(n)): return cycle
        state[m] = 'done'; stack.pop()
        return None
    for m in sorted(graph):
        if m not in state and (cycle := dfs(m)): return cycle
    return None

def test_the_detector_finds_a_cycle_hidden_in_a_function(tmp_path):
    pkg = tmp_path / 'readnet'
    pkg.mkdir()
    (pkg / 'a.py').write_text('from .b import f\n')
    (pkg / 'b.py').write_text('def f():\n    from readnet.a import g\n    return g\n')
    (pkg / 'c.py').write_text('import readnet.a\n')
    graph = import_graph(pkg)
    assert graph == {'a': {'b': 'top'}, 'b': {'a': 'function'}, 'c': {'a': 'top'}}
    assert find_cycle(graph) == ['a', 'b', 'a']
    assert find_cycle({'a': {'b': 'top'}, 'b': {}, 'c': {'a': 'top'}}) is None

def test_no_import_cycle_among_readnet_modules():
    graph = import_graph()
    assert {'training.run', 'training.distributed', 'training.checkpoint', 'cli', 'evaluation.metrics'} <= set(graph)
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph))}"

def test_the_core_never_imports_the_research_area():
    "readnet.research (the study's other camera adversaries) may import the library; nothing outside it imports it."
    graph = import_graph()
    assert 'research.linear_adversary' in graph
    inside = lambda m: m == 'research' or m.startswith('research.')
    leaks = {m: sorted(d for d in deps if inside(d)) for m, deps in graph.items() if not inside(m)}
    assert not {m: d for m, d in leaks.items() if d}, leaks

if __name__ == '__main__':
    for module, deps in import_graph().items():
        top = sorted(m for m, where in deps.items() if where == 'top')
        inner = sorted(m for m, where in deps.items() if where == 'function')
        print(f"{module:28s} {len(top):2d} top: {', '.join(top)}" + (f"   | in functions: {', '.join(inner)}" if inner else ''))
    cycle = find_cycle(import_graph())
    print('import cycle: ' + ' -> '.join(cycle) if cycle else 'no import cycle')
    sys.exit(1 if cycle else 0)
