"""The AMAGO timestep-encoder kind: ``embeddings = net(obs, rl2s, log_dict=None)``.

What AMAGO's spec documents for every ``TstepEncoder`` and this kind relies on: the
constructor takes gymnasium spaces (built by the entries from plain data), the call
``net(obs, rl2s, log_dict=None)`` maps ``obs = {key: [B, L, *shape]}`` and ``rl2s: [B, L,
rl2_dim]`` to ``[B, L, emb_dim]``, and ``emb_dim`` is public. An input here is the nest
``{"obs": {...}, "rl2s": ...}``, sampled from the config's plain data: observations ~ N(0, 1),
pixel images uniform in [0, 255], rl2s ~ N(0, 2^2).

A timestep encoder has no hidden state: the spec has it encode every timestep on its own
(``timestep_independence`` checks that). Its one source of randomness is the training-mode
image augmentation of a CNN encoder, drawn from torch's global generator as upstream does;
the kind seeds it through :func:`~properties.kinds.base.seeded` (``observe``, ``draw``).

The entry-specific facts the AMAGO-only properties need come as data: :class:`Augmentation`
(the config with augmentation on and off, the rows it may touch, the image and its possible
crops) and :class:`Normaliser` (the config with input normalisation on, the normaliser's
input features, its statistics read from the upstream-layout state_dict, and the numpy
models of both).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch

from properties.compare import tolerance
from properties.kinds.base import BadInput, Kind, device_of, seeded, set_training, trained_copy
from reference.specs import BoundedTensorSpec, Nest, TensorSpec, map_structure, sample_nest

#: A (batch row, timestep) position of an input.
Place = tuple[int, int]
#: Scale of the rl2 features (previous actions and rewards) drawn as inputs.
RL2_SCALE = 2.0
#: Below this probability an event counts as impossible (two seeds drawing the same crops).
NEGLIGIBLE = 1e-9


@dataclass(frozen=True)
class Augmentation:
    """What an entry whose training mode augments images declares, all from plain data:

    * ``on(cfg)``: the config with augmentation on, and nothing else that makes training
      mode differ from eval mode (no batch statistics), so augmentation is the only
      difference; ``off(cfg)``: the same config with augmentation off (same parameters);
    * ``enabled(cfg)``: whether a config augments in training mode;
    * ``rows(cfg, batch)``: the batch rows training mode augments (every step of them);
    * ``image_key(cfg)``: the observation key of the image;
    * ``crops(cfg, image)``: ``[K, *image.shape]``, the images augmentation turns one image
      into, each with probability ``1 / K``.
    """

    on: Callable[[dict], dict]
    off: Callable[[dict], dict]
    enabled: Callable[[dict], bool]
    rows: Callable[[dict, int], Sequence[int]]
    image_key: Callable[[dict], str]
    crops: Callable[[dict, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Normaliser:
    """What an entry with a running input normaliser declares:

    * ``on(cfg)``: the config with input normalisation on;
    * ``features(cfg, inputs)``: the normaliser's input, ``[B * L, dim]`` (numpy float64),
      for one encoder input;
    * ``pad_value``: a timestep whose features all equal it is padding;
    * ``statistics(state)``: the normaliser's statistics, read from the encoder's
      upstream-layout state_dict (name -> numpy array);
    * ``model(batches)``: the same statistics from an independent numpy model of the
      normaliser, after training-mode calls on ``batches`` (each ``features`` of one call);
    * ``normalise_model(statistics, x)``: the numpy model of normalising ``x`` ``[N, dim]``;
    * ``normalised(net, x)``: the normaliser of a *reference* encoder applied to ``x``
      (the candidate's normalisation is checked through its outputs).
    """

    on: Callable[[dict], dict]
    features: Callable[[dict, Nest], np.ndarray]
    pad_value: float
    statistics: Callable[[Mapping[str, torch.Tensor]], dict[str, np.ndarray]]
    model: Callable[[Sequence[np.ndarray]], dict[str, np.ndarray]]
    normalise_model: Callable[[Mapping[str, np.ndarray], np.ndarray], np.ndarray]
    normalised: Callable[[Any, torch.Tensor], torch.Tensor]


def obs_shapes_of(cfg: dict) -> Mapping[str, tuple[int, ...]]:
    return cfg["obs_shapes"]


def rl2_dim_of(cfg: dict) -> int:
    return int(cfg["rl2_dim"])


def length_of(cfg: dict) -> int:
    return int(cfg["length"])


def zero_length(cfg: dict) -> dict:
    return {**cfg, "length": 0}


def d_output_of(cfg: dict) -> int:
    return int(cfg["d_output"])


def no_pixels(cfg: dict) -> Collection[str]:
    return ()


def near(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Whether ``a`` and ``b`` agree in every element of their last dim within the parity
    contract's tolerance of their dtype (broadcasting over the leading dims)."""
    rtol, atol = tolerance(a.dtype)
    return ((a - b).abs() <= atol + rtol * b.abs()).all(-1)


@dataclass(frozen=True)
class AmagoEncoder(Kind):
    """An AMAGO timestep encoder (module doc). From a plain-data config: ``obs_shapes``
    (key -> shape), ``rl2_dim``, ``length`` (the L of inputs), ``emb_dim`` (the declared
    output size), ``read_keys`` (the observation keys the encoder reads; default: all),
    ``pixel_keys`` (keys holding pixel images); ``augmentation`` and ``normaliser`` where
    the entry has them."""

    title: ClassVar[str] = "AMAGO timestep encoder"
    supports: ClassVar[frozenset[str]] = frozenset(
        {
            "shape",
            "empty_batch",
            "signature",
            "api",
            "parity",
            "float64_exact",
            "grad_parity",
            "batch_invariance",
            "device",
            "state_dict",
            "init",
            "bad_input",
            "deepcopy",
            "determinism",
            "timestep_independence",
            "augmentation",
            "input_norm",
            "log_dict",
        }
    )
    own_ids: ClassVar[dict[str, str]] = {
        "timestep_independence": "in eval mode the output at step t depends on step t's "
        "inputs only",
        "augmentation": "image augmentation only in training mode, only on its rows, each "
        "image a shifted crop",
        "input_norm": "the running input normaliser holds a numpy model's statistics and "
        "normalises with them",
        "log_dict": "calling with a log_dict gives exactly the results of log_dict=None",
    }
    not_applicable: ClassVar[dict[str, str]] = {
        "reparam_grad": "returns an embedding tensor, not a distribution",
        "parallel": "the spec gives timestep encoders no parallel form",
        "recurrent_steps": "no hidden state: the spec has every timestep encoded on its own",
        "nan_isolation": "no hidden state and no episodes: every timestep is encoded on its "
        "own (a NaN observation's way into the normaliser's statistics is input_norm's and "
        "extreme_inputs' concern)",
        "flow_inverse": "not a normalizing flow",
        "flow_logdet": "not a normalizing flow",
        "jacobian": "has no closed-form Jacobian methods",
        "dist_bounds": "returns an embedding tensor, not a distribution",
        "extreme_inputs": "returns an embedding tensor, not a distribution (the extreme-input "
        "checks are a distribution's)",
        "dist_logprob": "returns an embedding tensor, not a distribution",
        "dist_sampling": "returns an embedding tensor, not a distribution",
        "loss": "a network, not a loss",
    }

    obs_shapes: Callable[[dict], Mapping[str, tuple[int, ...]]] = obs_shapes_of
    rl2_dim: Callable[[dict], int] = rl2_dim_of
    length: Callable[[dict], int] = length_of
    #: the config with sequences of length 0 (``length`` reads 0 from it)
    empty_length: Callable[[dict], dict] = zero_length
    emb_dim: Callable[[dict], int] = d_output_of
    read_keys: Callable[[dict], Sequence[str]] | None = None
    pixel_keys: Callable[[dict], Collection[str]] = no_pixels
    augmentation: Augmentation | None = None
    normaliser: Normaliser | None = None

    # -- the catalog ----------------------------------------------------------------------
    def needs_reason(self) -> frozenset[str]:
        missing = set()
        if self.augmentation is None:
            missing.add("augmentation")
        if self.normaliser is None:
            missing.add("input_norm")
        return frozenset(missing)

    def instance_reasons(self) -> dict[str, str]:
        if self.augmentation is None:
            return {"determinism": "its forward pass draws no random numbers"}
        return {}

    # -- inputs ---------------------------------------------------------------------------
    def input_spec(self, cfg: dict) -> Nest:
        pixels = set(self.pixel_keys(cfg))

        def spec(key: str, shape: tuple[int, ...]) -> TensorSpec:
            if key in pixels:
                return BoundedTensorSpec(shape, torch.float32, 0.0, 255.0)
            return TensorSpec(shape)

        obs = {k: spec(k, tuple(shape)) for k, shape in self.obs_shapes(cfg).items()}
        return {"obs": obs, "rl2s": TensorSpec((self.rl2_dim(cfg),))}

    def outer_dims(self, cfg: dict, batch: int) -> tuple[int, ...]:
        return (batch, self.length(cfg))

    def empty_sequences(self, cfg: dict) -> list[dict]:
        return [self.empty_length(cfg)]

    def inputs(self, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype) -> Nest:
        x = sample_nest(self.input_spec(cfg), self.outer_dims(cfg, batch), generator, dtype)
        return {"obs": x["obs"], "rl2s": RL2_SCALE * x["rl2s"]}

    # -- calls ----------------------------------------------------------------------------
    def call(self, net: Any, inputs: Nest, state: Nest) -> tuple[Any, Nest]:
        return net(inputs["obs"], inputs["rl2s"]), ()

    def call_with_log(
        self, net: Any, inputs: Nest, state: Nest, log_dict: dict | None
    ) -> tuple[Any, Nest]:
        return net(inputs["obs"], inputs["rl2s"], log_dict=log_dict), ()

    def eval_output(self, net: Any, inputs: Nest) -> torch.Tensor:
        """The eval-mode output (no gradient), leaving ``net``'s mode as it was."""
        was = bool(getattr(net, "training", False))
        set_training(net, False)
        try:
            with torch.no_grad():
                return self.call(net, inputs, ())[0]
        finally:
            set_training(net, was)

    # -- randomness -----------------------------------------------------------------------
    def stochastic(self, cfg: dict, batch: int) -> bool:
        """Whether a training-mode call augments; only batches of more than one timestep
        count (training mode over one timestep is undefined with batch statistics)."""
        if self.augmentation is None or not self.augmentation.enabled(cfg):
            return False
        return batch * self.length(cfg) > 1

    def draw(self, net: Any, inputs: Nest, cfg: dict, seed: int) -> Nest:
        """The training-mode output with the augmentation seeded by ``seed`` (on a copy of
        ``net``: training-mode statistics of the original stay as they were)."""
        trained = trained_copy(net)
        with seeded(seed, device_of(inputs)), torch.no_grad():
            return self.call(trained, inputs, ())[0]

    def distinct(self, net: Any, inputs: Nest, cfg: dict) -> bool:
        """Whether two seeds draw the same crops of every augmented image with negligible
        probability: the product over augmented images of ``sum_c (n_c / K)^2``, the chance
        that two uniform crops land in one class ``c`` of crops with equal outputs."""
        places = self.augmented(cfg, self.batch_of(inputs))
        outputs = self.crop_outputs(net, inputs, cfg, places)
        same = near(outputs[:, :, None], outputs[:, None, :])
        collision = same.double().mean((1, 2))
        return bool(collision.prod() < NEGLIGIBLE)

    # -- positions of an input ------------------------------------------------------------
    def batch_of(self, inputs: Nest) -> int:
        return int(inputs["rl2s"].shape[0])

    def places(self, cfg: dict, batch: int) -> list[Place]:
        return [(b, t) for b in range(batch) for t in range(self.length(cfg))]

    def augmented(self, cfg: dict, batch: int) -> list[Place]:
        """The places training-mode augmentation changes."""
        assert self.augmentation is not None
        return [(b, t) for b in self.augmentation.rows(cfg, batch) for t in range(self.length(cfg))]

    @staticmethod
    def at(output: torch.Tensor, places: Sequence[Place]) -> torch.Tensor:
        """``[N, emb_dim]``: the output rows at ``places``."""
        if not places:
            return output.new_zeros((0, output.shape[-1]))
        rows, steps = zip(*places)
        return output[list(rows), list(steps)]

    @staticmethod
    def at_step(nest: Nest, t: int) -> Nest:
        """Step ``t`` of every ``[B, L, ...]`` leaf of ``nest``."""
        return map_structure(lambda v: v[:, t], nest)

    @staticmethod
    def keep_step(x: Nest, other: Nest, t: int) -> Nest:
        """``other`` with step ``t`` of every leaf taken from ``x``."""

        def mix(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            out = b.clone()
            out[:, t] = a[:, t]
            return out

        return map_structure(mix, x, other)

    @staticmethod
    def padded(x: Nest, value: float) -> Nest:
        """``x`` with its last step of row 0 set to ``value`` in every leaf (AMAGO's padding
        of a short sequence); ``x`` itself when it has one step."""

        def pad(v: torch.Tensor) -> torch.Tensor:
            out = v.clone()
            out[0, -1] = value
            return out

        return x if x["rl2s"].shape[1] < 2 else map_structure(pad, x)

    # -- augmentation ---------------------------------------------------------------------
    def crop_outputs(
        self, net: Any, inputs: Nest, cfg: dict, places: Sequence[Place]
    ) -> torch.Tensor:
        """``[N, K, emb_dim]``: the eval-mode outputs of every crop of the image at each
        place, with that place's other inputs, in one call of ``N * K`` rows of one step."""
        assert self.augmentation is not None
        key = self.augmentation.image_key(cfg)
        obs, rl2s = inputs["obs"], inputs["rl2s"]
        crops = torch.stack([self.augmentation.crops(cfg, obs[key][b, t]) for b, t in places])
        n, k = crops.shape[:2]

        def spread(v: torch.Tensor) -> torch.Tensor:
            at = torch.stack([v[b, t] for b, t in places])  # [N, ...]
            return at[:, None].expand(n, k, *at.shape[1:]).reshape(n * k, 1, *at.shape[1:])

        crop_obs = {name: spread(v) for name, v in obs.items()}
        crop_obs[key] = crops.reshape(n * k, 1, *crops.shape[2:])
        out = self.eval_output(net, {"obs": crop_obs, "rl2s": spread(rl2s)})
        return out.reshape(n, k, -1)

    # -- checks ---------------------------------------------------------------------------
    def check_shape(self, ref: Any, cand: Any, cfg: dict, inputs: Nest, batch: int) -> None:
        emb = self.emb_dim(cfg)
        for name, net in (("reference", ref), ("candidate", cand)):
            assert net.emb_dim == emb, f"{name} emb_dim {net.emb_dim}, the config declares {emb}"
        out, _ = self.call(cand, inputs, ())
        want = (batch, self.length(cfg), emb)
        assert isinstance(out, torch.Tensor), f"output: expected a tensor, got {type(out)}"
        assert tuple(out.shape) == want, f"output shape {list(out.shape)}, expected {list(want)}"
        assert out.dtype == inputs["rl2s"].dtype, (
            f"output dtype {out.dtype}, expected the inputs' {inputs['rl2s'].dtype}"
        )

    def bad_inputs(self, net: Any, cfg: dict, x: Nest) -> list[BadInput]:
        obs, rl2s = x["obs"], x["rl2s"]
        read = sorted(self.read_keys(cfg) if self.read_keys is not None else obs)
        key = read[-1]
        value = obs[key]
        other = torch.float64 if rl2s.dtype == torch.float32 else torch.float32

        def with_obs(v: Any) -> Nest:
            return {"obs": {**obs, key: v}, "rl2s": rl2s}

        bad: list[BadInput] = [
            (
                f"obs missing {key!r}",
                {"obs": {k: v for k, v in obs.items() if k != key}, "rl2s": rl2s},
                TypeError,
            ),
            ("obs not a dict", {"obs": value, "rl2s": rl2s}, TypeError),
            (f"obs[{key!r}] without the time dim", with_obs(value[:, 0]), ValueError),
            (
                f"obs[{key!r}] last dim +1",
                with_obs(torch.cat([value, value[..., :1]], -1)),
                ValueError,
            ),
            (f"obs[{key!r}] other length", with_obs(torch.cat([value, value], 1)), ValueError),
            (
                "rl2s last dim +1",
                {"obs": obs, "rl2s": torch.cat([rl2s, rl2s[..., :1]], -1)},
                ValueError,
            ),
            ("rl2s as int32", {"obs": obs, "rl2s": rl2s.to(torch.int32)}, TypeError),
            (f"rl2s as {other}", {"obs": obs, "rl2s": rl2s.to(other)}, TypeError),
            ("rl2s without the time dim", {"obs": obs, "rl2s": rl2s[:, 0]}, ValueError),
        ]
        if value.dim() == 5:  # an image: height, width and channels transposed
            swapped = value.transpose(-1, -3)
            if swapped.shape != value.shape:
                bad.append((f"obs[{key!r}] image transposed", with_obs(swapped), ValueError))
        return bad
