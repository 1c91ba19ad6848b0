"""signature: the candidate's object under an inventory name takes the parameters the spec
document gives it, and its documented methods take theirs.

For the name itself (a class's constructor, or the function) the parameter names, their
order, their kinds (positional-or-keyword, ``*args``, keyword-only, ``**kwargs``) and their
defaults equal the document's (``properties/spec/inventory.json``, extracted by
``tools/extract_signatures.py``). For a class, every public method the spec documents for
it or for one of its documented bases (``Network.make_parallel(n)``,
``forward(inputs, state=())``) that the candidate's class has takes the documented
parameters, ``self`` aside; a method the candidate lacks is not this property's concern.

A parameter the document does not list is accepted when it has a default and can be passed
by keyword (positional-or-keyword or keyword-only): an upstream version adds such options
(ALF's ``use_batch_ensemble``) without changing any documented call. The cell counts them
(``pass (2 extra)``). A missing, renamed or reordered documented parameter, a changed
default or kind, and an extra parameter without a default fail.

A default is compared as a descriptor, described the way the extractor describes the
document's text: a function or builtin by its ``__name__``, a class by its ``__name__``, a
``functools.partial`` by its function's name and arguments, a tensor spec by shape and
dtype, a named tuple by its type name and fields, any other object by its type name, and
literals (numbers, strings, None, tuples, lists, mappings) by value. No draws: the property is
a plain check, one message per mismatch.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Mapping
from typing import Any

import pytest
import torch

from properties.harness import Subject
from properties.inventory import documented, documented_methods

Descriptor = dict[str, Any]

KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: "positional-only",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional-or-keyword",
    inspect.Parameter.VAR_POSITIONAL: "var-positional",
    inspect.Parameter.KEYWORD_ONLY: "keyword-only",
    inspect.Parameter.VAR_KEYWORD: "var-keyword",
}


def describe(value: Any) -> Descriptor:
    """The descriptor of a default value (the format of ``tools/extract_signatures.py``)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"literal": value}
    if isinstance(value, torch.dtype):
        return {"dtype": str(value).removeprefix("torch.")}
    if isinstance(value, functools.partial):
        return {
            "partial": getattr(value.func, "__name__", type(value.func).__name__),
            "args": [describe(a) for a in value.args],
            "keywords": {k: describe(v) for k, v in value.keywords.items()},
        }
    if isinstance(value, type):
        return {"class": value.__name__}
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):
        fields = {k: describe(v) for k, v in value._asdict().items()}
        return {"record": type(value).__name__, "fields": fields}
    if dataclasses.is_dataclass(value):
        fields = {f.name: describe(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"record": type(value).__name__, "fields": fields}
    if isinstance(value, (tuple, list)):
        return {type(value).__name__: [describe(v) for v in value]}
    if isinstance(value, Mapping):
        return {"dict": {str(k): describe(v) for k, v in value.items()}}
    if _is_spec(value):
        shape = [int(d) for d in value.shape]
        return {"spec": {"shape": shape, "dtype": str(value.dtype).removeprefix("torch.")}}
    if callable(value) and hasattr(value, "__name__"):
        return {"callable": value.__name__}
    return {"instance": type(value).__name__}


def _is_spec(value: Any) -> bool:
    return (
        not isinstance(value, torch.Tensor)
        and isinstance(getattr(value, "dtype", None), torch.dtype)
        and hasattr(value, "shape")
    )


def _normal(d: Descriptor) -> Descriptor:
    """A record without fields is an instance (``StableTanh()`` either way)."""
    return {"instance": d["record"]} if "record" in d and not d["fields"] else d


def same(a: Descriptor, b: Descriptor) -> bool:
    """Whether two descriptors describe the same default: numbers by value (``1 == 1.0``;
    a bool, a string or None only equals its own kind), containers item by item."""
    a, b = _normal(a), _normal(b)
    if set(a) != set(b):
        return False
    if "literal" in a:
        x, y = a["literal"], b["literal"]
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (x, y))
        return x == y and (numbers or type(x) is type(y))
    for key in ("tuple", "list", "args"):
        if key in a and (len(a[key]) != len(b[key]) or not all(map(same, a[key], b[key]))):
            return False
    for key in ("dict", "keywords", "fields"):
        if key in a and (
            set(a[key]) != set(b[key]) or not all(same(a[key][k], b[key][k]) for k in a[key])
        ):
            return False
    scalars = ("callable", "class", "instance", "partial", "record", "spec", "dtype")
    return all(a[k] == b[k] for k in scalars if k in a)


def render(d: Descriptor) -> str:
    """A descriptor as a short text for messages."""
    d = _normal(d)
    if "literal" in d:
        return repr(d["literal"])
    if "tuple" in d:
        items = [render(v) for v in d["tuple"]]
        return f"({', '.join(items)}{',' if len(items) == 1 else ''})"
    if "list" in d:
        return f"[{', '.join(render(v) for v in d['list'])}]"
    if "dict" in d:
        return "{" + ", ".join(f"{k!r}: {render(v)}" for k, v in d["dict"].items()) + "}"
    if "callable" in d:
        return f"function {d['callable']}"
    if "class" in d:
        return f"class {d['class']}"
    if "instance" in d:
        return f"{d['instance']}()"
    if "dtype" in d:
        return f"torch.{d['dtype']}"
    if "spec" in d:
        shape = tuple(d["spec"]["shape"])
        return f"TensorSpec(shape={shape}, dtype=torch.{d['spec']['dtype']})"
    if "partial" in d:
        args = [render(v) for v in d["args"]]
        args += [f"{k}={render(v)}" for k, v in d["keywords"].items()]
        return f"partial({', '.join([d['partial'], *args])})"
    fields = ", ".join(f"{k}={render(v)}" for k, v in d["fields"].items())
    return f"{d['record']}({fields})"


def parameters_of(obj: Any, method: bool = False) -> list[inspect.Parameter]:
    """The parameters of a class (its constructor), a function, or (``method``) a function
    looked up on a class, whose first positional parameter takes the instance."""
    params = list(inspect.signature(obj).parameters.values())
    first = params[0].kind if params else None
    takes_self = first in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    )
    return params[1:] if method and takes_self else params


#: Kinds of parameter an extra one may have: both take a keyword argument.
KEYWORD_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def _optional(p: inspect.Parameter) -> bool:
    """Whether an undocumented parameter leaves every documented call as it is."""
    return p.kind in KEYWORD_KINDS and p.default is not inspect.Parameter.empty


def extras(spec: list[dict[str, Any]], actual: list[inspect.Parameter]) -> list[str]:
    """The parameters of ``actual`` the spec does not list that have a default and take a
    keyword (module doc): accepted, and counted."""
    spec_names = {p["name"] for p in spec}
    return [p.name for p in actual if p.name not in spec_names and _optional(p)]


def mismatches(
    where: str, spec: list[dict[str, Any]], actual: list[inspect.Parameter]
) -> list[str]:
    """One message per difference between the spec's parameters and ``actual`` (extra
    optional keyword parameters aside: ``extras``)."""
    spec_names = [p["name"] for p in spec]
    names = [p.name for p in actual]
    out, renamed = [], {}
    optional = set(extras(spec, actual))
    for i, (s, a) in enumerate(zip(spec_names, names)):
        if s not in names and a not in spec_names:
            renamed[s] = a
            out.append(f"{where}: parameter {i + 1} is `{s}` in the spec, `{a}` here")
    for n in spec_names:
        if n not in names and n not in renamed:
            out.append(f"{where}: the spec's parameter `{n}` is missing here")
    for n in names:
        if n not in spec_names and n not in renamed.values() and n not in optional:
            out.append(f"{where}: parameter `{n}` is not in the spec")
    order = [n for n in spec_names if n in names]
    here = [n for n in names if n in spec_names]
    if order != here:
        out.append(
            f"{where}: parameter order ({', '.join(order)}) in the spec, ({', '.join(here)}) here"
        )
    by_name = {p.name: p for p in actual}
    for p in spec:
        if p["name"] in by_name:
            out += _parameter(where, p, by_name[p["name"]])
    return out


def _parameter(where: str, spec: dict[str, Any], actual: inspect.Parameter) -> list[str]:
    name, kind = f"{where}: parameter `{spec['name']}`", KINDS[actual.kind]
    if kind != spec["kind"]:
        return [f"{name} is {spec['kind']} in the spec, {kind} here"]
    has = actual.default is not inspect.Parameter.empty
    if "default" not in spec:
        return [f"{name} is required in the spec, defaults to {_shown(actual)} here"] if has else []
    if not has:
        return [f"{name} defaults to {render(spec['default'])} in the spec, is required here"]
    if not same(spec["default"], describe(actual.default)):
        return [f"{name} defaults to {render(spec['default'])} in the spec, {_shown(actual)} here"]
    return []


def _shown(actual: inspect.Parameter) -> str:
    return render(describe(actual.default))


def signature_problems(name: str, obj: Any, defaults: Mapping[str, Any] | None = None) -> list[str]:
    """Every way ``obj`` (the candidate's object under the inventory name ``name``) departs
    from the signatures the spec documents for ``name`` (``defaults``: upstream's defaults
    of parameters the document shows without one, ``Kind.spec_defaults``)."""
    return signature_check(name, obj, defaults)[0]


def with_defaults(
    params: list[dict[str, Any]], defaults: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """The document's parameters, those it shows without a default given ``defaults``'."""
    given = defaults or {}
    return [
        {**p, "default": describe(given[p["name"]])}
        if "default" not in p and p["name"] in given
        else p
        for p in params
    ]


def signature_check(
    name: str, obj: Any, defaults: Mapping[str, Any] | None = None
) -> tuple[list[str], list[str]]:
    """``signature_problems`` of ``obj``, and its accepted extra parameters
    (``where: `name```)."""
    spec = documented(name)
    short = name.partition(".")[2]
    if "parameters" not in spec:
        why = "; ".join(u["why"] for u in spec.get("unparsed", ()))
        return [f"{short}: the spec's signature could not be extracted ({why})"], []
    is_class = spec["kind"] == "class"
    if is_class and not isinstance(obj, type):
        return [f"{short}: a class in the spec, a {type(obj).__name__} here"], []
    where = f"{short}.__init__" if is_class else short
    try:
        actual = parameters_of(obj)
    except (TypeError, ValueError) as error:
        return [f"{where}: no signature can be read here ({error})"], []
    params = with_defaults(spec["parameters"], defaults)
    out = mismatches(where, params, actual)
    extra = [f"{where}: `{n}`" for n in extras(params, actual)]
    if is_class:
        for method, (owner, params) in documented_methods(name).items():
            problems, more = _method_check(obj, short, method, owner.partition(".")[2], params)
            out += problems
            extra += more
    return out, extra


def _method_check(
    cls: type, short: str, method: str, owner: str, params: list[dict[str, Any]]
) -> tuple[list[str], list[str]]:
    where = f"{short}.{method}" + ("" if owner == short else f" (documented for {owner})")
    found = inspect.getattr_static(cls, method, None)
    if found is None:
        return [], []
    bound_first = not isinstance(found, (staticmethod, classmethod))
    attr = getattr(cls, method)
    if not callable(attr):
        return [f"{where}: a method in the spec, a {type(found).__name__} here"], []
    try:
        actual = parameters_of(attr, method=bound_first)
    except (TypeError, ValueError) as error:
        return [f"{where}: no signature can be read here ({error})"], []
    extra = [f"{where}: `{n}`" for n in extras(params, actual)]
    return mismatches(where, params, actual), extra


def test_signature(subject: Subject) -> None:
    obj = subject.candidate.get(subject.name)
    try:
        documented(subject.name)
    except KeyError:
        pytest.fail(f"{subject.name} is not an inventory name: leave `signature` out with a reason")
    problems, extra = signature_check(subject.name, obj, subject.kind.spec_defaults())
    assert not problems, "\n".join(problems)
    if extra:
        subject.tally.extra(extra)
