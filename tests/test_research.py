"`python -m readnet.research.cli`: the study's weights come from the recipe table, and its runs replay only through it."
import contextlib, io, json, signal, subprocess
import pytest
from conftest import run_main, TINY_TRAIN

def run_research(*args):
    "`readnet.research.cli.main` in this process, as `run_main` runs `readnet`'s (exit status, stdout, stderr)."
    from readnet.research.cli import main
    out, err, handler = io.StringIO(), io.StringIO(), signal.getsignal(signal.SIGTERM)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: code = main([str(a) for a in args])
        except SystemExit as e: code = e.code
        finally: signal.signal(signal.SIGTERM, handler)
    return subprocess.CompletedProcess(['research', *map(str, args)], code, out.getvalue(), err.getvalue())

def table_w2(recipe, loss, study=False):
    "A recipe's weight as the tables state it: `study_w2` as it is, else its `w2` scaled like the paper's per-loss weights."
    from readnet.training.config import PAPER_DEFAULTS
    from readnet.research.linear_adversary import ADVERSARIES
    if study: return ADVERSARIES[recipe]['study_w2']
    return ADVERSARIES[recipe]['w2'] * PAPER_DEFAULTS[(loss, '*')]['w2'] / PAPER_DEFAULTS[('atl', '*')]['w2']

def test_study_methods_train_with_the_tables_weights():
    "Each study method's resolved configuration: its loss, the adversary, and the weight of its recipe's table entry."
    from readnet.paper.study import study_config
    from readnet.training.config import TrainConfig
    from readnet.research.cli import RESEARCH_METHODS, study_methods
    from readnet.research.linear_adversary import ADVERSARIES, WEIGHTS
    methods = study_methods()
    assert set(methods) == set(RESEARCH_METHODS)
    memory = [n for n, m in RESEARCH_METHODS.items() if m['recipe'].startswith('linear-memory')]
    assert memory and all(RESEARCH_METHODS[n].get('study_w2') for n in memory)  # the study's scale: its own weight
    for name, m in RESEARCH_METHODS.items():
        settings = dict(methods[name])
        build = settings.pop('camera_adversary')
        cfg = TrainConfig.resolve(base=study_config(), **settings)
        want = table_w2(m['recipe'], m['loss'], study=m.get('study_w2', False))
        assert (cfg.loss, cfg.adversary, cfg.w2) == (m['loss'], True, pytest.approx(want, rel=1e-12)), name
        cb = build(cfg)
        assert cb.w2 == cfg.w2
        for k, v in ADVERSARIES[m['recipe']].items():  # the callback is the recipe's, weights aside
            if k not in WEIGHTS: assert getattr(cb, k) == v, (name, k)
        assert build.record == {'research_recipe': m['recipe']}

@pytest.mark.parametrize('recipe,loss', [('linear-memory', 'atl'), ('strong', 'atl'), ('linear', 'triplet'),
                                         ('linear-memory-pcgrad', 'atl')])
def test_research_train_commands_resolve_the_recipes_weight(tmp_path, monkeypatch, recipe, loss):
    "The commands of docs/experiments (`train --recipe NAME`): the recipe's own weight for the loss, as before."
    import readnet.training.run as run
    seen = {}
    monkeypatch.setattr(run, 'train_run', lambda cfg=None, camera_adversary=None, **kw: seen.update(cfg=cfg, record=camera_adversary.record))
    r = run_research('train', '--data', 'synthetic', '--loss', loss, '--recipe', recipe, '--preset', 'quick', '--out', tmp_path / 'x')
    assert r.returncode == 0, r.stderr
    assert seen['cfg'].w2 == pytest.approx(table_w2(recipe, loss), rel=1e-12) and seen['cfg'].adversary
    assert seen['record'] == {'research_recipe': recipe}

def test_a_research_run_replays_through_the_research_cli_only(tiny_synth, tmp_path):
    "Its config.json records the recipe; readnet train refuses --config and --resume (one line, exit 2, nothing written)."
    run = tmp_path / 'run'
    common = [*TINY_TRAIN, '--root', tiny_synth, '--epochs', '1', '--loss', 'triplet']
    r = run_research('train', *common, '--recipe', 'linear', '--w2', '0.7', '--out', run)
    assert r.returncode == 0, r.stderr[-3000:]
    cfg = json.loads((run / 'config.json').read_text())
    assert (cfg['research_recipe'], cfg['adversary'], cfg['w2']) == ('linear', True, 0.7)
    for args in (['--config', run / 'config.json', '--out', tmp_path / 'again'], ['--resume', run]):
        r = run_main('train', *args)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert 'python -m readnet.research.cli train' in r.stderr and "research_recipe 'linear'" in r.stderr
    assert not (tmp_path / 'again').exists()
    r = run_main('eval', '--run', run)  # its model is evaluated like any other
    assert r.returncode == 0, r.stderr[-3000:]
    # replayed here without --recipe: the same recipe and weight, the same run
    r = run_research('train', '--config', run / 'config.json', '--out', tmp_path / 'replay')
    assert r.returncode == 0, r.stderr[-3000:]
    assert json.loads((tmp_path / 'replay' / 'config.json').read_text()) == cfg
    final, again = (json.loads((d / 'final.json').read_text()) for d in (run, tmp_path / 'replay'))
    assert again['mAP'] == pytest.approx(final['mAP'], abs=1e-6)
    r = run_research('train', '--resume', run, '--recipe', 'strong')
    assert r.returncode == 2 and 'its own recipe, linear' in r.stderr
