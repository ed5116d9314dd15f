"The GPU paths (skipped without CUDA): fastai's mixed precision + channels_last, the adversary's private CUDA stream."
import pytest, torch
from conftest import tiny_config

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')

def build(tiny_synth, tmp_path, disc='paper', **over):
    from readnet.training.run import build_run
    from readnet.research.linear_adversary import recipe_adversary, recipe_w2
    if disc != 'paper': over = dict(over, w2=recipe_w2(disc, 'atl'))  # the study's recipes: readnet.research
    return build_run(tiny_config(tiny_synth, epochs=2, eval_every=0, **over), tmp_path / 'run',
                     camera_adversary=None if disc == 'paper' else recipe_adversary(disc))

@pytest.mark.parametrize('disc', ['paper', 'linear-memory'])
def test_learner_trains_on_the_gpu_with_fastai_mixed_precision(tiny_synth, tmp_path, disc):
    "The adversaries too: the linear ones solve their ridge fits on the GPU, in float32, after autocast has ended."
    from fastai.callback.fp16 import MixedPrecision
    _, dls, learn = build(tiny_synth, tmp_path, adversary=True, disc=disc)
    mp = [cb for cb in learn.cbs if isinstance(cb, MixedPrecision)]
    assert len(mp) == 1 and mp[0].amp_mode.name.lower() == ('bf16' if torch.cuda.is_bf16_supported() else 'fp16')
    learn.fit(1, 1e-3)
    model = learn.model
    assert all(p.is_cuda for p in model.parameters())
    conv = next(p for p in model.parameters() if p.ndim == 4)  # the extractor's first conv (a linear adversary has no D)
    assert conv.is_contiguous(memory_format=torch.channels_last)
    assert torch.isfinite(torch.tensor(learn.recorder.values[-1][0]))  # training loss
    if disc == 'linear-memory':  # the memory of past batches lives on the GPU, in float32
        from readnet.research.linear_adversary import LinearCameraAdversary
        adv = next(cb for cb in learn.cbs if isinstance(cb, LinearCameraAdversary))
        assert adv._memory and all(t.is_cuda for batch in adv._memory for t in batch)
        assert adv._memory[0][0].dtype == torch.float32

def test_adversary_leaves_the_main_cuda_stream_alone(tiny_synth, tmp_path):
    "D's dropout draws on the GPU come from its own stream: the main CUDA stream ends where it does without D."
    states = {}
    for adversary in (False, True):
        _, dls, learn = build(tiny_synth, tmp_path / str(adversary), **(dict(adversary=True, w2=0.) if adversary else {}))
        learn.fit(1, 1e-3)
        states[adversary] = torch.cuda.get_rng_state()
    assert torch.equal(states[False], states[True])
