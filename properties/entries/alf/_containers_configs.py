"""Config strategies of the container entries (``containers.py``): plain-data members
(``("fc", k)``, ``("lstm", k)``, ``("gru", k)``, ``("linear", k)``, ``("tanh",)``) and the
forms, member counts and modes each container is drawn in; the enumerated ones are
declared as variants, so the ci profile reaches each of them in every cell."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from properties import strategies as S

MEMBERS = ("fc", "lstm", "gru", "linear", "tanh")


@st.composite
def member_specs(draw: Any, allow_function: bool = True) -> tuple:
    kind = draw(S.variants("member", MEMBERS if allow_function else MEMBERS[:-1]))
    return (kind,) if kind == "tanh" else (kind, draw(st.integers(1, 4)))


@st.composite
def sequential_configs(draw: Any) -> dict:
    return {
        "input_size": draw(st.integers(1, 4)),
        "members": tuple(draw(st.lists(member_specs(), min_size=1, max_size=3))),
        "named": draw(S.variants("named", [False, True])),
        "n": draw(st.integers(1, 3)),
    }


# -- Branch and Parallel -------------------------------------------------------------------
#: Branch's forms, each with one member and with several (a one-member tuple is a form of
#: its own: a make_parallel that loses it must fail ci).
BRANCH_FORMS = [(f, k) for f in ("positional", "tuple", "named") for k in ("one", "several")]


@st.composite
def branch_configs(draw: Any) -> dict:
    form, count = draw(S.variants("form", BRANCH_FORMS))
    several = st.lists(member_specs(), min_size=2, max_size=3)
    return {
        "input_size": draw(st.integers(1, 4)),
        "members": (draw(member_specs()),) if count == "one" else tuple(draw(several)),
        "form": form,
        "n": draw(st.integers(1, 3)),
    }


@st.composite
def parallel_configs(draw: Any) -> dict:
    k = draw(S.variants("members", [1, 2, 3]))
    return {
        "input_sizes": tuple(draw(st.integers(1, 4)) for _ in range(k)),
        "members": tuple(draw(member_specs()) for _ in range(k)),
        "as_dict": draw(S.variants("as_dict", [False, True])),
        "n": draw(st.integers(1, 3)),
    }


@st.composite
def echo_configs(draw: Any) -> dict:
    return {
        "input_size": draw(st.integers(1, 4)),
        "echo_size": draw(st.integers(1, 3)),
        "hidden": draw(st.integers(1, 4)),
        "output_size": draw(st.integers(1, 3)),
        "cell": draw(S.variants("cell", ["fc", "lstm"])),
        "form": draw(S.variants("form", ["tuple", "dict"])),
        "n": draw(st.integers(1, 3)),
    }


@st.composite
def residue_configs(draw: Any) -> dict:
    return {
        "input_size": draw(st.integers(1, 4)),
        "inner": draw(
            S.variants("inner", [None, *MEMBERS[:-1]]).flatmap(
                lambda kind: (
                    st.none() if kind is None else st.tuples(st.just(kind), st.integers(1, 4))
                )
            )
        ),
        "activation": draw(st.sampled_from(["relu_", "tanh", "identity"])),
    }
