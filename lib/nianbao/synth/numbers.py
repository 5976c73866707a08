"""Plausible figures for an organ over consecutive years, with every template identity holding.

Shapes follow what real reports show: most townships receive 0-10 applications a year, county
governments and land/housing departments tens to hundreds; applicants are mostly natural persons;
about half of the requests are granted in full or in part and a quarter are "not held"; review and
litigation are rare; proactive items run from tens to thousands with a year-on-year trend; fees are
mostly zero. Each organ has a latent profile (its size, trend and habits); each year is drawn around it.

Table 3 is built column by column so that its identities hold by construction:
``carried_over(y) = carried_forward(y-1)``; ``processed = new + carried_over - carried_forward``;
the processed requests of each column are split over the outcome rows; every row total is the sum of
the applicant columns. Table 2 values are drawn per *latent* quantity (documents issued, licensing
decisions, fee amount, item counts) and mapped onto whatever measures the template of the year has,
so a 2020 → 2021 template change keeps the organ's story continuous.

>>> import numpy as np
>>> from nianbao.synth.population import build_population
>>> organ = build_population(np.random.default_rng(0), 1)[0]
>>> series = organ_series(np.random.default_rng(0), organ, [2020, 2021])
>>> a20, a21 = series[2020].applications, series[2021].applications
>>> a21["carried_over"] == a20["carried_forward"]
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nianbao.synth.model import Figures, Narrative, Organ
from nianbao.synth.population import names_data
from nianbao.templates import Template, measure_latents, template_for_year

__all__ = ["PROFILES", "Profile", "organ_series"]


@dataclass(frozen=True, slots=True)
class Profile:
    """Medians of one kind of organ (per year). A zero median means the organ never has the item."""

    applications: float
    zero_year: float  # probability of a year without any application
    proactive: float
    normative: float
    licensing: float
    penalty: float
    coercion: float
    fee_share: float  # share of such organs that collect administrative fees
    fee: float  # median fee amount in 万元 when they do
    review_rate: float  # review cases per application


PROFILES: dict[str, Profile] = {
    "township": Profile(3, 0.55, 120, 0.3, 8, 3, 0, 0.0, 0, 0.01),
    "street": Profile(3, 0.5, 150, 0.2, 4, 2, 0, 0.0, 0, 0.01),
    "government": Profile(70, 0.0, 1800, 8, 3, 0, 0, 0.0, 0, 0.05),
    "office": Profile(12, 0.1, 600, 3, 0, 0, 0, 0.0, 0, 0.05),
    "land": Profile(60, 0.0, 350, 2, 400, 40, 5, 0.8, 300, 0.06),
    "housing": Profile(35, 0.0, 300, 2, 300, 20, 3, 0.5, 60, 0.05),
    "police": Profile(15, 0.05, 400, 1, 5000, 3000, 200, 0.6, 25, 0.04),
    "market": Profile(10, 0.1, 300, 1, 1500, 150, 20, 0.3, 8, 0.03),
    "transport": Profile(5, 0.2, 200, 1, 600, 120, 10, 0.4, 15, 0.03),
    "education": Profile(6, 0.2, 350, 1, 40, 0, 0, 0.2, 5, 0.02),
}
DEFAULT_PROFILE = Profile(4, 0.3, 200, 1, 60, 10, 0, 0.1, 3, 0.02)

# Share of applications by applicant column (the rest of a template's columns get a trace share).
APPLICANT_SHARE = {
    "natural_person": 0.9,
    "commercial_enterprise": 0.06,
    "research_institution": 0.004,
    "social_organization": 0.008,
    "legal_service_agency": 0.016,
    "other_organization": 0.012,
}
# Share of processed applications by outcome row; a row not listed gets its group's share / rows.
OUTCOME_SHARE = {
    "granted": 0.42,
    "partially_granted": 0.06,
    "denied_state_secret": 0.002,
    "denied_prohibited_by_law": 0.005,
    "denied_security_stability": 0.004,
    "denied_third_party_rights": 0.02,
    "denied_internal_affairs": 0.01,
    "denied_process_info": 0.02,
    "denied_enforcement_case_file": 0.004,
    "denied_administrative_inquiry": 0.02,
    "unable_not_held": 0.22,
    "unable_needs_creation": 0.05,
    "unable_unclear_after_correction": 0.03,
    "not_processed_petition": 0.06,
    "not_processed_duplicate": 0.02,
    "not_processed_publication": 0.004,
    "not_processed_excessive": 0.003,
    "not_processed_confirmation": 0.01,
    "other_no_correction": 0.02,
    "other_unpaid_fee": 0.002,
    "other_reasons": 0.02,
    "other_processing": 0.042,
}
GROUP_SHARE = {
    "granted": 0.42,
    "partially_granted": 0.06,
    "denied": 0.08,
    "unable": 0.3,
    "not_processed": 0.1,
}
RESULT_SHARE = {"upheld": 0.6, "corrected": 0.12, "other": 0.14, "pending": 0.14}


@dataclass(slots=True)
class _Latent:
    """An organ's habits, drawn once."""

    scale: float
    trend: float
    profile: Profile
    outcome_jitter: dict[str, float]
    carry_rate: float
    fee: float  # 万元 in the first year; 0 = collects none
    fee_decimals: int
    has_wechat: bool
    has_weibo: bool
    wechat_account: str
    breakdown_rate: float
    items: dict[str, int]  # licensing/penalty/... item counts for the 2019 template
    in_force: int
    published_total: int
    procurement_unit: float  # 1 (万元) or 10000 (元)


def _lognormal(rng: np.random.Generator, median: float, sigma: float) -> float:
    return float(median * np.exp(rng.normal(0.0, sigma))) if median > 0 else 0.0


def _latent(rng: np.random.Generator, organ: Organ) -> _Latent:
    p = PROFILES.get(organ.kind, DEFAULT_PROFILE)
    fee = _lognormal(rng, p.fee, 0.8) if rng.random() < p.fee_share else 0.0
    account = str(rng.choice(names_data()["wechat_accounts"])).format(place=organ.place)
    base_items = {
        "administrative_licensing": int(rng.integers(5, 60)) if p.licensing else 0,
        "other_management_services": int(rng.integers(0, 30)),
        "administrative_penalty": int(rng.integers(10, 300)) if p.penalty else 0,
        "administrative_coercion": int(rng.integers(1, 20)) if p.coercion else 0,
        "administrative_fees": int(rng.integers(1, 8)) if fee else 0,
    }
    return _Latent(
        scale=float(np.exp(rng.normal(0, 0.5))),
        trend=float(rng.normal(0.06, 0.12)),
        profile=p,
        outcome_jitter={k: float(np.exp(rng.normal(0, 0.35))) for k in OUTCOME_SHARE},
        carry_rate=float(rng.uniform(0, 0.08)) if p.applications >= 10 else float(rng.uniform(0, 0.02)),
        fee=fee,
        fee_decimals=int(rng.choice([2, 4, 6])),
        has_wechat=bool(rng.random() < 0.6),
        has_weibo=bool(rng.random() < 0.15),
        wechat_account=account,
        breakdown_rate=float(rng.choice([0.0, 0.8, 1.0])),
        items=base_items,
        in_force=int(_lognormal(rng, p.normative * 8, 0.5)),
        published_total=int(_lognormal(rng, p.normative * 12, 0.5)),
        procurement_unit=float(rng.choice([1.0, 10000.0])),
    )


def _count(rng: np.random.Generator, median: float, growth: float, sigma: float = 0.35) -> int:
    return round(_lognormal(rng, median * growth, sigma)) if median > 0 else 0


def _applicant_probs(t: Template) -> np.ndarray:
    cols = [c for c in t.table3_columns if not c.sum_of_others]
    p = np.array([APPLICANT_SHARE.get(c.key, 0.005) for c in cols])
    return p / p.sum()


def _outcome_probs(t: Template, lat: _Latent) -> np.ndarray:
    keys = t.outcome_keys
    group_of = {r.key: r.group for r in t.table3_rows}
    sizes = {g: sum(1 for k in keys if group_of[k] == g) for g in {group_of[k] for k in keys}}
    p = np.array(
        [
            OUTCOME_SHARE.get(k, GROUP_SHARE.get(group_of[k], 0.02) / sizes[group_of[k]])
            * lat.outcome_jitter.get(k, 1.0)
            for k in keys
        ]
    )
    return p / p.sum()


def _applications(
    rng: np.random.Generator, t: Template, lat: _Latent, growth: float, carried: list[int] | None
) -> dict[str, list[int]]:
    p = lat.profile
    n = 0 if rng.random() < p.zero_year else max(1, _count(rng, p.applications * lat.scale, growth, 0.5))
    new = rng.multinomial(n, _applicant_probs(t)).tolist()
    if carried is None:  # first year on record: a little left over from the year before
        carried = [int(rng.binomial(v, lat.carry_rate)) for v in new]
    forward = [int(rng.binomial(a + b, lat.carry_rate)) for a, b in zip(new, carried, strict=True)]
    processed = [a + b - f for a, b, f in zip(new, carried, forward, strict=True)]
    outcome_keys = t.outcome_keys
    probs = _outcome_probs(t, lat)
    by_col = [rng.multinomial(m, probs).tolist() for m in processed]
    intake = iter([new, carried])
    rows: dict[str, list[int]] = {}
    for r in t.table3_rows:
        if r.group == "intake":
            vals = next(intake)
        elif r.group == "total":
            vals = processed
        elif r.group == "carried_forward":
            vals = forward
        else:
            i = outcome_keys.index(r.key)
            vals = [col[i] for col in by_col]
        rows[r.key] = _with_total(t, vals)
    return rows


def _with_total(t: Template, vals: list[int]) -> list[int]:
    """Applicant values in column order, with the sum in the template's total column."""
    it = iter(vals)
    return [sum(vals) if c.sum_of_others else next(it) for c in t.table3_columns]


def _applicants_of(t: Template, row: list[int]) -> list[int]:
    return [v for v, c in zip(row, t.table3_columns, strict=True) if not c.sum_of_others]


def _total_of(t: Template, row: list[int]) -> int:
    return next(v for v, c in zip(row, t.table3_columns, strict=True) if c.sum_of_others)


def _litigation(
    rng: np.random.Generator, t: Template, lat: _Latent, applications: int
) -> dict[str, list[int]]:
    rate = lat.profile.review_rate
    means = {
        "administrative_review": applications * rate,
        "litigation_direct": applications * rate * 0.4,
        "litigation_after_review": applications * rate * 0.2,
    }
    parts = [r for r in t.table4_results if not r.sum_of_others]
    probs = np.array([RESULT_SHARE.get(r.key, 0.1) for r in parts])
    out = {}
    for proc in t.table4_proceedings:
        n = int(rng.poisson(means.get(proc.key, applications * rate * 0.2)))
        split = iter(rng.multinomial(n, probs / probs.sum()).tolist())
        out[proc.key] = [n if r.sum_of_others else next(split) for r in t.table4_results]
    return out


def _latent_value(key: tuple[str, str], yearly: dict[str, float]) -> float:
    """The table-2 value of (item, measure) from the year's latent quantities; 0 when unknown."""
    item, measure = key
    if item in ("rules", "normative_documents"):
        if item == "rules":  # county-level organs cannot make rules (规章)
            return 0.0
        return yearly.get(measure_latents().get(measure, measure), 0.0)
    if measure in ("decisions", "prior_year_items", "change"):
        return yearly.get(f"{item}.{measure}", 0.0)
    return yearly.get(measure, 0.0)


def _yearly(rng: np.random.Generator, lat: _Latent, growth: float, year_index: int) -> dict[str, float]:
    p = lat.profile
    issued = int(rng.poisson(p.normative * lat.scale))
    repealed = int(rng.binomial(lat.in_force, 0.04)) if lat.in_force else 0
    lat.in_force = max(0, lat.in_force + issued - repealed)
    lat.published_total += issued
    y: dict[str, float] = {
        "issued": issued,
        "repealed": repealed,
        "in_force": lat.in_force,
        "published_total": lat.published_total,
        "administrative_licensing.decisions": _count(rng, p.licensing * lat.scale, growth),
        "administrative_penalty.decisions": _count(rng, p.penalty * lat.scale, growth),
        "administrative_coercion.decisions": _count(rng, p.coercion * lat.scale, growth),
        "other_management_services.decisions": _count(rng, p.licensing * 0.3 * lat.scale, growth),
    }
    for item, count in lat.items.items():
        change = int(rng.choice([0, 0, 0, 1, -1, 2, -2])) if count else 0
        change = max(change, -count)
        y[f"{item}.prior_year_items"] = count
        y[f"{item}.change"] = change
        lat.items[item] = count + change
    if lat.fee:
        y["amount_10k_yuan"] = round(lat.fee * growth * float(np.exp(rng.normal(0, 0.15))), lat.fee_decimals)
    n_proc = int(rng.poisson(3 * lat.scale))
    y["procurement_items"] = n_proc
    y["procurement_amount"] = round(n_proc * _lognormal(rng, 35.0, 0.7) * lat.procurement_unit, 2)
    return y


def _narrative(
    rng: np.random.Generator,
    organ: Organ,
    lat: _Latent,
    *,
    growth: float,
    apps: int,
    lit: dict[str, list[int]],
) -> Narrative:
    total = max(5, _count(rng, lat.profile.proactive * lat.scale, growth, 0.15))
    breakdown: list[tuple[str, int]] = []
    if rng.random() < lat.breakdown_rate:
        cats = names_data()["categories"].get(organ.level, names_data()["categories"]["township"])
        k = min(len(cats), int(rng.integers(3, 8)), total)
        chosen = [cats[i] for i in sorted(rng.choice(len(cats), size=k, replace=False))]
        split = rng.multinomial(total - k, rng.dirichlet(np.ones(k) * 1.5)) + 1
        breakdown = list(zip(chosen, (int(v) for v in split), strict=True))
    stated = rng.random() < 0.95
    wechat = int(total * rng.uniform(0.3, 1.2)) if lat.has_wechat else None
    review = sum(v[-1] for k, v in lit.items() if k == "administrative_review")
    return Narrative(
        proactive_items=total if stated else None,
        breakdown=breakdown if stated else [],
        wechat_posts=wechat,
        wechat_account=lat.wechat_account if lat.has_wechat else None,
        weibo_posts=int(total * rng.uniform(0.2, 0.6)) if lat.has_weibo else None,
        applications=apps,
        review_cases=review,
        litigation_cases=sum(v[-1] for k, v in lit.items() if k != "administrative_review"),
        training=int(rng.integers(1, 6)),
    )


def organ_series(rng: np.random.Generator, organ: Organ, years: list[int]) -> dict[int, Figures]:
    """Figures of ``organ`` for consecutive ``years``; carry-overs chain from year to year.

    >>> from nianbao.synth.population import build_population
    >>> organ = build_population(np.random.default_rng(0), 1)[0]
    >>> series = organ_series(np.random.default_rng(0), organ, [2020, 2021])
    >>> sorted(series), series[2021].applications["new_received"], series[2020].narrative.proactive_items
    ([2020, 2021], [70, 1, 0, 0, 2, 4, 77], 2313)
    """
    lat = _latent(rng, organ)
    out: dict[int, Figures] = {}
    carried: list[int] | None = None
    for i, year in enumerate(sorted(years)):
        t = template_for_year(year)
        growth = float(np.exp(lat.trend * i))
        apps = _applications(rng, t, lat, growth, carried)
        forward_key = t.rows_in_group("carried_forward")[0]
        carried = _applicants_of(t, apps[forward_key])
        received = _total_of(t, apps[t.rows_in_group("intake")[0]])
        lit = _litigation(rng, t, lat, received)
        yearly = _yearly(rng, lat, growth, i)
        proactive = {
            item.key: {m: float(_latent_value((item.key, m), yearly)) for m in item.measures}
            for item in t.table2_items
        }
        decimals = {
            m.key: (lat.fee_decimals if m.key == "amount_10k_yuan" else 2)
            for m in t.table2_measures
            if m.decimal
        }
        narrative = _narrative(rng, organ, lat, growth=growth, apps=received, lit=lit)
        out[year] = Figures(proactive, apps, lit, narrative, decimals)
    return out
