"""Normalizing flow networks (ALF's ``normalizing_flow_networks``), written as the math.

A flow ``f`` maps ``x`` in R^D to ``y = f(x)`` in R^D invertibly, with a cheap
``log |det df/dx|``. A network exposes it three ways: ``forward(x)`` / ``forward((x, z))``
gives ``y``, ``inverse(y)`` / ``inverse((y, z))`` gives ``x``, and
``make_invertible_transform(z)`` gives a ``torch.distributions.Transform`` (with
``log_abs_det_jacobian``) that a ``TransformedDistribution`` can use. ``z`` is an optional
conditional input that the map depends on but does not transform.

``RealNVPNetwork`` (Dinh et al., "Density estimation using Real NVP", ICLR 2017) chains
``num_layers`` affine coupling layers. Layer ``l`` with binary mask ``b_l`` computes::

    s, t = s_l(x * b_l; z), t_l(x * b_l; z)
    y    = b_l * x + (1 - b_l) * (x * g(s) + t)              # forward
    x    = b_l * y + (1 - b_l) * ((y - t) / g(s))            # inverse (y * b_l == x * b_l)
    log |det dy/dx| = sum_i (1 - b_l)_i log g(s_i)

``g`` is ``transform_scale_nonlinear`` (default ``exp(clamp(s, -10, 2))``). The scale and
translation networks see only the kept coordinates, so after permuting the kept ones first
the Jacobian is triangular with diagonal ``(1, ..., 1, g(s))``. Odd layers use the flipped
mask ``~b_{l-1}``. Masks: ``contiguous`` keeps the first ``sub_dim`` coordinates,
``distributed`` every ``D // sub_dim``-th one, ``random`` a random ``sub_dim`` of them (one
draw per pair of layers). As in ALF the masks are not part of ``state_dict`` (a
non-persistent buffer ``[num_layers, *shape]``, so they follow ``.to(device)``). One
deliberate deviation: ALF draws random masks from the global generator, so a checkpoint
loaded into a new network meets other masks; here they come from a generator with the
fixed seed ``RANDOM_MASK_SEED``, a function of the constructor's arguments alone.

The two functions ``s_l`` and ``t_l`` of layer ``l`` are the two replicas of one
``EncodingNetwork(...).make_parallel(2)`` (replica 0 gives ``s``, replica 1 gives ``t``),
whose last layer has ``D`` units and no activation, as in ALF; the coupling layer hands it
the kept coordinates replicated to ``[N, 2, ...]`` (state_dict keys
``_networks.<l>._nets.*``, ALF's).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.distributions as td
from torch import nn
from torch.distributions import constraints

from reference import checks
from reference.alf.encoding import EncodingNetwork
from reference.alf.initializers import identity
from reference.alf.nest_utils import NestConcat
from reference.alf.network import Network
from reference.distributions import ComposeTransform
from reference.specs import Nest, TensorSpec, check_nest, flatten, map_structure

MASK_MODES = ("contiguous", "distributed", "random")
#: The seed of the generator random masks are drawn from (module doc).
RANDOM_MASK_SEED = 0


def clipped_exp(
    value: torch.Tensor, clip_value_min: float = -10.0, clip_value_max: float = 2.0
) -> torch.Tensor:
    """``exp(clamp(value, clip_value_min, clip_value_max))``: a positive scale that can
    neither vanish nor explode however many coupling layers are chained."""
    return torch.exp(value.clamp(clip_value_min, clip_value_max))


DEFAULT_SCALE_NONLINEAR = functools.partial(clipped_exp, clip_value_min=-10, clip_value_max=2)


def exp_clip(g: Callable[[torch.Tensor], torch.Tensor]) -> tuple[float, float] | None:
    """``(lo, hi)`` when ``g`` is ``clipped_exp`` with keyword bounds, else None."""
    if isinstance(g, functools.partial) and g.func is clipped_exp and not g.args:
        return (g.keywords.get("clip_value_min", -10.0), g.keywords.get("clip_value_max", 2.0))
    return None


def log_scale(g: Callable[[torch.Tensor], torch.Tensor], s: torch.Tensor) -> torch.Tensor:
    """``log g(s)``, written without the ``exp``/``log`` round trip where ``g`` is known:
    ``s`` for ``torch.exp``, ``clamp(s, lo, hi)`` for ``clipped_exp``; else ``log(g(s))``."""
    if g is torch.exp:
        return s
    clip = exp_clip(g)
    return s.clamp(*clip) if clip is not None else torch.log(g(s))


def conditional_batch(
    z: Nest, z_spec: Nest, x_outer: Sequence[int], what: str = "conditional input"
) -> Nest:
    """``z`` with its outer dims folded into one and repeated to match ``x``'s folded outer
    dims: ``z``'s outer dims must be a suffix of ``x``'s (several samples ``x`` of one
    ``z``, as when a distribution conditioned on ``z`` draws ``sample((S,))``)."""
    z_outer = check_nest(z_spec, z, tuple(range(1, len(x_outer) + 1)), None, what)
    if tuple(x_outer[len(x_outer) - len(z_outer) :]) != z_outer:
        raise ValueError(
            f"{what}: expected outer dims that end {list(x_outer)} (those of x), "
            f"got {list(z_outer)}"
        )
    repeats = 1
    for d in x_outer[: len(x_outer) - len(z_outer)]:
        repeats *= d
    return map_structure(
        lambda s, t: t.reshape(-1, *s.shape).repeat(repeats, *([1] * s.ndim)), z_spec, z
    )


class NormalizingFlowNetwork(Network):
    """Base class: subclasses implement ``_make_invertible_transform(z)``.

    The input spec is ``x``'s spec, or ``(x_spec, z_spec)`` with conditional inputs; the
    network's ``forward`` and ``inverse`` take one outer (batch) dim, the transform any
    number (``z``'s outer dims a suffix of ``x``'s). With ``use_transform_cache`` the last
    transform is reused while ``z`` is the same object (always, without conditional
    inputs); a transform itself caches its last ``(x, y)`` pair (``cache_size=1`` parts).
    """

    def __init__(
        self,
        input_tensor_spec: TensorSpec,
        conditional_input_tensor_spec: Nest = None,
        use_transform_cache: bool = True,
        name: str = "NormalizingFlowNetwork",
    ):
        if not isinstance(input_tensor_spec, TensorSpec) or not input_tensor_spec.is_continuous:
            raise TypeError(
                f"{name}: expected a floating TensorSpec (not a nest) for input_tensor_spec, "
                f"got {input_tensor_spec!r}"
            )
        if conditional_input_tensor_spec is not None:
            for s in flatten(conditional_input_tensor_spec):
                if not isinstance(s, TensorSpec):
                    raise TypeError(
                        f"{name}: expected a nest of TensorSpecs for "
                        f"conditional_input_tensor_spec, got a leaf {s!r}"
                    )
            spec: Nest = (input_tensor_spec, conditional_input_tensor_spec)
        else:
            spec = input_tensor_spec
        super().__init__(spec, (), name)
        self._x_spec = input_tensor_spec
        self._z_spec = conditional_input_tensor_spec
        self._use_transform_cache = checks.flag(use_transform_cache, f"{name} use_transform_cache")
        self._cached_transform: tuple[td.Transform, Nest] | None = None
        self.register_load_state_dict_post_hook(_drop_cached_transform)

    @property
    def use_conditional_inputs(self) -> bool:
        """Whether the map depends on a conditional input ``z``."""
        return self._z_spec is not None

    def make_invertible_transform(self, conditional_inputs: Nest = None) -> td.Transform:
        """The flow as a ``Transform`` for the conditional inputs ``z`` (None without them)."""
        if self.use_conditional_inputs and conditional_inputs is None:
            raise ValueError(
                f"{self._name}: expected conditional inputs matching {self._z_spec}, got None"
            )
        if not self.use_conditional_inputs and conditional_inputs is not None:
            raise ValueError(
                f"{self._name}: expected no conditional inputs (conditional_input_tensor_spec "
                f"is None), got {type(conditional_inputs).__name__}"
            )
        if not self._use_transform_cache:
            return self._make_invertible_transform(conditional_inputs)
        if self._cached_transform is not None and self._cached_transform[1] is conditional_inputs:
            return self._cached_transform[0]
        transform = self._make_invertible_transform(conditional_inputs)
        self._cached_transform = (transform, conditional_inputs)
        return transform

    def _make_invertible_transform(self, conditional_inputs: Nest) -> td.Transform:
        raise NotImplementedError(f"{type(self).__name__} must implement the transform")

    def _apply(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        # ``.to()`` / ``.double()`` replace buffers the cached transform may hold.
        self.clear_transform_cache()
        return super()._apply(fn, *args, **kwargs)

    def clear_transform_cache(self) -> None:
        """Forget the cached transform (and with it the ``(x, y)`` pairs its layers keep).

        Called on ``load_state_dict`` and ``.to()``. After an in-place weight update
        (an optimizer step) a cached pair still answers for the *same* input object, as
        in ALF; call this to recompute."""
        self._cached_transform = None

    def __getstate__(self) -> dict:
        """What ``copy`` and ``pickle`` take: no cached transform, whose layers keep the last
        call's ``(x, y)`` with its autograd graph (torch copies graph leaves only, and
        ``copy.deepcopy`` must work at any time, contract item 7); a copy builds its own on
        its first call."""
        state = super().__getstate__()
        state["_cached_transform"] = None
        return state

    def _split(self, value: Nest) -> tuple[torch.Tensor, Nest]:
        self.check_inputs(value)
        return (value[0], value[1]) if self.use_conditional_inputs else (value, None)

    def forward(self, xz: Nest, state: Nest = ()) -> tuple[torch.Tensor, Nest]:
        """``y = f(x)`` for ``xz = x``, or ``y = f(x; z)`` for ``xz = (x, z)``."""
        x, z = self._split(xz)
        return self.make_invertible_transform(z)(x), state

    def inverse(self, yz: Nest, state: Nest = ()) -> tuple[torch.Tensor, Nest]:
        """``x = f^{-1}(y)`` for ``yz = y``, or ``x = f^{-1}(y; z)`` for ``yz = (y, z)``."""
        y, z = self._split(yz)
        return self.make_invertible_transform(z).inv(y), state


def _drop_cached_transform(module: nn.Module, incompatible_keys: Any) -> None:
    """``load_state_dict`` post hook: new weights (or masks) invalidate the cached transform."""
    if isinstance(module, NormalizingFlowNetwork):
        module.clear_transform_cache()


class CouplingTransform(td.Transform):
    """One affine coupling layer (module doc): ``y = b x + (1 - b)(x g(s) + t)`` with
    ``s, t = net(x * b; z)``. Accepts any outer dims; ``z``'s must be a suffix of them."""

    bijective = True
    sign = +1

    def __init__(
        self,
        x_spec: TensorSpec,
        scale_trans_net: nn.Module,
        mask: torch.Tensor,
        z_spec: Nest = None,
        z: Nest = None,
        scale_nonlinear: Callable[[torch.Tensor], torch.Tensor] = DEFAULT_SCALE_NONLINEAR,
        cache_size: int = 1,
    ):
        super().__init__(cache_size=cache_size)
        self.x_spec, self.z_spec, self.z = x_spec, z_spec, z
        self.net, self.b, self.g = scale_trans_net, mask, scale_nonlinear
        self.domain = constraints.independent(constraints.real, x_spec.ndim)
        self.codomain = constraints.independent(constraints.real, x_spec.ndim)

    def check_value(self, u: object) -> None:
        """``u`` must be a tensor ``[*outer, *x_spec.shape]`` of the dtype of the scale and
        translation network's parameters: our ``ValueError`` / ``TypeError`` rather than a
        deep one from inside the network."""
        shape = tuple(self.x_spec.shape)
        if not isinstance(u, torch.Tensor):
            raise TypeError(f"flow transform: expected a torch.Tensor, got {type(u).__name__}")
        if u.dim() < len(shape) or tuple(u.shape[u.dim() - len(shape) :]) != shape:
            raise ValueError(
                f"flow transform: expected a value [*outer, *{list(shape)}], "
                f"got shape {list(u.shape)}"
            )
        param = next(self.net.parameters(), None)
        if param is not None and u.dtype != param.dtype:
            raise TypeError(
                f"flow transform: expected dtype {param.dtype} (the flow's parameters), "
                f"got {u.dtype}"
            )

    def scale_translation(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``s(u * b; z)`` and ``t(u * b; z)``, shaped like ``u`` (checked first)."""
        self.check_value(u)
        outer = u.shape[: u.dim() - self.x_spec.ndim]
        kept = (u * self.b).reshape(-1, *self.x_spec.shape)
        if self.z is None:
            inputs: Nest = kept
        else:
            inputs = (kept, conditional_batch(self.z, self.z_spec, outer))
        pair = map_structure(lambda t: t.unsqueeze(1).expand(t.shape[0], 2, *t.shape[1:]), inputs)
        st = self.net(pair)[0]  # [N, 2, D]: replica 0 is s, replica 1 is t
        s = st[:, 0].reshape(*outer, *self.x_spec.shape)
        t = st[:, 1].reshape(*outer, *self.x_spec.shape)
        return s, t

    def _call(self, x: torch.Tensor) -> torch.Tensor:
        s, t = self.scale_translation(x)
        return torch.where(self.b, x, x * self.g(s) + t)

    def _inverse(self, y: torch.Tensor) -> torch.Tensor:
        s, t = self.scale_translation(y)
        return torch.where(self.b, y, (y - t) / self.g(s))

    def log_abs_det_jacobian(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        s, _ = self.scale_translation(x)
        log_diag = torch.where(self.b, torch.zeros_like(s), log_scale(self.g, s))
        return log_diag.flatten(s.dim() - self.x_spec.ndim).sum(-1)


class RealNVPNetwork(NormalizingFlowNetwork):
    """Real NVP: ``num_layers`` affine coupling layers with alternating masks (module doc).

    ``input_preprocessors`` (an ``(x_processor, z_processor)`` pair) and
    ``preprocessing_combiner`` (default ``NestConcat``) apply to the scale/translation
    networks' input ``(x * b, z)``, so they need conditional inputs. ``conv_layer_params``
    need an image ``input_tensor_spec`` ``[C, H, W]``.
    """

    _masks: torch.Tensor

    def __init__(
        self,
        input_tensor_spec: TensorSpec,
        conditional_input_tensor_spec: Nest = None,
        input_preprocessors: Nest = None,
        preprocessing_combiner: Callable | None = None,
        conv_layer_params: Sequence[Sequence[int]] | None = None,
        fc_layer_params: Sequence[int] | None = None,
        activation: Callable = torch.tanh,
        transform_scale_nonlinear: Callable = DEFAULT_SCALE_NONLINEAR,
        sub_dim: int | None = None,
        mask_mode: str = "contiguous",
        num_layers: int = 2,
        use_transform_cache: bool = True,
        name: str = "RealNVPNetwork",
    ):
        super().__init__(
            input_tensor_spec, conditional_input_tensor_spec, use_transform_cache, name
        )
        d = input_tensor_spec.numel
        sub_dim = d // 2 if sub_dim is None else sub_dim
        if not isinstance(sub_dim, int) or isinstance(sub_dim, bool) or not 0 <= sub_dim <= d:
            raise ValueError(f"{name}: expected sub_dim in [0, {d}] or None, got {sub_dim!r}")
        if mask_mode not in MASK_MODES:
            raise ValueError(f"{name}: expected mask_mode in {MASK_MODES}, got {mask_mode!r}")
        if not isinstance(num_layers, int) or isinstance(num_layers, bool) or num_layers < 1:
            raise ValueError(f"{name}: expected num_layers >= 1, got {num_layers!r}")
        if not callable(transform_scale_nonlinear):
            raise TypeError(
                f"{name}: expected a callable transform_scale_nonlinear, "
                f"got {type(transform_scale_nonlinear).__name__}"
            )
        if not self.use_conditional_inputs and (
            input_preprocessors is not None or preprocessing_combiner is not None
        ):
            raise ValueError(
                f"{name}: input_preprocessors / preprocessing_combiner apply to (x, z); "
                "expected None without conditional_input_tensor_spec, got "
                f"{input_preprocessors!r} / {preprocessing_combiner!r}"
            )
        if self.use_conditional_inputs and preprocessing_combiner is None:
            preprocessing_combiner = NestConcat()
        self._sub_dim, self._mask_mode = sub_dim, mask_mode
        self._scale_nonlinear = transform_scale_nonlinear
        masks = self._generate_masks(input_tensor_spec, sub_dim, num_layers)
        self.register_buffer("_masks", masks, persistent=False)
        self._networks = nn.ModuleList(
            [
                EncodingNetwork(
                    input_tensor_spec=self._input_tensor_spec,
                    input_preprocessors=input_preprocessors,
                    preprocessing_combiner=preprocessing_combiner,
                    conv_layer_params=conv_layer_params,
                    fc_layer_params=fc_layer_params,
                    activation=activation,
                    last_layer_size=d,
                    last_activation=identity,
                    name=f"{name}_scale_translation_{i}",
                ).make_parallel(2)
                for i in range(num_layers)
            ]
        )

    def _generate_masks(self, spec: TensorSpec, sub_dim: int, num_layers: int) -> torch.Tensor:
        """``[num_layers, *shape]`` bools, True where a layer keeps the coordinate."""
        d = spec.numel
        generator = torch.Generator().manual_seed(RANDOM_MASK_SEED)
        masks: list[torch.Tensor] = []
        for layer in range(num_layers):
            if layer % 2 == 1:
                masks.append(~masks[-1])
                continue
            b = torch.zeros(d, dtype=torch.bool)
            if self._mask_mode == "contiguous":
                b[:sub_dim] = True
            elif self._mask_mode == "distributed":
                if sub_dim > 0:
                    b[torch.arange(0, (d // sub_dim) * sub_dim, d // sub_dim)] = True
            else:
                b[torch.randperm(d, generator=generator)[:sub_dim]] = True
            masks.append(b.reshape(spec.shape))
        return torch.stack(masks)

    @property
    def masks(self) -> torch.Tensor:
        """The layers' binary masks ``[num_layers, *shape]`` (True: kept unchanged)."""
        return self._masks

    def _make_invertible_transform(self, conditional_inputs: Nest) -> td.Transform:
        return ComposeTransform(
            [
                CouplingTransform(
                    self._x_spec,
                    net,
                    self._masks[layer],
                    self._z_spec,
                    conditional_inputs,
                    self._scale_nonlinear,
                )
                for layer, net in enumerate(self._networks)
            ]
        )
