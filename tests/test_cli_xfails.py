"""The xfails file: one ``entry::property  # reason`` per line, checked line by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from twinnet.xfails import XfailsError, load_xfails, parse_xfails

ENTRIES = ("alf.EncodingNetwork", "alf.ParallelEncodingNetwork", "amago.TanhGaussian")
IDS = ("shape", "parity", "init")

GOOD = """
# known differences of mylib
alf.EncodingNetwork::parity    # float32 sums in another order

alf.*EncodingNetwork::init  # orthogonal initialisation   # (hash signs allowed)
"""


def test_lines_comments_and_globs() -> None:
    xfails = parse_xfails(GOOD, ENTRIES, IDS, "mylib.xfails")
    assert [(r.entry, r.prop, r.line) for r in xfails.rules] == [
        ("alf.EncodingNetwork", "parity", 3),
        ("alf.*EncodingNetwork", "init", 5),
    ]
    assert xfails.reason("alf.EncodingNetwork", "parity") == "float32 sums in another order"
    assert xfails.reason("alf.ParallelEncodingNetwork", "init") == (
        "orthogonal initialisation   # (hash signs allowed)"
    )
    assert xfails.reason("alf.ParallelEncodingNetwork", "parity") is None
    assert xfails.reason("amago.TanhGaussian", "init") is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("alf.EncodingNetwork::parity", "expected 'entry::property  # reason'"),
        ("alf.EncodingNetwork::parity  #", "expected 'entry::property  # reason'"),
        ("alf.EncodingNetwork parity  # why", "expected 'entry::property  # reason'"),
        ("alf.EncodingNetwork::parity::x  # why", "expected 'entry::property  # reason'"),
        ("alf.EncodingNetwork::parit  # why", "unknown property 'parit'"),
        ("alf.Encodingnetwork::parity  # why", "matches no catalog entry"),
    ],
)
def test_malformed_line_names_file_and_line(line: str, message: str) -> None:
    with pytest.raises(XfailsError, match=r"^f\.txt:3: ") as error:
        parse_xfails(f"# head\n\n{line}\n", ENTRIES, IDS, "f.txt")
    assert message in str(error.value)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(XfailsError, match="cannot read the xfails file"):
        load_xfails(tmp_path / "missing.txt", ENTRIES, IDS)
