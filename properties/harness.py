"""What every property module works with: the subject under test and its drawn cases.

A property test is ``test_<id>(subject, ...)``, decorated with :func:`spec_property`.
``subject`` (a fixture of ``properties/conftest.py``) holds the catalog entry, its kind,
the candidate and the reference implementations, and a tally of the examples. The
decorator runs the test as a hypothesis property and sorts its examples:

* an example whose config the candidate declines (its build raises
  ``NotImplementedError``, or needs a helper name it lacks) counts as *unsupported*, not
  as a failure, and never hides a failure of a supported example: it is tallied and
  rejected, so hypothesis draws another in its place (declined examples do not use up the
  profile's examples); when the candidate declines every example hypothesis can draw, the
  cell is *unsupported*;
* an example that cannot be compared (the two implementations' weights cannot be shared
  because their state_dict layouts differ) skips the cell as *blocked*, with the reason; the
  ``state_dict`` cell reports the layout difference itself;
* a failing example records its drawn case (config, batch, seed) for the report.

In a derandomized profile (ci) the examples cover every enumerated variant of the
config: the options of each ``properties.strategies.variants`` axis the configs draw
appear at least once per cell (:func:`schedule`).

A kind may give further views of a drawn case (``Kind.views``: a nest of distributions
seen through each of its leaves); the example then reruns the property on each view, with
the same batch and seed, drawing nothing more.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import torch
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from properties.candidate import Impl, NotProvided
from properties.entry import Entry
from properties.ids import ELEMENTWISE
from properties.kinds.base import Kind, load_state, parameters_of, seeded, state_of, to_device
from properties.strategies import VariantCover, covering, new_example, variant_width
from reference.specs import Nest, flatten

#: Why a cell is skipped, as the conformance matrix reads it: recorded as data (a
#: test's ``user_properties`` under ``OUTCOME_KEY``, or its tally's ``outcome``); the
#: skip message starts with it too, for people reading pytest's output.
NOT_PROVIDED = "not provided"
SAME_AS_REFERENCE = "same as reference"
BLOCKED = "blocked"
UNSUPPORTED = "unsupported"
SKIP_OUTCOMES = (NOT_PROVIDED, SAME_AS_REFERENCE, BLOCKED, UNSUPPORTED)
#: The user_properties key of a test's tally.
TALLY_KEY = "twinnet_tally"
#: The user_properties key of a cell skipped before its tally exists (not provided, same).
OUTCOME_KEY = "twinnet_outcome"
MAX_BATCH = 9


class Unsupported(Exception):
    """The candidate declines this example's config (NotImplementedError at build) or lacks a
    helper name its build needs."""


class PlanDeclined(Exception):
    """The candidate declined the first ``DECLINED_PLAN`` examples of a covered plan and
    supported none: the plan's variant is unsupported; the plan stops there instead of
    drawing on (hypothesis would try up to a thousand examples)."""


#: Declined examples after which a covered plan without a supported one stops.
DECLINED_PLAN = 10


class Blocked(Exception):
    """This example cannot be compared (the reason says why)."""


@dataclass(frozen=True)
class Case:
    """One drawn example: a plain-data config, a batch size and a seed; ``elementwise``: the
    example compares the candidate with the reference element by element."""

    cfg: dict
    batch: int
    seed: int
    elementwise: bool = False


@dataclass
class Tally:
    """What a test's examples came to: counts, notes and the failing case (plain data, so it
    travels in pytest reports, also from xdist workers)."""

    data: dict = field(
        default_factory=lambda: {"examples": 0, "unsupported": 0, "why": [], "notes": []}
    )
    current: dict | None = None

    def unsupported(self, why: str) -> None:
        self.data["unsupported"] += 1
        if why not in self.data["why"] and len(self.data["why"]) < 3:
            self.data["why"].append(why)

    def extra(self, parameters: list[str]) -> None:
        """Record parameters the spec does not list that the property accepted (a
        ``signature`` cell shows ``pass (2 extra)``)."""
        self.data["extra"] = len(parameters)
        self.note(f"accepted parameters the spec does not list: {', '.join(parameters)}")

    def note(self, text: str) -> None:
        if text not in self.data["notes"]:
            self.data["notes"].append(text)

    def skipped(self, outcome: str, why: str) -> None:
        """Skip the test as ``outcome`` (one of ``SKIP_OUTCOMES``), recorded as data."""
        self.data["outcome"] = outcome
        pytest.skip(f"{outcome}: {why}")

    def failed(self, error: BaseException) -> None:
        self.data["case"] = self.current
        self.data["error"] = f"{type(error).__name__}: {error}".splitlines()[0][:500]


@dataclass
class Subject:
    """One catalog entry under one property, with the implementations it compares."""

    entry: Entry
    prop: str
    candidate: Impl
    reference: Impl
    tally: Tally = field(default_factory=Tally)
    #: the case :meth:`draw` last drew, and the one it returns instead of drawing while the
    #: harness reruns a property on a view of that case (``Kind.views``)
    last: Case | None = None
    replay: Case | None = None

    @property
    def kind(self) -> Kind:
        return self.entry.kind

    @property
    def name(self) -> str:
        return self.entry.name

    # -- drawing --------------------------------------------------------------------------
    def draw(
        self,
        data: st.DataObject,
        min_batch: int = 1,
        max_batch: int = MAX_BATCH,
        deterministic: bool | None = None,
    ) -> Case:
        """A drawn case; ``deterministic`` (by default: the property compares element by
        element, :data:`properties.ids.ELEMENTWISE`): its config with the forward pass's
        noise made explicit as zero (``Kind.deterministic``), and built at random only
        where the candidate's builds agree (``twins``). Decided here rather than in each
        property module: a change to a test function's source changes the examples the
        derandomized ci profile draws for it. While a view of the last case is checked, that
        view, drawing nothing."""
        if self.replay is not None:
            view = self.replay
            self.tally.current = {"config": repr(view.cfg), "batch": view.batch, "seed": view.seed}
            return view
        if deterministic is None:
            deterministic = self.prop in ELEMENTWISE
        cfg = data.draw(self.entry.configs(), label="config")
        if deterministic:
            cfg = self.kind.deterministic(cfg)
        batch = data.draw(st.integers(min_batch, max_batch), label="batch")
        seed = data.draw(st.integers(0, 2**31 - 1), label="seed")
        self.tally.current = {"config": repr(cfg), "batch": batch, "seed": seed}
        self.last = Case(cfg, batch, seed, elementwise=deterministic)
        return self.last

    def views(self) -> list[Case]:
        """The views of the case last drawn that this property checks too (``Kind.views``),
        forgetting that case."""
        case, self.last = self.last, None
        if case is None:
            return []
        return [dataclasses.replace(case, cfg=cfg) for cfg in self.kind.views(case.cfg, self.prop)]

    def case_of(self, cfg: dict, batch: int, seed: int) -> Case:
        """A fixed case (an entry's example config), recorded like a drawn one."""
        self.tally.current = {"config": repr(cfg), "batch": batch, "seed": seed}
        return Case(cfg, batch, seed)

    # -- building -------------------------------------------------------------------------
    def build(
        self,
        impl: Impl,
        cfg: dict,
        dtype: torch.dtype = torch.float32,
        device: Any = "cpu",
        seed: int = 0,
        perturbed: bool = False,
        builder: Callable[[Impl, dict], Any] | None = None,
    ) -> Any:
        """The entry built from ``impl`` (eval mode, on ``device`` in ``dtype``), its global
        random draws seeded by ``seed``. ``perturbed`` adds N(0, 0.1^2) to every floating
        parameter, so that zero biases and unit scales take part in comparisons."""
        make = builder or self.entry.build
        with seeded(seed):
            if impl == self.reference:
                net = make(impl, cfg)
            else:
                try:
                    net = make(impl, cfg)
                except NotImplementedError as error:
                    raise Unsupported(f"{impl} declines the config: {error}") from error
                except NotProvided as error:
                    raise Unsupported(str(error)) from error
            if perturbed:
                with torch.no_grad():
                    for _, p in parameters_of(net):
                        if p.dtype.is_floating_point:
                            p.add_(0.1 * torch.randn_like(p))
        prepared = self.kind.prepare(net, dtype, device, impl)
        self.kind.hand_weights(prepared, cfg, dtype, device)
        return prepared

    def twins(
        self,
        case: Case,
        dtype: torch.dtype = torch.float32,
        device: Any = "cpu",
        builder: Callable[[Impl, dict], Any] | None = None,
    ) -> tuple[Any, Any]:
        """Reference and candidate for ``case.cfg`` holding the same (perturbed) weights."""
        ref = self.build(self.reference, case.cfg, dtype, device, case.seed, True, builder)
        cand = self.build(self.candidate, case.cfg, dtype, device, case.seed + 1, False, builder)
        self.share_weights(ref, cand)
        if case.elementwise and self.kind.built_at_random(case.cfg):
            self.check_built_alike(case, ref, cand, dtype, device, builder)
        return ref, cand

    def check_built_alike(
        self,
        case: Case,
        ref: Any,
        cand: Any,
        dtype: torch.dtype,
        device: Any,
        builder: Callable[[Impl, dict], Any] | None,
    ) -> None:
        """For a config built at random (``Kind.built_at_random``): a second build of the
        candidate with other global draws and the same weights must compute what the first
        does, else its random construction (masks) is neither deterministic nor part of its
        state, and the element-wise comparison cannot apply: :class:`Unsupported` (its laws
        still check it)."""
        again = self.build(self.candidate, case.cfg, dtype, device, case.seed + 2, False, builder)
        self.share_weights(ref, again)
        x = self.inputs(case, dtype, device)
        with torch.no_grad():
            first, second = self.observe(cand, x, case), self.observe(again, x, case)
        if not all(torch.equal(a, b) for a, b in zip(flatten(first), flatten(second))):
            raise Unsupported(
                f"{self.candidate} draws this config's random construction (masks) anew per "
                "build and keeps it out of its state: compared by its laws, not element-wise"
            )

    def share_weights(self, source: Any, target: Any) -> None:
        """Load ``source``'s state into ``target``: by key when the layouts agree, by position
        when only the key names differ (noted; the ``state_dict`` cell reports it), else
        :class:`Blocked`."""
        src, dst = state_of(source), state_of(target)
        if set(src) == set(dst) and all(src[k].shape == dst[k].shape for k in src):
            load_state(target, src)
            return
        shapes_src = [tuple(v.shape) for v in src.values()]
        shapes_dst = [tuple(v.shape) for v in dst.values()]
        if shapes_src == shapes_dst:
            load_state(target, dict(zip(dst, src.values())))
            self.tally.note("state_dict keys differ from the reference's; weights shared by order")
            return
        missing = sorted(set(src) - set(dst))[:3]
        extra = sorted(set(dst) - set(src))[:3]
        raise Blocked(
            f"the weights cannot be shared: state_dict layouts differ (reference-only keys "
            f"{missing}, candidate-only keys {extra}; see the state_dict cell)"
        )

    # -- inputs and observations ------------------------------------------------------------
    def inputs(
        self,
        case: Case,
        dtype: torch.dtype = torch.float32,
        device: Any = "cpu",
        batch: int | None = None,
        seed_offset: int = 0,
    ) -> Nest:
        g = torch.Generator().manual_seed(case.seed + seed_offset)
        x = self.kind.inputs(case.cfg, case.batch if batch is None else batch, g, dtype)
        return to_device(x, device)

    def observe(self, net: Any, x: Nest, case: Case) -> Nest:
        return self.kind.observe(net, x, case.cfg, seed=case.seed, elementwise=case.elementwise)


def spec_property(fn: Callable[..., None]) -> Callable[..., None]:
    """Run ``fn(subject, ..., data)`` as a hypothesis property over drawn examples, sorting
    unsupported, blocked and failing examples (module doc)."""

    @functools.wraps(fn)
    def run(subject: Subject, *args: Any, **kwargs: Any) -> None:
        subject.tally.data["examples"] += 1
        subject.last = subject.replay = None
        cover = new_example()
        try:
            fn(subject, *args, **kwargs)
            for view in subject.views():
                subject.replay = view
                try:
                    fn(subject, *args, **kwargs)
                finally:
                    subject.replay = None
        except Unsupported as why:
            subject.tally.unsupported(str(why))
            if cover is not None and cover.plan is not None:
                cover.declined += 1
                if cover.declined >= DECLINED_PLAN and not cover.supported:
                    raise PlanDeclined from None
            reject()
        except Blocked as why:
            subject.tally.skipped(BLOCKED, str(why))
        except PlanDeclined:
            raise
        except BaseException as error:
            if not isinstance(error, pytest.skip.Exception):
                subject.tally.failed(error)
            raise
        else:
            if cover is not None:
                cover.supported += 1

    prop = given(data=st.data())(run)

    def plan_run(plan: int, examples: int) -> Callable[..., None]:
        """The property with ``examples`` examples whose variants follow ``plan``; each
        plan draws from a seed of its own (hypothesis's digest of the test)."""
        if plan > 0:
            run._hypothesis_internal_add_digest = f"variant plan {plan}".encode()  # type: ignore[attr-defined]
        elif hasattr(run, "_hypothesis_internal_add_digest"):
            del run._hypothesis_internal_add_digest  # type: ignore[attr-defined]
        return settings(settings.default, max_examples=examples)(given(data=st.data())(run))

    @functools.wraps(prop)
    def property_test(*args: Any, **kwargs: Any) -> None:
        subject = kwargs.get("subject")
        tally = subject.tally if isinstance(subject, Subject) else Tally()
        default = settings.default
        if not (default.derandomize and isinstance(subject, Subject)):
            try:
                prop(*args, **kwargs)
            except Unsatisfiable:
                why = "; ".join(tally.data["why"])
                tally.skipped(UNSUPPORTED, f"the candidate declined every example ({why})")
            return
        cover = VariantCover()
        width = variant_width(subject.name, subject.entry.configs)
        runs = declined_runs = 0
        with covering(cover):
            for plan, examples in schedule(default.max_examples, width, cover):
                cover.plan = None if plan == FREE else plan
                cover.declined = cover.supported = 0
                try:
                    plan_run(plan, examples)(*args, **kwargs)
                except (Unsatisfiable, PlanDeclined):
                    declined_runs += 1
                runs += 1
        if declined_runs == runs:
            why = "; ".join(tally.data["why"])
            tally.skipped(UNSUPPORTED, f"the candidate declined every example ({why})")

    property_test.check = fn  # type: ignore[attr-defined]  # the bare check, for reuse
    return property_test


def schedule(examples: int, width: int, cover: VariantCover) -> Iterator[tuple[int, int]]:
    """The runs of a derandomized property of ``examples`` examples whose configs draw
    variants of at most ``width`` options per axis (``variant_width``), as ``(plan,
    examples)`` pairs: one plan per option of the widest axis, the examples shared out
    (each plan at least one, so a config with more options than examples gets one example
    per option). Without variants, one run as before (``FREE``: nothing forced, the same
    examples). An axis that a run meets first, wider than the plans so far, adds plans of
    one example each."""
    if width <= 1:
        yield FREE, examples
        done = 0
    else:
        done = used = 0
        while done < width:
            share = max(1, (examples - used) // (width - done))
            yield done, share
            used, done = used + share, done + 1
    while cover.width > 1 and done < cover.width:
        yield done, 1
        done += 1


#: The plan of a run that forces no variant.
FREE = -1


def declined(subject: Subject, check: Callable[[], None]) -> None:
    """Run a non-hypothesis check, tallying a config the candidate declines as unsupported."""
    try:
        check()
    except Unsupported as why:
        subject.tally.unsupported(str(why))
