"""grad_parity: the gradients of a random projection of everything a call returns (outputs
and new state) with respect to the floating inputs and to every parameter equal the
reference's, within the same condition-aware tolerance as the outputs.

Networks are called in eval mode, the spec's. One that keeps statistics a forward pass
updates (batch norm: floating buffers) normalises by the batch's own statistics in
training mode, where it is trained: for it the gradients of a training-mode call (on
copies, with at least two rows, and no randomness drawn) must agree too."""

import torch

from properties.compare import assert_expected, expect
from properties.harness import Subject, spec_property
from properties.kinds.base import floating_buffers, parameters_of

# the test keeps the name: the ci profile's derandomized draws are keyed to its source
from properties.kinds.base import trained_copy as training
from reference.specs import flatten, map_structure


def gradients(subject: Subject, net, x, case) -> dict[str, list[torch.Tensor]]:
    """``d <w, observe(net, x)> / d (floating inputs, parameters)``, ``w`` seeded by the case;
    parameters in registration order (zeros where a parameter does not contribute)."""
    x = map_structure(lambda t: t.detach().clone().requires_grad_(t.is_floating_point()), x)
    inputs = [t for t in flatten(x) if t.is_floating_point()]
    params = [p for _, p in parameters_of(net)]
    with torch.enable_grad():
        outputs = [y for y in flatten(subject.observe(net, x, case)) if y.requires_grad]
        g = torch.Generator().manual_seed(case.seed)
        weights = [torch.randn(y.shape, generator=g).to(y) for y in outputs]
        wanted = inputs + params
        if outputs and wanted:
            loss = sum((y * w).sum() for y, w in zip(outputs, weights))
            grads = torch.autograd.grad(loss, wanted, allow_unused=True)
        else:
            grads = (None,) * len(wanted)
    grads = [torch.zeros_like(t) if gr is None else gr for t, gr in zip(wanted, grads)]
    return {"inputs": grads[: len(inputs)], "parameters": grads[len(inputs) :]}


@spec_property
def test_grad_parity(subject: Subject, dtype: torch.dtype, device: str, data) -> None:
    case = subject.draw(data)
    ref, cand = subject.twins(case, dtype, device)
    x = subject.inputs(case, dtype, device)
    expected = expect(lambda net, x: gradients(subject, net, x, case), (ref, x), dtype)
    assert_expected(gradients(subject, cand, x, case), expected, f"{subject.name} gradients")
    if (
        floating_buffers(ref)
        and case.batch > 1
        and not subject.kind.stochastic(case.cfg, case.batch)
    ):
        expected = expect(
            lambda net, x: gradients(subject, training(net), x, case), (ref, x), dtype
        )
        got = gradients(subject, training(cand), x, case)
        assert_expected(got, expected, f"{subject.name} gradients in training mode")
