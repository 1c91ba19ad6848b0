"""The global property ids (DESIGN.md's table) and how test functions map onto them.

A kind may add ids of its own (AMAGO's ``augmentation``...); it declares them in
``Kind.own_ids``. An entry may declare a law only it has (``Entry.laws``: PPG's
``aux_replay``...). The catalog gathers every id its kinds and entries use.
"""

from __future__ import annotations

from collections.abc import Iterable

GLOBAL_IDS: dict[str, str] = {
    "shape": "outputs and states match the declared specs for random configs and batch sizes >= 1",
    "signature": "constructor parameter names, order and defaults are the spec document's",
    "api": "every public method and property the spec documents for the class is present",
    "parity": "candidate == reference with shared weights, float32 and float64 (and with "
    "every activation one that is not elementwise)",
    "grad_parity": "input and parameter gradients match (also in training mode where batch "
    "statistics apply)",
    "float64_exact": "parity and grad_parity in float64 at the float64 contract (1e-9), not "
    "float32's: no float32 constant or intermediate inside a float64 run",
    "reparam_grad": "reparameterized samples and their parameter gradients match under the "
    "same noise",
    "batch_invariance": "row i of the output depends only on row i of the input",
    "parallel": "make_parallel(n) == n independent replicas, [B, n, ...] and shared inputs "
    "(== the reference's parallel form with activations that are not elementwise)",
    "device": "CPU == CUDA for the same weights and inputs",
    "state_dict": "upstream-layout keys; weights move between reference and candidate",
    "recurrent_steps": "step loop with carried state == whole-sequence unroll, with resets",
    "flow_inverse": "inverse(forward(x)) == x and forward(inverse(y)) == y",
    "flow_logdet": "log abs det Jacobian == slogdet of the autograd Jacobian",
    "jacobian": "closed-form Jacobians, diagonals, JVP, VJP == autograd",
    "dist_bounds": "samples, modes, means inside bounds; finite log_prob; declared limits, for "
    "inputs in the normal range",
    "dist_logprob": "log_prob / entropy agree with an independent formula",
    "dist_sampling": "samples pass a KS test against the declared distribution",
    "determinism": "same seed same output, different seed different output",
    "init": "fresh networks and every replica draw initial weights from the reference's law",
    "bad_input": "bad configs and inputs raise a clear ValueError / TypeError",
    "empty_batch": "B=0 and T=0 (an empty sequence) work and give the declared shapes",
    "extreme_inputs": (
        "finite extreme inputs give no NaN/inf; a head's own samples score finitely, and "
        "their parameter gradients are not NaN"
    ),
    "nan_isolation": "NaN/inf in a state before a reset or in an earlier episode never reaches "
    "later outputs, other episodes or persistent state",
    "loss": "loss value and gradients == reference == a naive per-step formula",
    "deepcopy": "copy.deepcopy works at any time, right after a call whose autograd graph is "
    "alive included, and the copy computes what the original computes",
}

#: Properties that compare candidate and reference element by element under the same
#: noise: a stochastic entry is drawn with its noise made explicit (``Kind.deterministic``)
#: and its noise is checked by law elsewhere (``determinism``, ``process_noise``...).
ELEMENTWISE = frozenset(
    {"parity", "grad_parity", "float64_exact", "state_dict", "device", "recurrent_steps"}
)

#: The two levels of an id. Conformance: the candidate computes the spec's function (what
#: an upstream library or a user's reimplementation is judged on). Hardening: what twinnet
#: adds on top of the spec (DESIGN items 6-8). Every id not listed here, kinds' and
#: entries' own ids included, is a conformance id.
CONFORMANCE, HARDENING = "conformance", "hardening"
LEVELS = (CONFORMANCE, HARDENING)
HARDENING_IDS = frozenset(
    {
        "empty_batch",
        "extreme_inputs",
        "bad_input",
        "nan_isolation",
        "deepcopy",
        "half_precision",
        "float64_exact",
    }
)


def level_of(prop: str) -> str:
    """The level of property id ``prop`` (``conformance`` or ``hardening``)."""
    return HARDENING if prop in HARDENING_IDS else CONFORMANCE


#: Properties that compare the candidate with the reference object by object: when the
#: candidate's object *is* the reference's, such a cell compares a thing with itself.
COMPARES_WITH_REFERENCE = frozenset(
    {"parity", "grad_parity", "float64_exact", "reparam_grad", "state_dict", "init"}
)


def property_of(test_name: str, known: Iterable[str]) -> str | None:
    """The property id a test function checks: ``test_<id>`` or ``test_<id>_<detail>``."""
    name = test_name.removeprefix("test_")
    matches = [p for p in known if name == p or name.startswith(p + "_")]
    return max(matches, key=len) if matches else None
