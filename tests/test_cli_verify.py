"""``twinnet verify`` end to end: arguments checked before the run, a candidate that
provides part of the catalog, and an xfails file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.verify_runs import PARTIAL_ENTRIES, Result, runner
from twinnet.cli import main


@pytest.fixture(scope="session")
def verify_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Result]:
    return runner(tmp_path_factory)


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_module_without_any_selected_name_is_an_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_main(["verify", "--impl", "os.path", "--entries", "alf.*"], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "os.path provides none of the selected entries" in err


def test_a_candidate_that_cannot_be_imported_is_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_main(["verify", "--impl", "no_such_candidate_module"], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "cannot import the candidate module 'no_such_candidate_module'" in err
    assert "PYTHONPATH" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--properties", "parit"], "no property id matches 'parit'"),
        (["--profile", "nightly"], "unknown hypothesis profile 'nightly'"),
        (["--catalog-extra", "no_such_entries_module"], "--catalog-extra"),
    ],
)
def test_bad_selection_is_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(["verify", "--entries", "alf.EncodingNetwork", *argv], capsys)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_malformed_xfails_file_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xfails = tmp_path / "xfails.txt"
    xfails.write_text("# known\n\nalf.EncodingNetwork::parity  # ok\nalf.EncodingNetwork parity\n")
    code, _, err = run_main(["verify", "--xfails", str(xfails)], capsys)
    assert code == 2
    assert f"{xfails}:4:" in err and len(err.strip().splitlines()) == 1


def test_partial_candidate(verify_run: Callable[[str], Result]) -> None:
    """Names it lacks are n/p, configs it declines unsupported, the reference's own object
    is 'same'; nothing failed, so the run passes."""
    result = verify_run("partial")
    assert result.code == 0, result.output
    simple, encoding, parallel, image = PARTIAL_ENTRIES
    assert result.outcome(simple, "shape") == result.outcome(simple, "parity") == "n/p"
    assert result.outcome(encoding, "parity") == "pass"
    assert result.outcome(parallel, "shape") == "pass"
    assert result.outcome(parallel, "parity") == "same"
    for prop in ("shape", "parity"):
        cell = result.cell(image, prop)
        assert cell["outcome"] == "unsupported"
        assert cell["unsupported"] == cell["examples"] > 0
        assert cell["label"] == f"unsupported ({cell['unsupported']})"
        assert "image encoders are not implemented" in cell["unsupported_why"][0]


def test_xfails_turn_failures_into_xfail_and_report_xpass(
    verify_run: Callable[[str], Result],
) -> None:
    result = verify_run("xfails")
    assert result.code == 0, result.output
    parity = result.cell("alf.EncodingNetwork", "parity")
    assert parity["outcome"] == "XFAIL"
    assert parity["xfail_reason"] == "outputs off by a relative 1e-3"
    assert parity["failures"][0]["reason"].startswith("AssertionError")
    assert result.outcome("alf.EncodingNetwork", "shape") == "XPASS"
    assert "XPASS alf.EncodingNetwork::shape" in result.output


def test_noise_from_another_stream_passes(verify_run: Callable[[str], Result]) -> None:
    """A NoisyFC that draws the same noise in another order and dtype than the reference
    passes every cell: the element-wise cells see no random stream (contract item 5), its
    noise is judged by law (``noise_resampling``, ``reset_redraw``)."""
    result = verify_run("other_stream")
    assert result.code == 0, result.output
    outcomes = result.matrix["entries"]["alf.NoisyFC"]
    assert {"parity", "recurrent_steps", "noise_resampling", "reset_redraw"} <= set(outcomes)
    assert set(outcomes.values()) <= {"pass", "skip"}, outcomes


def test_extra_keyword_options_pass_signature_and_are_counted(
    verify_run: Callable[[str], Result],
) -> None:
    """A candidate adding two defaulted keyword parameters passes ``signature`` (the cell
    shows ``pass (2 extra)``); ``--level conformance`` leaves the hardening id
    ``bad_input`` out, and the JSON carries each cell's level and each level's verdict."""
    result = verify_run("extra_option")
    assert result.code == 0, result.output
    cell = result.cell("alf.NormalProjectionNetwork", "signature")
    assert cell["outcome"] == "pass"
    assert cell["label"] == "pass (2 extra)"
    assert cell["extra"] == 2 and cell["level"] == "conformance"
    assert "use_fc_ln" in cell["notes"][0] and "mean_transform" in cell["notes"][0]
    assert result.outcome("alf.NormalProjectionNetwork", "bad_input") is None
    assert result.matrix["levels"] == {"conformance": {"pass": 1}}
    assert result.matrix["verdict"] == "conformance: 1/1 cells pass"
    assert "conformance: 1/1 cells pass" in result.output


def test_a_bad_config_failure_names_the_expected_error(
    verify_run: Callable[[str], Result],
) -> None:
    """The failure's one-line reason (the matrix, without ``-v``) names the error the entry's
    bad config expects beside the one that arrived."""
    result = verify_run("unclear_config_error")
    assert result.code == 1, result.output
    cell = result.cell("alf.LSTMCell", "bad_input")
    reasons = [f["reason"] for f in cell["failures"]]
    assert any(
        "zero hidden size: expected ValueError matching 'hidden_size', got ZeroDivisionError" in r
        for r in reasons
    ), reasons


def test_a_client_without_state_spec_gets_one_clear_api_failure(
    verify_run: Callable[[str], Result],
) -> None:
    """An fc-only encoder written from the spec without ``state_spec``: the ``api`` cell
    fails naming it, and every other cell runs (and passes: its state is ``()``)."""
    result = verify_run("no_state_spec")
    assert result.code == 1, result.output
    api = result.cell("alf.EncodingNetwork", "api")
    assert api["outcome"] == "FAIL"
    assert "state_spec (documented on alf.Network)" in api["failures"][0]["reason"]
    others = {
        p: o for p, o in result.matrix["entries"]["alf.EncodingNetwork"].items() if p != "api"
    }
    assert others and "FAIL" not in others.values(), others
    assert others["shape"] == "pass" and others["parity"] == "pass"
