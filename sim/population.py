"""The synthetic population: compounds of realistic size and the fixed traits of every household.

Scaling down a run keeps compound sizes realistic (lognormal, docs/sources.md#people-and-compounds) and draws
fewer compounds, because minimum orders and gate work depend on compound size, not on the size of the city.
Households are stored compound by compound, so the homes of compound c are the index range start[c]:start[c + 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lockdown_sim.sim.city import EAST, WEST
from lockdown_sim.sim.compound_types import COMMERCIAL, OLD, CompoundTypes

# Who orders for a household on a phone, for the speed at which it grabs platform slots: itself (a practised young
# user, an older user), a remote child (proxy), nobody, or a volunteer who listed an older resident's needs.
YOUNG, OLDER, PROXY, NONE, VOLUNTEER = 0, 1, 2, 3, 4


@dataclass
class Population:
    """Fixed traits, one array entry per household (index = Household.index)."""

    compound: np.ndarray  # int32, compound index
    size: np.ndarray  # int8, persons
    elderly: np.ndarray  # bool, has a member aged 60+
    older_only: np.ndarray  # bool, nobody younger lives there
    phone: np.ndarray  # bool, someone at home can order on a smartphone
    proxy: np.ndarray  # bool, a child elsewhere can order for them (only for older-only homes without phone)
    no_contact: np.ndarray  # bool, knew no neighbour before the lockdown
    free_hours: np.ndarray  # float32, hours a day the household can give to group work
    over80_alone: np.ndarray  # bool, a resident aged 80+ living alone (the target of charity packs)
    occupation: np.ndarray  # int8, a member's job: 0 none of note, 1 retail, 2 catering (sim/supplier_ties.py)
    supplier_tie: np.ndarray  # int32, index of a local supplier someone at home knows, -1 for none
    start: np.ndarray  # int64[C + 1], compound c holds households start[c]:start[c + 1]
    compound_size: np.ndarray  # int32[C]
    compound_district: np.ndarray  # int8[C]
    compound_type: np.ndarray  # int8[C], OLD or COMMERCIAL (sim/compound_types.py)

    @property
    def n(self) -> int:
        return len(self.compound)

    @property
    def n_compounds(self) -> int:
        return len(self.compound_size)

    def per_compound(self, values) -> np.ndarray:
        """Sum a per-household array (bool or number) over each compound (float64; homes are contiguous)."""
        values = np.asarray(values)
        if values.dtype == bool:
            return np.add.reduceat(values, self.start[:-1], dtype=np.int64).astype(np.float64)
        return np.add.reduceat(values, self.start[:-1], dtype=np.float64)

    def ordering_class(self, proxies: bool) -> np.ndarray:
        """YOUNG / OLDER / PROXY / NONE: who orders for the household on a phone, if anyone."""
        cls = np.full(self.n, NONE, dtype=np.int8)
        cls[self.phone & ~self.older_only] = YOUNG
        cls[self.phone & self.older_only] = OLDER
        if proxies:
            cls[~self.phone & self.proxy] = PROXY
        return cls


def compound_sizes(n_households: int, city, rng: np.random.Generator, types: CompoundTypes | None = None,
                   type_rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Draw lognormal compound sizes until they hold n_households; the last compound takes the rest.

    Returns (sizes, types). Each compound's type comes from its own stream, and its size median is scaled by the
    type's factor (1 for both types when compound types are off, which gives the sizes of a city without types).
    """
    sizes: list[np.ndarray] = []
    kinds: list[np.ndarray] = []
    total = 0
    median, sigma = city.compound_median_households, city.compound_sigma
    lo, hi = city.compound_min_households, city.compound_max_households
    factor = types.size_factors() if types is not None else np.ones(2)
    while total < n_households:
        z = rng.standard_normal(1024)
        kind = types.draw(type_rng, 1024) if types is not None else np.full(1024, COMMERCIAL, dtype=np.int8)
        batch = np.clip(np.rint(median * factor[kind] * np.exp(sigma * z)), lo, hi).astype(np.int64)
        sizes.append(batch)
        kinds.append(kind)
        total += int(batch.sum())
    out, kind = np.concatenate(sizes), np.concatenate(kinds)
    cum = np.cumsum(out)
    k = int(np.searchsorted(cum, n_households))  # compound k completes the population
    out = out[: k + 1].copy()
    out[k] -= int(cum[k] - n_households)
    if k > 0 and out[k] < lo:  # too small a remainder joins the previous compound
        out[k - 1] += out[k]
        out = out[:k]
    return out.astype(np.int32), kind[: len(out)].copy()


def poisson_quantile(u: np.ndarray, lam: float) -> np.ndarray:
    """Poisson(lam) values by inversion of uniforms u: the same u gives a value that moves monotonically with lam
    (common random numbers across a sweep), where numpy's sampler would consume a lam-dependent number of draws."""
    k = np.arange(64)
    pmf = np.exp(k * np.log(max(lam, 1e-300)) - lam - np.cumsum(np.r_[0.0, np.log(k[1:])]))
    return np.searchsorted(np.cumsum(pmf), u, side="right").astype(np.int64)


def build_population(n_households: int, scenario, elderly_share: float, streams, *,
                     compound_types: bool = True) -> Population:
    """Compounds and household traits for a city of n_households.

    Every trait has its own random stream and one uniform draw per household (sizes by inversion), so that
    changing one parameter (the elderly share, say) leaves every unrelated trait of every household as it was.
    With compound types on, the chance of an older member, older residents' phone skill and free time depend on
    the compound's type, with the city-wide figures kept (sim/compound_types.py).
    """
    pop = scenario.population
    types = CompoundTypes.from_scenario(scenario, compound_types)
    compound_rng = streams("compounds")
    sizes, ctype = compound_sizes(n_households, scenario.city, compound_rng, types, streams("compounds.type"))
    n_c = len(sizes)
    district = np.where(compound_rng.random(n_c) < scenario.city.west_share, WEST, EAST).astype(np.int8)
    start = np.zeros(n_c + 1, dtype=np.int64)
    np.cumsum(sizes, out=start[1:])
    compound = np.repeat(np.arange(n_c, dtype=np.int32), sizes)
    kind = np.repeat(ctype, sizes)  # each household's compound type

    n = n_households
    old_households = float(sizes[ctype == OLD].sum()) / max(n, 1)
    p_elderly = types.elderly_chance(elderly_share, old_households)
    elderly = streams("household.elderly").random(n) < p_elderly[kind]
    older_only = elderly & (streams("household.older_only").random(n) < pop.older_only_share)
    # Older-only homes are one or two people (a couple in 60 %); the rest are sized so the mean holds.
    size_u = streams("household.size").random(n)
    older_size = 1 + (size_u < 0.6)
    p_oo = elderly_share * pop.older_only_share
    lam = max(0.0, (pop.household_size_mean - 1.6 * p_oo) / max(1e-9, 1 - p_oo) - 1.0)
    other_size = 1 + poisson_quantile(size_u, lam)
    size = np.clip(np.where(older_only, older_size, other_size), 1, 8).astype(np.int8)

    # the old compounds' expected share of older-only homes (the same for every elderly share unless a chance is 1)
    older_in_old = old_households * p_elderly[OLD]
    weight_old = older_in_old / max(1e-12, older_in_old + (1 - old_households) * p_elderly[COMMERCIAL])
    p_phone = types.phone_chance(pop.elderly_phone_share, weight_old)
    phone = ~older_only | (streams("household.phone").random(n) < p_phone[kind])
    proxy = older_only & ~phone & (streams("household.proxy").random(n) < pop.proxy_share)
    no_contact = streams("household.no_contact").random(n) < pop.no_contact_share
    # gamma with a fixed shape: its draws do not depend on the mean, which only scales them
    hours_factor = types.free_hours_factors(old_households).astype(np.float32)
    free_hours = np.minimum(streams("household.free_hours").gamma(2.0, pop.free_hours_mean / 2.0, n) * hours_factor[kind],
                            pop.free_hours_max).astype(np.float32)
    # residents aged 80+ living alone: among older people living alone, as many as the record counts (FACTS)
    alone = older_only & (size == 1)
    share_alone = min(1.0, pop.over80_alone_share * n / max(1, int(alone.sum())))
    over80_alone = alone & (streams("household.over80_alone").random(n) < share_alone)
    # a member working in retail or catering (whose trade may give the household a supplier tie)
    job_u = streams("household.occupation").random(n)
    occupation = np.where(job_u < pop.retail_catering_share * pop.catering_job_share, 2,
                          np.where(job_u < pop.retail_catering_share, 1, 0)).astype(np.int8)
    return Population(
        compound=compound,
        size=size,
        elderly=elderly,
        older_only=older_only,
        phone=phone,
        proxy=proxy,
        no_contact=no_contact,
        free_hours=free_hours,
        over80_alone=over80_alone,
        occupation=occupation,
        supplier_tie=np.full(n, -1, dtype=np.int32),
        start=start,
        compound_size=sizes,
        compound_district=district,
        compound_type=ctype,
    )


def stochastic_round(x: float, rng: np.random.Generator, minimum: int = 0) -> int:
    """Round x up with probability equal to its fraction, so scaled counts are right on average."""
    whole = int(np.floor(x))
    return max(minimum, whole + int(rng.random() < x - whole))
