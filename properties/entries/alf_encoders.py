"""Catalog entries of ALF's ``core`` and ``encoders`` families."""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st
from torch import nn

from properties import strategies as S
from properties.entry import GENERIC, BadConfig, BenchCase, Entry
from reference.specs import BoundedTensorSpec, Nest, TensorSpec, map_structure, sample_nest

# --------------------------------------------------------------------------------------
# encoders
# --------------------------------------------------------------------------------------


def _preprocessor(impl: Any, name: str | None, spec: TensorSpec) -> Any:
    if name is None:
        return None
    kind, size = name.split(":")
    if kind == "embed":
        return impl.alf.EmbeddingPreprocessor(spec, int(size))
    return impl.alf.FC(spec.shape[0], int(size), torch.tanh)


def encoding_kwargs(impl: Any, cfg: dict) -> dict:
    """EncodingNetwork keyword arguments for ``cfg`` with names resolved in ``impl``."""
    kw = {k: v for k, v in cfg.items() if k != "n"}
    kw["activation"] = S.resolve_activation(kw.get("activation", "relu_"))
    for key in ("kernel_initializer", "last_kernel_initializer"):
        if key in kw:
            kw[key] = S.resolve_initializer(kw[key])
    if "last_activation" in kw:
        kw["last_activation"] = S.resolve_activation(kw["last_activation"])
    if "input_preprocessors" in kw:
        kw["input_preprocessors"] = map_structure(
            lambda name, spec: _preprocessor(impl, name, spec),
            kw["input_preprocessors"],
            kw["input_tensor_spec"],
        )
    if kw.get("preprocessing_combiner") == "concat":
        kw["preprocessing_combiner"] = impl.alf.NestConcat()
    return kw


def build_encoding(impl: Any, cfg: dict) -> nn.Module:
    return impl.alf.EncodingNetwork(**encoding_kwargs(impl, cfg))


def parallel_encoding(impl: Any, cfg: dict) -> nn.Module:
    return build_encoding(impl, cfg).make_parallel(cfg["n"], allow_non_parallel_input=True)


def build_parallel_encoding(impl: Any, cfg: dict) -> nn.Module:
    kw = encoding_kwargs(impl, cfg)
    spec = kw.pop("input_tensor_spec")
    return impl.alf.ParallelEncodingNetwork(spec, cfg["n"], **kw)


def _encoding_bench(parallel: bool) -> tuple[BenchCase, ...]:
    base = {
        "input_tensor_spec": TensorSpec((32,)),
        "fc_layer_params": (256, 256),
        "activation": "relu_",
    }
    ns = (1, 4, 16) if parallel else (None,)
    return tuple(
        BenchCase(f"B={b}" + (f",n={n}" if n else ""), {**base, **({"n": n} if n else {})}, b)
        for n in ns
        for b in (1, 64, 1024)
    )


_ENCODING_BAD = (
    BadConfig(
        "last_activation without last_layer_size",
        lambda impl: impl.alf.EncodingNetwork(
            TensorSpec((3,)), fc_layer_params=(4,), last_activation=torch.tanh
        ),
        ValueError,
        "last_layer_size",
    ),
    BadConfig(
        "nested input without combiner",
        lambda impl: impl.alf.EncodingNetwork(
            (TensorSpec((3,)), TensorSpec((2,))), fc_layer_params=(4,)
        ),
        ValueError,
        "combiner",
    ),
    BadConfig(
        "conv params for a flat input",
        lambda impl: impl.alf.EncodingNetwork(TensorSpec((12,)), conv_layer_params=((4, 3, 1),)),
        ValueError,
        "conv_layer_params",
    ),
    BadConfig(
        "non-positive FC size",
        lambda impl: impl.alf.EncodingNetwork(TensorSpec((3,)), fc_layer_params=(4, 0)),
        ValueError,
        "fc_layer_params",
    ),
    BadConfig(
        "output_tensor_spec of the wrong size",
        lambda impl: impl.alf.EncodingNetwork(
            TensorSpec((3,)), TensorSpec((2, 3)), fc_layer_params=(5,)
        ),
        ValueError,
        "output_tensor_spec",
    ),
)


def _has_bn(cfg: dict) -> bool:
    return bool(cfg.get("use_fc_bn") or cfg.get("last_use_fc_bn"))


@st.composite
def image_configs(draw: Any) -> dict:
    spec, convs, same = draw(S.image_and_convs())
    return {
        "input_channels": spec.shape[0],
        "input_size": spec.shape[1:],
        "conv_layer_params": convs,
        "same_padding": same,
        "activation": draw(S.activations()),
        "kernel_initializer": draw(S.initializers()),
        "flatten_output": draw(st.booleans()),
        "n": draw(st.integers(1, 4)),
    }


def build_image(impl: Any, cfg: dict) -> nn.Module:
    kw = {k: v for k, v in cfg.items() if k != "n"}
    kw["activation"] = S.resolve_activation(kw["activation"])
    kw["kernel_initializer"] = S.resolve_initializer(kw["kernel_initializer"])
    return impl.alf.ImageEncodingNetwork(**kw)


def _image_bench() -> tuple[BenchCase, ...]:
    base = {
        "input_channels": 3,
        "input_size": (16, 16),
        "conv_layer_params": ((16, 3, 2), (32, 3, 2)),
        "same_padding": False,
        "activation": "relu_",
        "kernel_initializer": None,
        "flatten_output": True,
    }
    return tuple(
        BenchCase(f"B={b},n={n}", {**base, "n": n}, b) for n in (1, 4, 16) for b in (1, 64, 1024)
    )


@st.composite
def preprocessor_configs(draw: Any) -> dict:
    spec, pres = draw(S.nested_inputs())
    return {
        "input_tensor_spec": spec,
        "input_preprocessors": pres,
        "preprocessing_combiner": "concat",
        "n": draw(st.integers(1, 3)),
    }


def build_preprocessor_network(impl: Any, cfg: dict) -> nn.Module:
    kw = encoding_kwargs(impl, {**cfg, "activation": "relu_"})
    return impl.alf.PreprocessorNetwork(
        kw["input_tensor_spec"], kw["input_preprocessors"], kw["preprocessing_combiner"]
    )


@st.composite
def embedding_configs(draw: Any) -> dict:
    cfg: dict[str, Any] = {"embedding_dim": draw(S.sizes(1, 8)), "n": draw(st.integers(1, 3))}
    if draw(st.booleans()):
        cfg["input_tensor_spec"] = draw(S.discrete_specs())
    else:
        cfg["input_tensor_spec"] = draw(S.vector_specs())
        cfg["fc_layer_params"] = draw(S.fc_layer_params(2))
        cfg["activation"] = draw(S.activations())
        cfg["last_activation"] = draw(S.activations())
    return cfg


def build_embedding(impl: Any, cfg: dict) -> nn.Module:
    kw = {k: v for k, v in cfg.items() if k != "n"}
    for key in ("activation", "last_activation"):
        if key in kw:
            kw[key] = S.resolve_activation(kw[key])
    return impl.alf.EmbeddingPreprocessor(**kw)


@st.composite
def action_configs(draw: Any) -> dict:
    leaves = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            lo = draw(st.integers(0, 2))
            shape = draw(st.sampled_from([(), (2,)]))
            leaves.append(BoundedTensorSpec(shape, torch.int64, lo, lo + draw(st.integers(0, 4))))
        else:
            leaves.append(draw(S.bounded_vector_specs()))
    spec: Nest = (
        leaves[0]
        if len(leaves) == 1
        else (dict(zip("xyz", leaves)) if draw(st.booleans()) else tuple(leaves))
    )
    return {"action_spec": spec, "n": draw(st.integers(1, 3))}


def build_action_encoder(impl: Any, cfg: dict) -> nn.Module:
    return impl.alf.SimpleActionEncoder(cfg["action_spec"])


def _naive(build: Any) -> tuple[Any, Any]:
    """parallel= and replica= for networks replicated by the default make_parallel."""
    return (lambda impl, cfg: build(impl, cfg).make_parallel(cfg["n"])), build


# --------------------------------------------------------------------------------------
# core
# --------------------------------------------------------------------------------------


def _affine_class(impl: Any) -> type:
    """A minimal subclass of the implementation's ``Network``: exercises the base class
    (saved args, copy, output_spec, default make_parallel) and nothing else."""
    cache = _affine_class.__dict__.setdefault("cache", {})
    base = impl.alf.Network
    if base not in cache:

        class Affine(base):  # type: ignore[misc, valid-type]
            def __init__(self, input_tensor_spec: TensorSpec, units: int, name: str = "Affine"):
                super().__init__(input_tensor_spec, name=name)
                self.linear = nn.Linear(input_tensor_spec.shape[0], units)

            def forward(self, x: torch.Tensor, state: Nest = ()) -> tuple[torch.Tensor, Nest]:
                return torch.tanh(self.linear(x)), state

        cache[base] = Affine
    return cache[base]


@st.composite
def small_fc_configs(draw: Any) -> dict:
    return {
        "input_tensor_spec": draw(S.vector_specs()),
        "units": draw(S.sizes(1, 8)),
        "activation": draw(S.activations()),
        "n": draw(st.integers(1, 3)),
    }


def build_network_base(impl: Any, cfg: dict) -> nn.Module:
    return _affine_class(impl)(cfg["input_tensor_spec"], cfg["units"])


def _fc(impl: Any, cfg: dict) -> nn.Module:
    return impl.alf.FC(
        cfg["input_tensor_spec"].shape[0], cfg["units"], S.resolve_activation(cfg["activation"])
    )


def build_wrapper(impl: Any, cfg: dict) -> nn.Module:
    return impl.alf.NetworkWrapper(_fc(impl, cfg), cfg["input_tensor_spec"])


def build_wrap_as_network(impl: Any, cfg: dict) -> nn.Module:
    return impl.alf.wrap_as_network(_fc(impl, cfg), None)


def build_inferred_wrapper(impl: Any, cfg: dict) -> nn.Module:
    body = nn.Sequential(_fc(impl, cfg), impl.alf.FC(cfg["units"], 3))
    return impl.alf.NetworkWrapper(body, impl.alf.get_input_tensor_spec(body))


@st.composite
def naive_parallel_configs(draw: Any) -> dict:
    return draw(S.encoding_configs(allow_preprocessors=True))


def build_naive_parallel(impl: Any, cfg: dict) -> nn.Module:
    return impl.alf.NaiveParallelNetwork(build_encoding(impl, cfg), cfg["n"])


@st.composite
def batch_squash_configs(draw: Any) -> dict:
    cfg = draw(S.encoding_configs(allow_preprocessors=True, with_n=False))
    k = draw(st.integers(1, 3))
    cfg["batch_dims"] = k
    cfg["inner_batch"] = tuple(draw(st.integers(1, 3)) for _ in range(k - 1))
    return cfg


def build_batch_squash(impl: Any, cfg: dict) -> nn.Module:
    inner = {k: v for k, v in cfg.items() if k not in ("batch_dims", "inner_batch")}
    return impl.alf.BatchSquashNetwork(build_encoding(impl, inner), cfg["batch_dims"])


def batch_squash_inputs(
    net: nn.Module, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype
) -> Nest:
    return sample_nest(net.input_tensor_spec, (batch, *cfg["inner_batch"]), generator, dtype)


_PARALLEL_ENCODING_BAD = (
    BadConfig(
        "input_preprocessors given",
        lambda impl: impl.alf.ParallelEncodingNetwork(
            TensorSpec((3,)), 2, input_preprocessors=torch.nn.Identity()
        ),
        ValueError,
        "input_preprocessors",
    ),
    BadConfig(
        "non-positive n",
        lambda impl: impl.alf.ParallelEncodingNetwork(TensorSpec((3,)), 0, fc_layer_params=(4,)),
        ValueError,
        "n",
    ),
)

_CORE_BAD = (
    BadConfig(
        "wrap_as_network of a function without a spec",
        lambda impl: impl.alf.wrap_as_network(torch.tanh, None),
        ValueError,
        "input_tensor_spec",
    ),
    BadConfig(
        "NaiveParallelNetwork of a plain module",
        lambda impl: impl.alf.NaiveParallelNetwork(nn.Linear(2, 2), 2),
        TypeError,
        "Network",
    ),
    BadConfig(
        "BatchSquashNetwork with batch_dims 0",
        lambda impl: impl.alf.BatchSquashNetwork(impl.alf.EncodingNetwork(TensorSpec((2,))), 0),
        ValueError,
        "batch_dims",
    ),
)

_PREPROCESSOR_BAD = (
    BadConfig(
        "nested preprocessed input without combiner",
        lambda impl: impl.alf.PreprocessorNetwork((TensorSpec((2,)), TensorSpec((3,)))),
        ValueError,
        "combiner",
    ),
    BadConfig(
        "embedding of an unbounded discrete spec",
        lambda impl: impl.alf.EmbeddingPreprocessor(TensorSpec((), torch.int64), 3),
        TypeError,
        "BoundedTensorSpec",
    ),
    BadConfig(
        "SimpleActionEncoder of an unbounded spec",
        lambda impl: impl.alf.SimpleActionEncoder(TensorSpec((2,))),
        TypeError,
        "BoundedTensorSpec",
    ),
)

_PARALLEL = GENERIC | {"parallel"}


def entries() -> list[Entry]:
    naive_pre = _naive(build_preprocessor_network)
    naive_emb = _naive(build_embedding)
    naive_act = _naive(build_action_encoder)
    naive_base = _naive(build_network_base)
    return [
        Entry(
            "alf.EncodingNetwork",
            "encoders",
            S.encoding_configs,
            build_encoding,
            _PARALLEL,
            parallel=parallel_encoding,
            replica=build_encoding,
            bad_configs=_ENCODING_BAD,
            bench=_encoding_bench(False),
            has_batchnorm=_has_bn,
        ),
        Entry(
            "alf.ParallelEncodingNetwork",
            "encoders",
            lambda: S.encoding_configs(allow_preprocessors=False),
            build_parallel_encoding,
            _PARALLEL,
            parallel=build_parallel_encoding,
            replica=build_encoding,
            bad_configs=_PARALLEL_ENCODING_BAD,
            bench=_encoding_bench(True),
            has_batchnorm=_has_bn,
        ),
        Entry(
            "alf.ImageEncodingNetwork",
            "encoders",
            image_configs,
            build_image,
            _PARALLEL,
            parallel=lambda impl, cfg: build_image(impl, cfg).make_parallel(
                cfg["n"], allow_non_parallel_input=True
            ),
            replica=build_image,
            bench=_image_bench(),
        ),
        Entry(
            "alf.PreprocessorNetwork",
            "encoders",
            preprocessor_configs,
            build_preprocessor_network,
            _PARALLEL,
            parallel=naive_pre[0],
            replica=naive_pre[1],
            bad_configs=_PREPROCESSOR_BAD,
        ),
        Entry(
            "alf.EmbeddingPreprocessor",
            "encoders",
            embedding_configs,
            build_embedding,
            _PARALLEL,
            parallel=naive_emb[0],
            replica=naive_emb[1],
            bad_configs=_PREPROCESSOR_BAD,
        ),
        Entry(
            "alf.SimpleActionEncoder",
            "encoders",
            action_configs,
            build_action_encoder,
            _PARALLEL - {"init"},
            parallel=naive_act[0],
            replica=naive_act[1],
            bad_configs=_PREPROCESSOR_BAD,
        ),
        Entry(
            "alf.Network",
            "core",
            small_fc_configs,
            build_network_base,
            _PARALLEL - {"bad_input"},
            parallel=naive_base[0],
            replica=naive_base[1],
        ),
        Entry(
            "alf.NetworkWrapper",
            "core",
            small_fc_configs,
            build_wrapper,
            _PARALLEL,
            parallel=lambda impl, cfg: build_wrapper(impl, cfg).make_parallel(cfg["n"]),
            replica=build_wrapper,
            bad_configs=_CORE_BAD,
        ),
        Entry(
            "alf.NaiveParallelNetwork",
            "core",
            naive_parallel_configs,
            build_naive_parallel,
            _PARALLEL,
            parallel=build_naive_parallel,
            replica=build_encoding,
            bad_configs=_CORE_BAD,
            has_batchnorm=_has_bn,
        ),
        Entry(
            "alf.BatchSquashNetwork",
            "core",
            batch_squash_configs,
            build_batch_squash,
            GENERIC,
            inputs=batch_squash_inputs,
            bad_configs=_CORE_BAD,
            has_batchnorm=_has_bn,
        ),
        Entry(
            "alf.get_input_tensor_spec", "core", small_fc_configs, build_inferred_wrapper, GENERIC
        ),
        Entry(
            "alf.wrap_as_network",
            "core",
            small_fc_configs,
            build_wrap_as_network,
            _PARALLEL,
            parallel=lambda impl, cfg: build_wrap_as_network(impl, cfg).make_parallel(cfg["n"]),
            replica=build_wrap_as_network,
            bad_configs=_CORE_BAD,
        ),
    ]
