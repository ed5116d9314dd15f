"""No import cycle among readnet's modules, counting imports inside functions too.

Also a script: `python tests/test_imports.py` prints each module's internal imports (top level and inside functions)."""
import ast, sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / 'readnet'

def internal_imports(path:Path, package:str='readnet', modules:set|None=None) -> dict:
    "{module imported: 'top' or 'function'} for every `from .x import`, `from package.x import`, `import package.x` in `path`."
    modules = modules if modules is not None else {p.stem for p in path.parent.glob('*.py')}
    found = {}
    def visit(node, inside):
        for child in ast.iter_child_nodes(node):
            names = []
            if isinstance(child, ast.ImportFrom):
                parts = (child.module or '').split('.')
                if child.level == 1: names = [parts[0]] if child.module else [a.name for a in child.names]
                elif child.level == 0 and parts[0] == package:
                    names = parts[1:2] if len(parts) > 1 else [a.name for a in child.names]
            elif isinstance(child, ast.Import):
                names = [a.name.split('.')[1] for a in child.names if a.name.startswith(package + '.')]
            for n in names:
                if n in modules and n != path.stem: found[n] = 'function' if inside or found.get(n) == 'function' else 'top'
            visit(child, inside or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))
    visit(ast.parse(path.read_text()), False)
    return found

def import_graph(folder:Path=PACKAGE, package:str='readnet') -> dict:
    "module -> {module it imports: 'top' or 'function'}."
    modules = {p.stem for p in folder.glob('*.py')}
    return {p.stem: internal_imports(p, package, modules) for p in sorted(folder.glob('*.py'))}

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
    assert {'run', 'distributed', 'checkpoint', 'cli', 'evaluation'} <= set(graph)
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph))}"

if __name__ == '__main__':
    for module, deps in import_graph().items():
        top = sorted(m for m, where in deps.items() if where == 'top')
        inner = sorted(m for m, where in deps.items() if where == 'function')
        print(f"{module:12s} {len(top):2d} top: {', '.join(top)}" + (f"   | in functions: {', '.join(inner)}" if inner else ''))
    cycle = find_cycle(import_graph())
    print('import cycle: ' + ' -> '.join(cycle) if cycle else 'no import cycle')
    sys.exit(1 if cycle else 0)
