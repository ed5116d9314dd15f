"The front door without torch: `readnet --help`, every subcommand's `--help` and option errors import neither torch, fastai, scipy nor matplotlib."
import json, subprocess, sys
import pytest

HEAVY = ('torch', 'fastai', 'scipy', 'matplotlib')
COMMANDS = [[], ['--help'], *([c, '--help'] for c in ('synth', 'data', 'train', 'eval', 'experiments', 'study', 'export',
                                                     'index', 'search', 'figure1', 'info')),
            ['train', '--epochs', 'x'], ['train', '--epochs', '-1', '--out', 'nowhere'], ['train', '--disc', 'erase'],
            ['study', '--knob', 'nope', '--levels', '1', '--out', 'nowhere'], ['data'], ['export', '--run', 'r'],
            ['train', '--log', 'mlflow'], ['eval', '--run', 'r', '--metric', 'angular'], ['data', '--holdout-ids', 'x']]

PROBE = '''
import json, sys, io, contextlib
from readnet.cli import main
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    try: code = main(sys.argv[1:])
    except SystemExit as e: code = e.code
print(json.dumps(dict(code=code, out=out.getvalue(), err=err.getvalue(), heavy=[m for m in %r if m in sys.modules])))
''' % (HEAVY,)

@pytest.mark.parametrize('args', COMMANDS, ids=lambda a: ' '.join(a) or '(none)')
def test_answers_without_torch(args, tmp_path):
    r = subprocess.run([sys.executable, '-c', PROBE, *args], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res['heavy'] == [], (args, res['heavy'])
    assert res['code'] in (0, 2), res  # help (0), or one line naming the bad option (2)
    if '--help' in args: assert 'usage: readnet' in res['out']
    elif args: assert res['err'].strip(), res

def test_function_subcommands_describe_their_function():
    "Options of a subcommand described from source are those of the function it calls, with the same defaults and help."
    import inspect
    from fastcore.docments import docments
    from readnet.cli import function_stub
    from readnet.paper.figure1 import figure1
    stub = function_stub('readnet.paper.figure1:figure1')
    assert str(inspect.signature(stub)) == str(inspect.signature(figure1))
    assert docments(stub) == docments(figure1) and inspect.getdoc(stub) == inspect.getdoc(figure1)
