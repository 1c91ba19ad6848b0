"""The spec's signatures: the extractor's parser, the shipped data, and the comparison the
``signature`` property makes."""

from __future__ import annotations

import functools
import inspect
from collections import namedtuple

import pytest
import torch

from properties.candidate import Impl
from properties.catalog import catalog
from properties.inventory import documented, documented_methods, inventory
from properties.test_signature import (
    describe,
    mismatches,
    render,
    same,
    signature_check,
    signature_problems,
)
from reference.specs import TensorSpec
from tools.extract_signatures import (
    ParseError,
    bases_of,
    parse_default,
    parse_parameters,
    read_document,
    signature_line,
)

# -- the parser on tricky lines ---------------------------------------------------------


def test_defaults_of_every_form() -> None:
    assert parse_default("<built-in method relu_ of type object>") == {"callable": "relu_"}
    assert parse_default("<function identity>") == {"callable": "identity"}
    assert parse_default("<built-in function softplus>") == {"callable": "softplus"}
    assert parse_default("<class 'alf.layers.FC'>") == {"class": "FC"}
    assert parse_default("StableTanh()") == {"instance": "StableTanh"}
    assert parse_default("torch.float32") == {"dtype": "float32"}
    assert parse_default("0.006737946999085467") == {"literal": 0.006737946999085467}
    assert parse_default("1e-05") == {"literal": 1e-05}
    assert parse_default("-1") == {"literal": -1}
    assert parse_default("'contiguous'") == {"literal": "contiguous"}
    assert parse_default("None") == {"literal": None}
    assert parse_default("(100, )") == {"tuple": [{"literal": 100}]}
    assert parse_default("()") == {"tuple": []}
    assert parse_default("(-0.99, 0.99)") == {"tuple": [{"literal": -0.99}, {"literal": 0.99}]}
    assert parse_default("{'components': (), 'mixture': ()}") == {
        "dict": {"components": {"tuple": []}, "mixture": {"tuple": []}}
    }
    assert parse_default(
        "functools.partial(<function clipped_exp>, clip_value_min=-10, clip_value_max=2)"
    ) == {
        "partial": "clipped_exp",
        "args": [],
        "keywords": {"clip_value_min": {"literal": -10}, "clip_value_max": {"literal": 2}},
    }
    assert parse_default("TensorSpec(shape=(), dtype=torch.float32)") == {
        "spec": {"shape": [], "dtype": "float32"}
    }
    assert parse_default("PPGAuxOptions(enabled=True, interval=32, mini_batch_length=None)") == {
        "record": "PPGAuxOptions",
        "fields": {
            "enabled": {"literal": True},
            "interval": {"literal": 32},
            "mini_batch_length": {"literal": None},
        },
    }


@pytest.mark.parametrize(
    "text",
    ["<object object at 0x7f>", "some_name", "Foo(1, 2)", "(1, 2", "'open", "1 2"],
)
def test_unreadable_defaults_raise(text: str) -> None:
    with pytest.raises(ParseError):
        parse_default(text)


def test_annotated_parameters_with_brackets_and_commas() -> None:
    line = (
        "class ADNPolicy(spec: ~pyrado.utils.data_types.EnvSpec, activation_nonlin: "
        "[typing.Callable, typing.Sequence[typing.Callable]], obs_layer: [<class "
        "'torch.nn.modules.module.Module'>, <class 'pyrado.policies.base.Policy'>] = None, "
        "tau_init: float = 10.0, **recurrent_net_kwargs)[source]"
    )
    sig = signature_line(line)
    assert sig is not None and sig.is_class and sig.name == "ADNPolicy"
    assert parse_parameters(sig.params) == [
        {"name": "spec", "kind": "positional-or-keyword"},
        {"name": "activation_nonlin", "kind": "positional-or-keyword"},
        {"name": "obs_layer", "kind": "positional-or-keyword", "default": {"literal": None}},
        {"name": "tau_init", "kind": "positional-or-keyword", "default": {"literal": 10.0}},
        {"name": "recurrent_net_kwargs", "kind": "var-keyword"},
    ]


def test_star_arguments_make_keyword_only_parameters() -> None:
    sig = signature_line(
        "Branch(*modules, input_tensor_spec=None, name='Branch', **named_modules)[source]#"
    )
    assert sig is not None and not sig.is_class
    kinds = [(p["name"], p["kind"]) for p in parse_parameters(sig.params)]
    assert kinds == [
        ("modules", "var-positional"),
        ("input_tensor_spec", "keyword-only"),
        ("name", "keyword-only"),
        ("named_modules", "var-keyword"),
    ]
    bare = parse_parameters("self, a, *, b=1")
    assert [(p["name"], p["kind"]) for p in bare] == [
        ("a", "positional-or-keyword"),
        ("b", "keyword-only"),
    ]


@pytest.mark.parametrize(
    "line, name",
    [
        (
            "forward(obs: ~torch.Tensor, hidden: ~typing.Optional[~torch.Tensor] = None) -> "
            "(<class 'torch.Tensor'>, <class 'torch.Tensor'>)[source]",
            "forward",
        ),
        ("init_hidden(batch_size: Optional[int] = None) Tensor[source]", "init_hidden"),
        ("abstract read(keys)[source]#", "read"),
        ("- class FFTstepEncoder(obs_space, rl2_space, n_layers=2)[source]#", "FFTstepEncoder"),
        ("class PPGAuxOptions(enabled, interval)#", "PPGAuxOptions"),
    ],
)
def test_signature_lines(line: str, name: str) -> None:
    sig = signature_line(line)
    assert sig is not None and sig.name == name


@pytest.mark.parametrize(
    "line",
    [
        "Beta(d_action[, alpha_low, alpha_high, ...])",
        "net = Branch((module1, module2))",
        "alf.layers.FC(768, 256, activation=torch.relu_),",
        "property state_spec#",
        "training: bool#",
        "make_parallel(n)",
    ],
)
def test_other_lines_are_not_signatures(line: str) -> None:
    assert signature_line(line) is None


def test_bases_on_the_line_and_on_the_lines_below() -> None:
    assert bases_of(["Bases: Policy, ABC", "", "text"], 0) == ["Policy", "ABC"]
    assert bases_of(["Bases:", "Module", ",ABC", "Abstract base class."], 0) == ["Module", "ABC"]
    assert bases_of(["Bases:", "TstepEncoder", "A simple MLP."], 0) == ["TstepEncoder"]


DOCUMENT = """\
pkg.module#

class Net(input_tensor_spec, activation=<function identity>)[source]#

Bases: pkg.module.Base

forward(inputs, state=())[source]#

_private(x)[source]#

make(net, spec)[source]#

class Unlisted(a)[source]#

helper(x)[source]#

class Broken(a=<object object at 0x1>)[source]#

Bases: object

reset()[source]#
"""


def test_document_sections() -> None:
    found = read_document(DOCUMENT, {"Net": "lib.Net", "make": "lib.make", "Broken": "lib.B"})
    net = found["lib.Net"].data()
    assert net["kind"] == "class" and net["bases"] == ["pkg.module.Base"]
    assert list(net["methods"]) == ["forward"], "private methods and inventory functions"
    assert net["parameters"][1]["default"] == {"callable": "identity"}
    assert found["lib.make"].data() == {
        "kind": "function",
        "parameters": [
            {"name": "net", "kind": "positional-or-keyword"},
            {"name": "spec", "kind": "positional-or-keyword"},
        ],
    }
    broken = found["lib.B"].data()
    assert "parameters" not in broken and broken["unparsed"][0]["what"] == "signature"
    assert list(broken["methods"]) == ["reset"]


# -- the shipped data ---------------------------------------------------------------------


def test_every_inventory_name_has_its_signature() -> None:
    unparsed = {n: e["unparsed"] for n, e in inventory().items() if "unparsed" in e}
    assert not unparsed, f"text the extractor could not read: {unparsed}"
    assert len(inventory()) == 112
    for name, entry in inventory().items():
        assert entry["kind"] in ("class", "function"), name
        assert isinstance(entry["parameters"], list), name
        assert ("methods" in entry) == (entry["kind"] == "class"), name


def _default(name: str, param: str) -> dict:
    (found,) = [p for p in documented(name)["parameters"] if p["name"] == param]
    return found["default"]


def test_known_defaults() -> None:
    assert _default("alf.EncodingNetwork", "activation") == {"callable": "relu_"}
    assert _default("alf.NormalProjectionNetwork", "std_bias_initializer_value") == {"literal": 0.0}
    assert _default("alf.NormalProjectionNetwork", "dist_squashing_transform") == {
        "instance": "StableTanh"
    }
    assert _default("alf.CategoricalProjectionNetwork", "fc_ctor") == {"class": "FC"}
    assert _default("alf.RealNVPNetwork", "transform_scale_nonlinear")["partial"] == "clipped_exp"
    assert _default("alf.CriticNetwork", "output_tensor_spec") == {
        "spec": {"shape": [], "dtype": "float32"}
    }
    assert _default("alf.PPGAuxAlgorithm", "aux_options")["fields"]["interval"] == {"literal": 32}
    assert _default("alf.TemporalPool", "dtype") == {"dtype": "float32"}
    assert _default("amago.TanhGaussian", "std_low") == {"literal": 0.006737946999085467}
    assert _default("pyrado.NFPolicy", "activation_nonlin") == {"callable": "sigmoid"}
    assert _default("amago.CNNTstepEncoder", "cnn_type") == {"class": "NatureishCNN"}


def test_methods_of_documented_bases() -> None:
    image = documented_methods("alf.ImageEncodingNetwork")
    assert image["make_parallel"][0] == "alf.Network"
    assert [p["name"] for p in image["make_parallel"][1]] == ["n"]
    encoding = documented_methods("alf.EncodingNetwork")
    assert encoding["make_parallel"][0] == "alf.EncodingNetwork"
    assert "get_input_tensor_spec" not in documented_methods("alf.NetworkWrapper")
    assert documented_methods("amago.FFTstepEncoder")["forward"][0] == "amago.TstepEncoder"
    assert documented_methods("alf.PPGTrainInfo") == {
        "absorbed": ("alf.PPGTrainInfo", documented("alf.PPGTrainInfo")["methods"]["absorbed"])
    }


# -- describing and comparing actual defaults -------------------------------------------


def _clipped(x: float, clip_value_min: float, clip_value_max: float) -> float:
    return x


Options = namedtuple("Options", "enabled interval")


def test_descriptions_of_python_values() -> None:
    assert describe(torch.relu_) == {"callable": "relu_"}
    assert describe(torch.nn.functional.softplus) == {"callable": "softplus"}
    assert describe(torch.nn.BatchNorm1d) == {"class": "BatchNorm1d"}
    assert describe(torch.float32) == {"dtype": "float32"}
    assert describe(TensorSpec(())) == {"spec": {"shape": [], "dtype": "float32"}}
    assert describe(Options(True, 32)) == {
        "record": "Options",
        "fields": {"enabled": {"literal": True}, "interval": {"literal": 32}},
    }
    assert describe(functools.partial(_clipped, clip_value_min=-10)) == {
        "partial": "_clipped",
        "args": [],
        "keywords": {"clip_value_min": {"literal": -10}},
    }
    assert describe((64, 64)) == {"tuple": [{"literal": 64}, {"literal": 64}]}
    assert describe(torch.nn.Tanh()) == {"instance": "Tanh"}


def test_sameness() -> None:
    assert same({"literal": 2}, {"literal": 2.0})
    assert not same({"literal": True}, {"literal": 1})
    assert not same({"literal": None}, {"literal": 0})
    assert not same({"tuple": [{"literal": 1}]}, {"list": [{"literal": 1}]})
    assert same({"record": "StableTanh", "fields": {}}, {"instance": "StableTanh"})
    assert not same({"callable": "relu_"}, {"callable": "relu"})
    assert render({"tuple": [{"literal": 100}]}) == "(100,)"


def test_one_message_per_mismatch() -> None:
    spec = [
        {"name": "input_tensor_spec", "kind": "positional-or-keyword"},
        {
            "name": "output_tensor_spec",
            "kind": "positional-or-keyword",
            "default": {"literal": None},
        },
        {
            "name": "input_preprocessors",
            "kind": "positional-or-keyword",
            "default": {"literal": None},
        },
        {"name": "name", "kind": "positional-or-keyword", "default": {"literal": "E"}},
    ]

    def here(input_tensor_spec, output_tensor_spec, preprocessors=None, *, name="F"):
        return None

    messages = mismatches("E.__init__", spec, list(inspect.signature(here).parameters.values()))
    assert messages == [
        "E.__init__: parameter 3 is `input_preprocessors` in the spec, `preprocessors` here",
        "E.__init__: parameter `output_tensor_spec` defaults to None in the spec, is required here",
        "E.__init__: parameter `name` is positional-or-keyword in the spec, keyword-only here",
    ]


@pytest.mark.parametrize("impl", ["reference", "optimized"])
def test_twinnet_matches_the_spec_everywhere(impl: str) -> None:
    """Every inventory name the package provides, catalogued or not yet."""
    found = Impl(impl)
    entries = catalog()
    problems = [
        p
        for name in inventory()
        if found.provides(name)
        for p in signature_problems(
            name, found.get(name), entries[name].kind.spec_defaults() if name in entries else {}
        )
    ]
    assert not problems, "\n".join(problems)


def test_a_wrong_default_and_an_undocumented_method_argument_are_reported() -> None:
    from tests.broken import wrong_default

    assert signature_problems(
        "alf.NormalProjectionNetwork", wrong_default.alf.NormalProjectionNetwork
    ) == [
        "NormalProjectionNetwork.__init__: parameter `std_bias_initializer_value` defaults to "
        "0.0 in the spec, 0.1 here"
    ]
    image = Impl("reference").alf.ImageEncodingNetwork

    class Image(image):  # type: ignore[misc, valid-type]
        def make_parallel(self, n, allow_non_parallel_input):
            return super().make_parallel(n)

    assert signature_problems("alf.ImageEncodingNetwork", Image) == [
        "ImageEncodingNetwork.make_parallel (documented for Network): parameter "
        "`allow_non_parallel_input` is not in the spec"
    ]


def test_extra_keyword_parameters_with_defaults_are_accepted_and_counted() -> None:
    """An option the spec does not list, with a default and taking a keyword, leaves every
    documented call as it is: accepted, counted; a method's too."""
    from tests.candidates import extra_option

    problems, extra = signature_check(
        "alf.NormalProjectionNetwork", extra_option.alf.NormalProjectionNetwork
    )
    assert problems == []
    assert extra == [
        "NormalProjectionNetwork.__init__: `use_fc_ln`",
        "NormalProjectionNetwork.__init__: `mean_transform`",
    ]
    image = Impl("reference").alf.ImageEncodingNetwork

    class Image(image):  # type: ignore[misc, valid-type]
        def make_parallel(self, n, allow_non_parallel_input=False):
            return super().make_parallel(n)

    assert signature_check("alf.ImageEncodingNetwork", Image) == (
        [],
        ["ImageEncodingNetwork.make_parallel (documented for Network): `allow_non_parallel_input`"],
    )


def test_missing_and_renamed_parameters_fail_even_beside_extras() -> None:
    """A missing spec parameter, and one renamed (the new name has a default, so it would
    look like an extra option), are reported; so is an extra parameter without a default
    and an extra ``*args``."""
    from tests.broken import missing_parameter, renamed_parameter

    assert signature_problems(
        "alf.NormalProjectionNetwork", missing_parameter.alf.NormalProjectionNetwork
    ) == ["NormalProjectionNetwork.__init__: the spec's parameter `squash_mean` is missing here"]
    assert signature_problems(
        "alf.NormalProjectionNetwork", renamed_parameter.alf.NormalProjectionNetwork
    ) == [
        "NormalProjectionNetwork.__init__: parameter 5 is `projection_output_init_gain` in the "
        "spec, `output_init_gain` here"
    ]
    spec = [{"name": "x", "kind": "positional-or-keyword"}]

    def required(x, y):
        return None

    def star(x, *rest):
        return None

    for f, name in ((required, "y"), (star, "rest")):
        params = list(inspect.signature(f).parameters.values())
        assert mismatches("f", spec, params) == [f"f: parameter `{name}` is not in the spec"]
