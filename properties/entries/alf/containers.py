"""Catalog entries of ``alf.networks.containers`` and the container-like networks of
``alf.networks.networks``: Sequential, Branch, Parallel, Echo, Residue, AMPWrapper.

Members are plain data: ``("fc", k)`` an ``alf.FC(d, k, tanh)`` (an ``nn.Module`` that is
not a Network: the container wraps it), ``("lstm", k)`` / ``("gru", k)`` an
``alf.LSTMCell`` / ``alf.GRUCell`` (a stateful Network), ``("linear", k)`` a
``torch.nn.Linear(d, k)`` (a module without ``make_parallel``: its parallel form is ALF's
naive parallel layer), ``("tanh",)`` the plain function ``torch.tanh``. A config draws 1-3
members of small sizes, so every container is checked with and without state, with
wrapped modules, Networks and functions.
"""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from benchmarks.cases.alf import containers as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._containers_configs import (
    branch_configs,
    echo_configs,
    member_specs,
    parallel_configs,
    residue_configs,
    sequential_configs,
)
from properties.entry import BadConfig, Entry
from properties.kinds.alf_network import AlfNetwork, Parallel
from properties.specs import alf_specs
from reference.specs import TensorSpec


def member(impl: Impl, spec: tuple, size: int) -> tuple[Any, int]:
    """The member ``spec`` on inputs of ``size`` features, and its output size."""
    if spec[0] == "fc":
        return impl.alf.FC(size, spec[1], torch.tanh), spec[1]
    if spec[0] == "lstm":
        return impl.alf.LSTMCell(size, spec[1]), spec[1]
    if spec[0] == "gru":
        return impl.alf.GRUCell(size, spec[1]), spec[1]
    if spec[0] == "linear":
        return torch.nn.Linear(size, spec[1]), spec[1]
    return torch.tanh, size


def _spec(impl: Impl, size: int) -> Any:
    return alf_specs(impl, TensorSpec((size,)))


def build_sequential(impl: Impl, cfg: dict) -> Any:
    """Positional members; with ``named``: members named ``m0, m1, ...`` and a last member
    ``c`` concatenating ``('input', <last>)`` (nested input paths), output ``('c', 'm0')``."""
    size = cfg["input_size"]
    built = []
    for spec in cfg["members"]:
        module, size = member(impl, spec, size)
        built.append(module)
    spec = _spec(impl, cfg["input_size"])
    if not cfg["named"]:
        return impl.alf.Sequential(*built, input_tensor_spec=spec)
    named: dict[str, Any] = {f"m{i}": m for i, m in enumerate(built)}
    named["c"] = (("input", f"m{len(built) - 1}"), impl.alf.NestConcat())
    return impl.alf.Sequential(input_tensor_spec=spec, output=("c", "m0"), **named)


def _input_spec(cfg: dict) -> TensorSpec:
    return TensorSpec((cfg["input_size"],))


def build_branch(impl: Impl, cfg: dict) -> Any:
    """``Branch(a, b)``, ``Branch((a, b))`` or ``Branch(m0=a, m1=b)``."""
    mods = [member(impl, s, cfg["input_size"])[0] for s in cfg["members"]]
    spec = _spec(impl, cfg["input_size"])
    if cfg["form"] == "named":
        return impl.alf.Branch(input_tensor_spec=spec, **{f"m{i}": m for i, m in enumerate(mods)})
    if cfg["form"] == "tuple":
        return impl.alf.Branch(tuple(mods), input_tensor_spec=spec)
    return impl.alf.Branch(*mods, input_tensor_spec=spec)


def _parallel_spec(cfg: dict) -> Any:
    specs = [TensorSpec((d,)) for d in cfg["input_sizes"]]
    if cfg["as_dict"]:
        return {f"x{i}": s for i, s in enumerate(specs)}
    return specs[0] if len(specs) == 1 else tuple(specs)


def build_parallel(impl: Impl, cfg: dict) -> Any:
    mods = [member(impl, s, d)[0] for s, d in zip(cfg["members"], cfg["input_sizes"])]
    spec = alf_specs(impl, _parallel_spec(cfg))
    if cfg["as_dict"]:
        return impl.alf.Parallel({f"x{i}": m for i, m in enumerate(mods)}, spec)
    return impl.alf.Parallel(mods[0] if len(mods) == 1 else tuple(mods), spec)


def build_echo(impl: Impl, cfg: dict) -> Any:
    """A block on ``(x, e)`` (or ``dict(input=x, echo=e)``): concat, a hidden FC or LSTM
    cell, then ``y = FC(h)`` and ``e' = tanh(FC(h))`` as a tuple (or ``output``/``echo``)."""
    x_spec, e_spec = TensorSpec((cfg["input_size"],)), TensorSpec((cfg["echo_size"],))
    joint = cfg["input_size"] + cfg["echo_size"]
    hidden, _ = member(impl, (cfg["cell"], cfg["hidden"]), joint)
    if cfg["form"] == "tuple":
        spec: Any = (x_spec, e_spec)
        output: Any = ("y", "e")
    else:
        spec = {"input": x_spec, "echo": e_spec}
        output = {"output": "y", "echo": "e"}
    block = impl.alf.Sequential(
        input_tensor_spec=alf_specs(impl, spec),
        output=output,
        cat=impl.alf.NestConcat(),
        h=hidden,
        y=("h", impl.alf.FC(cfg["hidden"], cfg["output_size"])),
        e=("h", impl.alf.FC(cfg["hidden"], cfg["echo_size"], torch.tanh)),
    )
    return impl.alf.Echo(block)


def _block(impl: Impl, cfg: dict) -> Any:
    """``Sequential(inner, FC(k, d))`` back to the input size (or a plain FC(d, d))."""
    d = cfg["input_size"]
    if cfg["inner"] is None:
        return impl.alf.FC(d, d, torch.tanh)
    inner, k = member(impl, cfg["inner"], d)
    return impl.alf.Sequential(inner, impl.alf.FC(k, d), input_tensor_spec=_spec(impl, d))


def build_residue(impl: Impl, cfg: dict) -> Any:
    return impl.alf.Residue(
        _block(impl, cfg), _spec(impl, cfg["input_size"]), S.resolve_activation(cfg["activation"])
    )


@st.composite
def amp_configs(draw: Any) -> dict:
    return {
        "input_size": draw(st.integers(1, 4)),
        "inner": draw(member_specs(allow_function=False)),
        "enabled": draw(S.variants("enabled", [False, True])),
    }


def build_amp(impl: Impl, cfg: dict) -> Any:
    d = cfg["input_size"]
    inner, k = member(impl, cfg["inner"], d)
    net = impl.alf.Sequential(inner, impl.alf.FC(k, 2), input_tensor_spec=_spec(impl, d))
    return impl.alf.AMPWrapper(cfg["enabled"], net)


_BAD = (
    BadConfig(
        "Sequential given a class, not an instance",
        lambda impl: impl.alf.Sequential(impl.alf.FC, input_tensor_spec=_spec(impl, 2)),
        TypeError,
        "instance",
    ),
    BadConfig(
        "Sequential without input_tensor_spec on a function",
        lambda impl: impl.alf.Sequential(torch.tanh),
        ValueError,
        "input_tensor_spec",
    ),
    BadConfig(
        "Echo of a block whose input is not a pair",
        lambda impl: impl.alf.Echo(impl.alf.GRUCell(2, 2)),
        ValueError,
        "2-tuple",
    ),
    BadConfig(
        "Echo of a plain module",
        lambda impl: impl.alf.Echo(torch.nn.Linear(2, 2)),
        TypeError,
        "Network",
    ),
    BadConfig(
        "Residue whose block output [B, 1] would broadcast against its input [B, 4]",
        lambda impl: impl.alf.Residue(lambda x: x[:, :1], _spec(impl, 4))(torch.ones(2, 4)),
        ValueError,
        "block output",
    ),
    BadConfig(
        "Parallel without specs for a function",
        lambda impl: impl.alf.Parallel((torch.tanh, torch.tanh)),
        ValueError,
        "input_tensor_spec",
    ),
    BadConfig(
        "Branch of modules with different input specs",
        lambda impl: impl.alf.Branch(impl.alf.FC(2, 2), impl.alf.FC(3, 2)),
        ValueError,
        "expected",
    ),
)


def _container(
    name: str,
    configs: Any,
    build: Any,
    spec: Any = _input_spec,
    parallel: bool = True,
    left_out: dict | None = None,
) -> Entry:
    """A stateful ALF container (with the spec's ``make_parallel`` where ``parallel``)."""
    return Entry(
        f"alf.{name}",
        AlfNetwork(
            spec=spec,
            parallel=Parallel.made_parallel(build, shared_input=False) if parallel else None,
            stateful=True,
        ),
        configs,
        build,
        left_out=left_out or {},
        bad_configs=_BAD,
        bench=cases.bench(f"alf.{name}"),
    )


def entries() -> list[Entry]:
    return [
        _container("Sequential", sequential_configs, build_sequential),
        _container("Branch", branch_configs, build_branch),
        _container("Parallel", parallel_configs, build_parallel, spec=_parallel_spec),
        _container("Echo", echo_configs, build_echo),
        _container(
            "Residue",
            residue_configs,
            build_residue,
            parallel=False,
            left_out={"parallel": "the spec gives Residue no make_parallel of its own"},
        ),
        _container(
            "AMPWrapper",
            amp_configs,
            build_amp,
            parallel=False,
            left_out={
                "parallel": "the spec gives AMPWrapper no make_parallel of its own",
                "device": "with enabled=True, CUDA autocast computes in float16 by design, so "
                "CPU == CUDA within the float32 contract cannot hold; tests/"
                "test_alf_containers.py checks the CUDA autocast behaviour when CUDA is present",
            },
        ),
    ]
