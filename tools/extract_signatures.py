"""Extract the spec documents' signatures into the data twinnet ships.

    python tools/extract_signatures.py SPEC_DIR [--out properties/spec/inventory.json]

``SPEC_DIR`` holds ``inventory.tsv`` (name, family, source document, traits) and the
documents (``*.txt``, upstream's API pages as text). The output maps every inventory name
to its family, source and traits, and to what the document states about it:

* ``kind``: ``"class"`` (a ``class Name(...)`` line) or ``"function"``;
* ``parameters``: the constructor's (a class) or the function's parameters, in order, each
  ``{"name", "kind", "default"?}`` with ``kind`` one of ``positional-only``,
  ``positional-or-keyword``, ``var-positional``, ``keyword-only``, ``var-keyword``, and no
  ``default`` for a required parameter;
* ``bases``: a class's bases as the document writes them (``alf.networks.network.Network``,
  ``PolicyOutput``, ``Module``);
* ``methods``: the public methods documented in the class's section, name -> parameters
  (``self`` left out);
* ``attributes``: the public properties documented in the class's section (``property
  name`` lines), in document order.

A default is stored as a structured descriptor, never as text (the property module
describes a candidate's actual defaults the same way):

============================================  ==============================================
document                                      descriptor
============================================  ==============================================
``None``, ``True``, ``0.3``, ``'contiguous'`` ``{"literal": value}``
``(100, )``, ``[..]``, ``{'a': ()}``          ``{"tuple": [..]}``, ``{"list": [..]}``,
                                              ``{"dict": {key: ..}}``
``<built-in method relu_ of type object>``,   ``{"callable": "relu_"}`` (the ``__name__``)
``<function identity>``,
``<built-in function softplus>``
``<class 'alf.layers.FC'>``                   ``{"class": "FC"}``
``StableTanh()``                              ``{"instance": "StableTanh"}``
``functools.partial(<function f>, a=1)``      ``{"partial": "f", "args": [], "keywords": ..}``
``TensorSpec(shape=(), dtype=torch.float32)`` ``{"spec": {"shape": [], "dtype": "float32"}}``
``PPGAuxOptions(enabled=True, ...)``          ``{"record": "PPGAuxOptions", "fields": ..}``
``torch.float32``                             ``{"dtype": "float32"}``
============================================  ==============================================

Text that does not parse is left out by design: a signature or method that cannot be read
goes, with the reason, into the name's ``unparsed`` list (``tests/test_signatures.py`` lists
them; there should be none). A signature line whose name is an inventory name of the same
document starts a new definition; any other signature line inside a class's section is a
method of that class (so a module-level function such as ``get_input_tensor_spec``, which
the document prints right after ``NetworkWrapper``'s methods, is not a method).
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Descriptor = dict[str, Any]
Parameter = dict[str, Any]

OPEN, CLOSE = "([{<", ")]}>"
SPEC_CLASSES = frozenset({"TensorSpec", "BoundedTensorSpec"})
DTYPE = re.compile(r"(u?int\d+|float\d*|bfloat16|complex\d+|bool|half|double|long|int|short)")
NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
NAME = re.compile(r"[A-Za-z_][\w.]*")
#: ``[abstract ][class ]name(`` at the start of a (``- ``-stripped) line.
HEAD = re.compile(r"(?:(?:abstract|async|classmethod|static|staticmethod)\s+)*(class\s+)?(\w+)\(")
MODULE_HEADER = re.compile(r"[a-z_][\w.]*#")
#: A documented property of the class being read: ``property state_spec#``.
PROPERTY_LINE = re.compile(r"property ([a-z_]\w*)#")
#: A line that continues a ``Bases:`` list: dotted names, commas.
BASE_LINE = re.compile(r",?\s*[\w.]+(\s*,\s*[\w.]+)*\s*,?")


class ParseError(ValueError):
    """Text of a spec document that the extractor cannot read."""


# -- splitting --------------------------------------------------------------------------
def _closing(text: str, start: int) -> int:
    """Index of the bracket closing the one at ``start`` (quotes respected)."""
    depth, quote, i = 0, "", start
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in OPEN:
            depth += 1
        elif c in CLOSE:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ParseError(f"unbalanced brackets in {text!r}")


def split_top(text: str, sep: str) -> list[str]:
    """``text`` split at the occurrences of ``sep`` outside brackets and quotes.

    ``'='`` never splits ``==``, ``<=``, ``>=`` or ``!=``."""
    parts, depth, quote, last = [], 0, "", 0
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in OPEN:
            depth += 1
        elif c in CLOSE:
            depth -= 1
        elif c == sep and depth == 0 and not _operator(text, i, sep):
            parts.append(text[last:i])
            last = i + 1
        i += 1
    if depth or quote:
        raise ParseError(f"unbalanced brackets or quotes in {text!r}")
    parts.append(text[last:])
    return parts


def _operator(text: str, i: int, sep: str) -> bool:
    if sep != "=":
        return False
    before = text[i - 1] if i else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    return before in "=<>!" or after == "="


# -- defaults ---------------------------------------------------------------------------
@dataclass
class _Reader:
    """Recursive-descent reader of one default's text."""

    text: str
    pos: int = 0

    def fail(self, why: str) -> ParseError:
        return ParseError(f"{why} at {self.text[self.pos : self.pos + 30]!r} in {self.text!r}")

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.fail(f"expected {char!r}")
        self.pos += 1

    def value(self) -> Descriptor:
        c = self.peek()
        if c == "<":
            return self.angle()
        if c in "([{":
            return self.container(c)
        if c in "'\"":
            end = _closing_quote(self.text, self.pos)
            token, self.pos = self.text[self.pos : end + 1], end + 1
            return {"literal": ast.literal_eval(token)}
        number = NUMBER.match(self.text, self.pos)
        if number:
            self.pos = number.end()
            return {"literal": ast.literal_eval(number.group())}
        name = NAME.match(self.text, self.pos)
        if not name:
            raise self.fail("expected a value")
        self.pos = name.end()
        if self.peek() == "(":
            return self.call(name.group())
        return _named(name.group(), self)

    def angle(self) -> Descriptor:
        end = _closing(self.text, self.pos)
        inner, self.pos = self.text[self.pos + 1 : end].strip(), end + 1
        words = inner.split()
        if inner.startswith("built-in method ") or inner.startswith("built-in function "):
            return {"callable": words[2]}
        if words[0] == "function" and len(words) >= 2:
            return {"callable": words[1].rpartition(".")[2]}
        if words[0] == "class" and len(words) == 2:
            return {"class": ast.literal_eval(words[1]).rpartition(".")[2]}
        raise ParseError(f"unknown object <{inner}>")

    def items(self, closer: str) -> tuple[list[Descriptor], dict[str, Descriptor], bool]:
        """Positional values and keyword values up to ``closer``; whether a comma came."""
        args: list[Descriptor] = []
        keywords: dict[str, Descriptor] = {}
        comma = False
        while self.peek() != closer:
            keyword = re.compile(r"\s*(\w+)\s*=(?!=)").match(self.text, self.pos)
            if keyword:
                self.pos = keyword.end()
                keywords[keyword.group(1)] = self.value()
            elif keywords:
                raise self.fail("a positional value after a keyword")
            else:
                args.append(self.value())
            if self.peek() == ",":
                self.pos += 1
                comma = True
            elif self.peek() != closer:
                raise self.fail(f"expected ',' or {closer!r}")
        self.pos += 1
        return args, keywords, comma

    def container(self, opener: str) -> Descriptor:
        self.pos += 1
        if opener == "{":
            out: dict[str, Descriptor] = {}
            while self.peek() != "}":
                key = self.value()
                if set(key) != {"literal"} or not isinstance(key["literal"], str):
                    raise self.fail("a dict key that is not a string")
                self.expect(":")
                out[key["literal"]] = self.value()
                if self.peek() == ",":
                    self.pos += 1
            self.pos += 1
            return {"dict": out}
        closer = CLOSE[OPEN.index(opener)]
        args, keywords, comma = self.items(closer)
        if keywords:
            raise self.fail("keywords inside a tuple or list")
        if opener == "(" and len(args) == 1 and not comma:
            return args[0]
        return {"tuple" if opener == "(" else "list": args}

    def call(self, name: str) -> Descriptor:
        self.pos += 1
        args, keywords, _ = self.items(")")
        short = name.rpartition(".")[2]
        if name == "functools.partial":
            if not args or "callable" not in args[0]:
                raise ParseError(f"a partial of something other than a function in {self.text!r}")
            return {"partial": args[0]["callable"], "args": args[1:], "keywords": keywords}
        if args:
            raise ParseError(f"positional arguments to {name} in {self.text!r}")
        if short in SPEC_CLASSES:
            return {"spec": _spec_fields(keywords, self.text)}
        if not keywords:
            return {"instance": short}
        return {"record": short, "fields": keywords}

    def done(self) -> None:
        if self.peek():
            raise self.fail("unexpected text")


def _closing_quote(text: str, start: int) -> int:
    quote, i = text[start], start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i
        i += 1
    raise ParseError(f"unterminated string in {text!r}")


def _named(name: str, reader: _Reader) -> Descriptor:
    if name in ("None", "True", "False"):
        return {"literal": ast.literal_eval(name)}
    head, _, last = name.rpartition(".")
    if head == "torch" and DTYPE.fullmatch(last):
        return {"dtype": last}
    raise reader.fail(f"unknown name {name!r}")


def _spec_fields(keywords: dict[str, Descriptor], text: str) -> dict[str, Any]:
    if set(keywords) != {"shape", "dtype"}:
        raise ParseError(f"a spec with fields other than shape and dtype in {text!r}")
    shape, dtype = keywords["shape"], keywords["dtype"]
    dims = shape.get("tuple", [])
    if "tuple" not in shape or any(not isinstance(d.get("literal"), int) for d in dims):
        raise ParseError(f"a spec shape that is not a tuple of ints in {text!r}")
    if "dtype" not in dtype:
        raise ParseError(f"a spec dtype that is not a torch dtype in {text!r}")
    return {"shape": [d["literal"] for d in dims], "dtype": dtype["dtype"]}


def parse_default(text: str) -> Descriptor:
    """The descriptor of one default as the document prints it."""
    reader = _Reader(text.strip())
    out = reader.value()
    reader.done()
    return out


# -- signatures -------------------------------------------------------------------------
def parse_parameters(text: str) -> list[Parameter]:
    """The parameters of a signature's parenthesised text (``self`` left out)."""
    params: list[Parameter] = []
    keyword_only = False
    items = [item.strip() for item in split_top(text, ",")]
    if items and not items[-1]:
        items.pop()
    for item in items:
        if item == "/":
            for p in params:
                p["kind"] = "positional-only"
            continue
        if item == "*":
            keyword_only = True
            continue
        stars = len(item) - len(item.lstrip("*"))
        pieces = split_top(item[stars:], "=")
        left, default = pieces[0], "=".join(pieces[1:]) if len(pieces) > 1 else None
        name = split_top(left, ":")[0].strip()
        if not name.isidentifier():
            raise ParseError(f"a parameter name that is not an identifier: {item!r}")
        if stars == 1:
            params.append({"name": name, "kind": "var-positional"})
            keyword_only = True
            continue
        if stars == 2:
            params.append({"name": name, "kind": "var-keyword"})
            continue
        if stars:
            raise ParseError(f"a parameter with {stars} stars: {item!r}")
        param: Parameter = {
            "name": name,
            "kind": "keyword-only" if keyword_only else "positional-or-keyword",
        }
        if default is not None:
            param["default"] = parse_default(default)
        params.append(param)
    if params and params[0]["name"] == "self":
        params.pop(0)
    return params


@dataclass(frozen=True)
class SignatureLine:
    """A documented definition: ``[class ]name(params)`` with a ``[source]`` link (or, for
    a class without one such as a named tuple, ending in ``#``)."""

    name: str
    is_class: bool
    params: str


def signature_line(line: str) -> SignatureLine | None:
    """The definition a document line states, or None for any other line."""
    text = line.strip().removeprefix("- ").strip()
    head = HEAD.match(text)
    if not head:
        return None
    start = head.end() - 1
    try:
        end = _closing(text, start)
    except ParseError:
        return None
    tail = text[end + 1 :].strip()
    is_class = head.group(1) is not None
    if not (tail.endswith("[source]#") or tail.endswith("[source]") or (is_class and tail == "#")):
        return None
    return SignatureLine(head.group(2), is_class, text[start + 1 : end])


def bases_of(lines: list[str], index: int) -> list[str]:
    """The bases a ``Bases:`` line at ``index`` names, also where the document puts them on
    the lines that follow (``Bases:`` / ``Module`` / ``,ABC``)."""
    text = lines[index].strip().removeprefix("Bases:").strip()
    for line in lines[index + 1 :]:
        nxt = line.strip()
        if not nxt:
            continue
        continued = not text or text.endswith(",") or nxt.startswith(",")
        if not continued or not BASE_LINE.fullmatch(nxt):
            break
        text += nxt
    return [b.strip() for b in text.split(",") if b.strip()]


@dataclass
class Definition:
    """What one document states about one inventory name."""

    kind: str
    parameters: list[Parameter] | None
    bases: list[str] = field(default_factory=list)
    methods: dict[str, list[Parameter]] = field(default_factory=dict)
    attributes: list[str] = field(default_factory=list)
    unparsed: list[dict[str, str]] = field(default_factory=list)

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.parameters is not None:
            out["parameters"] = self.parameters
        if self.kind == "class":
            out["bases"] = self.bases
            out["methods"] = self.methods
            out["attributes"] = self.attributes
        if self.unparsed:
            out["unparsed"] = self.unparsed
        return out


def _parsed(params: str, what: str, definition: Definition) -> list[Parameter] | None:
    try:
        return parse_parameters(params)
    except ParseError as error:
        definition.unparsed.append({"what": what, "text": params, "why": str(error)})
        return None


def read_document(text: str, names: dict[str, str]) -> dict[str, Definition]:
    """The definitions of ``names`` (short name -> inventory name) in one document."""
    lines = text.splitlines()
    found: dict[str, Definition] = {}
    current: Definition | None = None
    for index, line in enumerate(lines):
        stripped = line.strip().removeprefix("- ").strip()
        if MODULE_HEADER.fullmatch(stripped):
            current = None
            continue
        if stripped.startswith("Bases:"):
            if current is not None and not current.bases:
                current.bases = bases_of(lines, index)
            continue
        prop = PROPERTY_LINE.fullmatch(stripped)
        if prop is not None:
            if current is not None and prop.group(1) not in current.attributes:
                current.attributes.append(prop.group(1))
            continue
        sig = signature_line(line)
        if sig is None:
            continue
        if sig.name in names:
            full = names[sig.name]
            if full in found:
                raise ParseError(f"{full} is defined twice")
            definition = Definition("class" if sig.is_class else "function", None)
            definition.parameters = _parsed(sig.params, "signature", definition)
            found[full] = definition
            current = definition if sig.is_class else None
        elif sig.is_class:
            current = None
        elif current is not None and not sig.name.startswith("_"):
            params = _parsed(sig.params, f"method {sig.name}", current)
            if params is not None:
                current.methods[sig.name] = params
    return found


def extract(spec_dir: Path) -> dict[str, dict[str, Any]]:
    """The shipped inventory: every name of ``inventory.tsv`` with what its document says."""
    with (spec_dir / "inventory.tsv").open(newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    by_source: dict[str, dict[str, str]] = {}
    for row in rows:
        by_source.setdefault(row["source"], {})[row["name"].partition(".")[2]] = row["name"]
    definitions: dict[str, Definition] = {}
    for source, names in by_source.items():
        definitions.update(read_document((spec_dir / source).read_text(), names))
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry: dict[str, Any] = {
            "family": row["family"],
            "source": row["source"],
            "traits": row["traits"].split(","),
        }
        found = definitions.get(row["name"])
        if found is None:
            entry["unparsed"] = [{"what": "definition", "text": "", "why": "not in its document"}]
        else:
            entry.update(found.data())
        out[row["name"]] = entry
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec_dir", type=Path, help="folder of inventory.tsv and the documents")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "properties" / "spec" / "inventory.json",
    )
    args = parser.parse_args(argv)
    data = extract(args.spec_dir)
    args.out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    problems = [(name, u) for name, e in data.items() for u in e.get("unparsed", ())]
    for name, problem in problems:
        print(f"{name}: {problem['what']}: {problem['why']}", file=sys.stderr)
    print(f"{len(data)} names, {len(problems)} unparsed -> {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
