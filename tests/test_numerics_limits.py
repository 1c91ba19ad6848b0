"""Issue 11, class 1 in both packages: the limits that keep a distribution proper where
upstream gives NaN or +inf (the generic ``dist_bounds`` property draws them through every
head; these pin one deterministic case of each limit)."""

from __future__ import annotations

import functools

import pytest
import torch
import torch.distributions as td

import optimized.alf
import optimized.distributions
import reference.alf
from reference.distributions import TRUNCATED_MAX_WIDTHS, proper_loc
from reference.specs import BoundedTensorSpec, TensorSpec

PACKAGES = [reference, optimized]  # with their alf namespaces imported
BOX = BoundedTensorSpec((1,), torch.float32, 1.0, 1.5)


def _fill(net: torch.nn.Module, value: float) -> torch.nn.Module:
    with torch.no_grad():
        for p in net.parameters():
            p.fill_(value)
    return net


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.__name__)
@pytest.mark.parametrize("x", [1e4, -1e4])
def test_beta_scores_samples_on_a_bound(pkg, x: float) -> None:
    """exp concentrations (1e17 and 1e-19) put every sample on a bound: finite log_prob."""
    net = pkg.alf.BetaProjectionNetwork(1, BOX, activation=torch.exp, grad_clip=None)
    with torch.no_grad():
        layer = net._concentration_projection_layer
        layer.weight.copy_(torch.tensor([[1.0], [-1.0]]))
    dist = net(torch.full((1, 1), x))[0]
    samples = dist.sample((8,))
    assert bool(((samples == 1.0) | (samples == 1.5)).all())
    log_prob = dist.log_prob(samples)
    assert not bool(torch.isnan(log_prob).any() | (log_prob == torch.inf).any()), log_prob


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.__name__)
def test_truncated_scale_at_most_widths_of_the_interval(pkg) -> None:
    low, high = torch.zeros(1), torch.ones(1)
    dist = pkg.distributions.TruncatedNormal(
        torch.tensor([[-1.0]]), torch.tensor([[3e17]]), low, high
    )
    assert float(dist.scale) == TRUNCATED_MAX_WIDTHS
    samples = dist.sample((64,))
    for value in (dist.mode, dist.log_prob(samples)):
        assert bool(torch.isfinite(value).all()), value


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.__name__)
def test_stable_normal_mean_stays_finite(pkg) -> None:
    """``mu = a * sigma`` of a 1e30 pre-activation and a 1e17 std: clamped by proper_loc."""
    net = pkg.alf.StableNormalProjectionNetwork(
        1, TensorSpec((1,)), squash_mean=False, state_dependent_std=True
    )
    _fill(net, 1.0)
    with torch.no_grad():
        net._std_projection_layer.weight.fill_(-1.0)
    dist = net(torch.full((1, 1), 1e30))[0]
    assert float(dist.mean.detach()) == float(proper_loc(torch.tensor(torch.inf)))
    assert bool(torch.isfinite(dist.sample((8,))).all())


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.__name__)
def test_squashed_stable_normal_at_the_location_limit_scores_finitely(pkg) -> None:
    """Four squashed dims whose ``a * sigma`` sits at proper_loc's bound: each dim's
    ``-log|dtanh/dx|`` is about ``2 |x|``, and their sum stays finite (at ``max / 4`` it
    was ``+inf``)."""
    box = BoundedTensorSpec((4,), torch.float32, 0.0, 1.0)
    net = pkg.alf.StableNormalProjectionNetwork(
        1, box, squash_mean=False, state_dependent_std=True, scale_distribution=True
    )
    _fill(net, -1.0)
    with torch.no_grad():
        net._std_projection_layer.weight.fill_(-1.0)  # a std of 1 / exp(-1e30): the max
    dist = net(torch.full((1, 1), 1e30))[0]
    samples = dist.rsample((6,))
    log_prob = dist.log_prob(samples)
    assert not bool(torch.isnan(log_prob).any() | (log_prob == torch.inf).any()), log_prob


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.__name__)
def test_squashed_value_on_a_bound_scores_finitely(pkg) -> None:
    """A value on the box's upper bound that is not a fresh sample (its pre-image unknown):
    the affine map's inverse may round it past 1, where atanh is NaN; it scores as the
    clamped ``1 - eps`` it stands for."""
    box = BoundedTensorSpec((1,), torch.float32, 0.816184937953949, 1.632369875907898)
    net = pkg.alf.NormalProjectionNetwork(1, box, scale_distribution=True)
    dist = net(torch.zeros(1, 1))[0]
    on_bound = torch.full((3, 1, 1), 1.632369875907898)
    log_prob = dist.log_prob(on_bound)
    assert bool(torch.isfinite(log_prob).all()), log_prob


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.__name__)
def test_latent_actor_scores_a_fresh_sample_on_a_bound(pkg) -> None:
    """torch's tanh saturates onto a bound; the cached pre-image scores it (not NaN)."""
    alf = pkg.alf
    flow = functools.partial(alf.RealNVPNetwork, num_layers=1)
    net = alf.LatentActorDistributionNetwork(
        TensorSpec((1,)),
        BoundedTensorSpec((2,), torch.float32, 0.0, 1.0),
        normalizing_flow_network_ctor=flow,
        conditional_flow=False,
        scale_distribution=True,
        dist_squashing_transform=td.TanhTransform(cache_size=1),
    )
    _fill(net, 0.0)
    with torch.no_grad():  # s = t = 40: tanh(e^2 u + 40) rounds to 1 on a coordinate
        for name, p in net.flow_network.named_parameters():
            if name.endswith("bias"):
                p.fill_(40.0)
    dist = net(torch.zeros(1, 1))[0]
    sample = dist.sample()
    assert bool((sample == 1.0).any())
    assert bool(torch.isfinite(dist.log_prob(sample)).all())


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.__name__)
@pytest.mark.parametrize(
    ("dtype", "loc"),
    [
        (torch.float32, 3e30),
        (torch.float32, -3e30),
        (torch.float64, 1e300),
        (torch.float64, -1e300),
    ],
)
def test_truncated_tail_samples_sit_on_the_near_bound(pkg, dtype: torch.dtype, loc: float) -> None:
    """A centre ``1e30`` scales beyond the box: every sample on the bound nearer the centre
    (not the far one, where ``Phi`` underflowed to 0), scored finitely: the density there is
    about ``|b| / scale`` (an exponential tail of rate ``|b|``), ``log(loc / 4)`` here."""
    lo, hi = torch.tensor([1.0], dtype=dtype), torch.tensor([3.0], dtype=dtype)
    scale = torch.tensor([2.0], dtype=dtype)
    dist = pkg.distributions.TruncatedNormal(torch.tensor([loc], dtype=dtype), scale, lo, hi)
    samples = dist.rsample((16,))
    assert bool((samples == (hi if loc > 0 else lo)).all()), samples.flatten()
    expected = torch.tensor(abs(loc) / 4.0, dtype=torch.float64).log().item()
    assert dist.log_prob(samples).double().sub(expected).abs().max().item() < 1e-3


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.__name__)
@pytest.mark.parametrize("loc", [30.0, -9.0])
def test_truncated_tail_sampler_matches_scipy(pkg, loc: float) -> None:
    """Beyond ``TAIL_START`` scales the sampler solves the log-CDF by Newton: its samples
    follow scipy's truncated normal (KS) and score scipy's log-density."""
    stats = pytest.importorskip("scipy.stats")
    torch.manual_seed(0)
    dist = pkg.distributions.TruncatedNormal(
        torch.tensor([loc], dtype=torch.float64),
        torch.tensor([2.0], dtype=torch.float64),
        torch.tensor([1.0], dtype=torch.float64),
        torch.tensor([3.0], dtype=torch.float64),
    )
    model = stats.truncnorm((1.0 - loc) / 2.0, (3.0 - loc) / 2.0, loc=loc, scale=2.0)
    samples = dist.rsample((2000,)).flatten().numpy()
    assert stats.kstest(samples, model.cdf).pvalue > 1e-3
    got = dist.log_prob(torch.from_numpy(samples[:20]).unsqueeze(-1)).numpy()
    assert abs(got - model.logpdf(samples[:20])).max() < 1e-9
