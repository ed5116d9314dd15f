"Loading pretrained weights into `readnet.model.network.ReIDModel` from files on disk: wrong depths, fastai checkpoints, no downloads."
import itertools, urllib.request
import pytest, torch
import torch.nn.functional as F
from torchvision.models import resnet
from readnet.model.network import ReIDModel

ARCHS = ['resnet18', 'resnet34', 'resnet50']

@pytest.fixture(scope='module')
def torchvision_files(tmp_path_factory):
    "One torchvision-format state dict (classifier included) per architecture."
    folder = tmp_path_factory.mktemp('weights')
    paths = {}
    for arch in ARCHS:
        paths[arch] = folder/f'{arch}.pth'
        torch.save(getattr(resnet, arch)().state_dict(), paths[arch])
    return paths

@pytest.mark.parametrize('file_arch,model_arch', list(itertools.permutations(ARCHS, 2)))
def test_wrong_architecture_names_the_mismatch(torchvision_files, file_arch, model_arch):
    path = torchvision_files[file_arch]
    with pytest.raises(ValueError) as err:
        ReIDModel(model_arch, weights=path)
    msg = str(err.value)
    assert str(path) in msg and f'the {model_arch} backbone' in msg
    assert f'looks like a {file_arch} checkpoint' in msg
    assert any(w in msg for w in ('missing:', 'unexpected:', 'with another shape:'))

@pytest.mark.parametrize('arch', ARCHS)
def test_matching_file_loads_exactly(torchvision_files, arch):
    model = ReIDModel(arch, weights=torchvision_files[arch])
    expected = {k: v for k, v in torch.load(torchvision_files[arch]).items() if not k.startswith('fc.')}
    got = model.backbone.state_dict()
    assert got.keys() == expected.keys()
    assert all(torch.equal(got[k], expected[k]) for k in expected)

def test_imagenet_never_downloads(tmp_path, monkeypatch):
    calls = []
    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError(f'network access attempted: {args[:1]}')
    monkeypatch.setattr(torch.hub, 'download_url_to_file', refuse)
    monkeypatch.setattr(torch.hub, 'load_state_dict_from_url', refuse)
    monkeypatch.setattr(urllib.request, 'urlopen', refuse)
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    with pytest.raises(FileNotFoundError) as err:
        ReIDModel('resnet50', weights='imagenet')
    msg = str(err.value)
    assert 'never downloads' in msg and str(tmp_path/'hub'/'checkpoints') in msg
    assert "weights='/path/to/resnet50-0676ba61.pth'" in msg
    assert calls == []

@pytest.mark.parametrize('with_opt', [True, False])
def test_fastai_learner_checkpoint_round_trip(tmp_path, with_opt):
    "A file written by fastai's `learn.save` (optimizer state holds fastcore `L`s) loads under weights_only=True."
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader
    from fastai.learner import Learner
    torch.manual_seed(0)
    dl = DataLoader([(torch.randn(3, 32, 16), torch.tensor(i % 2)) for i in range(8)], bs=4)
    model = ReIDModel('resnet18', head='trinet', feat_dim=16)
    learn = Learner(DataLoaders(dl, dl), model, loss_func=lambda f, y: F.cross_entropy(f[:, :2], y), path=tmp_path)
    with learn.no_bar(), learn.no_logging(): learn.fit(1)
    path = learn.save('trained', with_opt=with_opt)
    again = ReIDModel('resnet18', head='trinet', feat_dim=16, weights=path).eval()
    x = torch.randn(2, 3, 32, 16)
    with torch.no_grad(): assert torch.equal(again(x), model.eval()(x))
    with pytest.raises(ValueError, match='unexpected: head'):
        ReIDModel('resnet18', head='bnneck', weights=path)

class _RunsCode:
    def __reduce__(self): return (print, ('this must never run',))

def test_refuses_pickled_code(tmp_path, capsys):
    torch.save({'model': resnet.resnet18().state_dict(), 'extra': _RunsCode()}, tmp_path/'evil.pth')
    with pytest.raises(ValueError, match='could not be read as a torch checkpoint.*Unsupported global'):
        ReIDModel('resnet18', weights=tmp_path/'evil.pth')
    assert 'this must never run' not in capsys.readouterr().out
