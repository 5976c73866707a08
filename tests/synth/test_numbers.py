"""Figures: identities hold by construction, carry-overs chain, and the shapes look like real reports."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nianbao.synth.model import Figures
from nianbao.synth.numbers import organ_series
from nianbao.synth.population import build_population
from nianbao.synth.truth import broken_identities
from nianbao.templates import template_for_year

YEARS = list(range(2019, 2026))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), organ=st.integers(0, 23))
def test_every_identity_holds_and_carry_chains(seed: int, organ: int) -> None:
    o = build_population(np.random.default_rng(seed), 24)[organ]
    series = organ_series(np.random.default_rng(seed), o, YEARS)
    for year, fig in series.items():
        t = template_for_year(year)
        assert set(fig.applications) == set(t.row_keys)
        assert broken_identities(t, fig.applications, fig.litigation) == set()
        assert all(v >= 0 for row in fig.applications.values() for v in row)
        assert {i.key: set(i.measures) for i in t.table2_items} == {
            k: set(v) for k, v in fig.proactive.items()
        }
        if year > YEARS[0]:
            assert fig.applications["carried_over"] == series[year - 1].applications["carried_forward"]
        n = fig.narrative
        if n.breakdown:
            assert n.breakdown_sum == n.proactive_items


@pytest.fixture(scope="module")
def sample() -> list[tuple[str, Figures]]:
    """(organ kind, figures) for every organ-year of three small populations over seven years."""
    out = []
    for seed in range(3):
        for o in build_population(np.random.default_rng(seed), 24):
            out += [(o.kind, f) for f in organ_series(np.random.default_rng(seed), o, YEARS).values()]
    return out


def _received(sample: list[tuple[str, Figures]], kind: str) -> list[int]:
    return [f.applications["new_received"][-1] for k, f in sample if k == kind]


def test_townships_receive_few_applications_governments_many(sample: list[tuple[str, Figures]]) -> None:
    towns, govs = _received(sample, "township"), _received(sample, "government")
    assert np.median(towns) <= 3
    assert np.mean([v <= 10 for v in towns]) > 0.85
    assert 20 <= np.median(govs) <= 300
    land = _received(sample, "land")
    assert np.median(land) >= 10


def test_natural_persons_dominate_and_fees_are_mostly_zero(sample: list[tuple[str, Figures]]) -> None:
    natural = sum(f.applications["new_received"][0] for _, f in sample)
    total = sum(f.applications["new_received"][-1] for _, f in sample)
    assert natural / total > 0.8
    fees = [f.proactive["administrative_fees"].get("amount_10k_yuan") for _, f in sample]
    fees_2021 = [v for v in fees if v is not None]
    assert 0 < sum(bool(v) for v in fees_2021) / len(fees_2021) < 0.3


def test_review_and_litigation_are_rare(sample: list[tuple[str, Figures]]) -> None:
    cases = sum(v[-1] for _, f in sample for v in f.litigation.values())
    apps = sum(f.applications["new_received"][-1] for _, f in sample)
    assert 0 < cases < 0.15 * apps


def test_proactive_items_range_from_tens_to_thousands(sample: list[tuple[str, Figures]]) -> None:
    items = [f.narrative.proactive_items for _, f in sample if f.narrative.proactive_items is not None]
    assert min(items) < 100
    assert max(items) > 1000
