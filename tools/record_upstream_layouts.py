"""Record upstream's state_dict layout (keys and shapes) for configs the catalog draws.

Run where upstream imports (``tools/upstream_env.sh``; ``tools/upstream_pyrado_env.sh`` for
Pyrado, with ``--entries 'pyrado.*'``)::

    python tools/record_upstream_layouts.py [--examples 6] [--out FILE] [--entries GLOBS]

For every catalog entry of ALF, AMAGO and Pyrado whose properties include ``state_dict``, the
entry's own config strategy draws ``--examples`` configs (derandomized, so a rerun draws
the same ones); each is built by upstream through the entry's build, and the keys and
shapes of its ``state_dict`` are written with the config's ``repr``. A config that upstream
cannot build, or whose ``repr`` does not evaluate back to it, is left out.
``properties.upstream_layouts`` reads the file: the ``state_dict`` property and
``tests/test_upstream_layouts.py`` check against it without upstream. With ``--entries``
only the matching entries are recorded again; the file's other entries are kept.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from properties.candidate import Impl
from properties.catalog import catalog
from properties.harness import Subject
from properties.kinds.base import state_of
from properties.upstream_layouts import NAMESPACE

ROOT = Path(__file__).resolve().parent.parent
COMMITS = {"alf": "23aca49", "amago": "2d85600", "pyrado": "7c48d66"}


def layout(net: Any) -> dict[str, list[int]]:
    return {k: list(v.shape) for k, v in state_of(net).items()}


def record(name: str, upstream: Impl, examples: int) -> list[dict]:
    entry = catalog()[name]
    rows: list[dict] = []

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def draw(data: st.DataObject) -> None:
        case = Subject(entry, "state_dict", upstream, Impl("reference")).draw(data)
        text = repr(case.cfg)
        try:
            if eval(text, dict(NAMESPACE)) != case.cfg:
                return
            net = Subject(entry, "state_dict", upstream, Impl("reference")).build(
                upstream, case.cfg, seed=case.seed
            )
        except Exception:  # upstream declines the config, or its repr is not data
            return
        rows.append({"config": text, "state_dict": layout(net)})

    draw()
    unique = {row["config"]: row for row in rows}
    return list(unique.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=6)
    parser.add_argument("--out", type=Path, default=ROOT / "properties/spec/upstream_layouts.json")
    parser.add_argument("--entries", help="glob(s) of entries, comma-separated (default all)")
    args = parser.parse_args()
    globs = args.entries.split(",") if args.entries else ["*"]
    out: dict[str, Any] = {"commits": COMMITS, "entries": {}}
    if args.entries and args.out.is_file():
        out["entries"] = json.loads(args.out.read_text())["entries"]
    for library in COMMITS:
        upstream = Impl(f"twinnet.upstream.{library}")
        for name, entry in sorted(catalog().items()):
            chosen = any(fnmatch.fnmatchcase(name, g) for g in globs)
            if chosen and name.startswith(f"{library}.") and "state_dict" in entry.properties:
                rows = record(name, upstream, args.examples)
                if rows:  # upstream built none of the drawn configs: nothing to hold it to
                    out["entries"][name] = rows
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {sum(map(len, out['entries'].values()))} layouts to {args.out}")


if __name__ == "__main__":
    main()
