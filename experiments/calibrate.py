"""Calibration as inference: approximate Bayesian computation by sequential Monte Carlo (pyABC) over the uncertain
parameters, fitted to the record's patterns marked "calibrated" (analysis/calibration.py, PATTERNS), in the hybrid
mode (both channels, as happened).

What is fitted (the priors): PRIORS below, one line per parameter, each with its shape and why. The range of every
prior is the parameter's `[plausible]` range in the scenario (never a second copy here), so a parameter joins the
fit by one line, and a parameter the scenario has no plausible range for is refused before any run.

What it is fitted to (the data): every pattern whose role is "calibrated", picked by role when the calibration
starts (a pattern added to PATTERNS with that role joins the fit); the "check" and "input" patterns stay out of
the fit and become posterior predictive checks (analysis/posterior.py). Each pattern's statistic is the model's
deviation from the middle of the record's range in units of the range's half-width (0: the middle, +-1: the edge),
so that every pattern reads in the record's own tolerance; pyABC's adaptive distance (AdaptivePNormDistance, p = 2,
re-weighted every generation by the inverse of each statistic's median absolute deviation, never below the
record's tolerance: `mad_at_least_tolerance`) then keeps a noisy
pattern from drowning the others.

The schedule and the stopping rule: each generation's acceptance threshold is the `quantile` (0.5: the median) of
the previous generation's distances (QuantileEpsilon); the fit stops after `generations` generations, or earlier
when fewer than `min_acceptance` of a generation's proposals are accepted (the threshold no longer buys precision
at a cost the machine can pay).

Perturbations: a multivariate normal kernel whose covariance is the last population's weighted covariance times
`kernel_scale` (1.0), not pyABC's default (that covariance shrunk by Silverman's rule of thumb, a factor of about
0.46 for 13 dimensions and 200 particles). The narrow default proposes close to the last particles, so the
importance weights (prior over proposal density) of the particles it accepts spread over orders of magnitude: the
first full fit's effective sample size fell 200 -> 68 -> 18 in three generations; restarted with the
population's own covariance, from the same generation 0, it read 200 -> 79 -> 117 at the same acceptance
(benchmarks/results/calibration-kernel.md). The population's covariance is the usual global kernel of ABC-SMC
(Beaumont et al. 2009 use twice it; Filippi et al. 2013 compare it with local and optimised kernels).

Seeds: every particle is run on `seeds_per_particle` cities, and which cities is itself drawn from the prior (a
latent seed index, uniform over SEED_INDEXES blocks of seeds of experiments/seeds.py), so the posterior covers
the variation between cities instead of fitting a few chosen ones. pyABC draws each proposal inside the task that
simulates it; every task is seeded from the one seed scheme too (its generation and place in the generation:
SeededMappingSampler), so the same command gives the same posterior on any engine and any number of workers.

Resumable: pyABC's database (abc.db) lives in the output folder; the same command again continues from the last
finished generation (a generation cut short is run again). The runs go through the project's engines
(experiments/engines.py): pyABC's MappingSampler maps its tasks through the local pool or a Dask cluster.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from lockdown_sim.experiments.seeds import MASTER_SEED, block_seed
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.keywords import check_params
from lockdown_sim.sim.schema import field as schema_field

UNIFORM, LOG_UNIFORM = "uniform", "log-uniform"
TASK_BLOCK = 3000  # blocks TASK_BLOCK + 1 + generation of experiments/seeds.py seed pyABC's tasks
SEED_BLOCK = 2100  # block of experiments/seeds.py whose replicates are the calibration's cities
PREDICTIVE_BLOCK = 2101  # ... and the posterior predictive runs' cities
SEED_INDEXES = 100_000  # the latent seed index is uniform over this many blocks of seeds_per_particle seeds
SEED_PARAMETER = "seed_index"
DATABASE = "abc.db"
MANIFEST = "calibration.json"


@dataclass(frozen=True)
class Prior:
    """A fitted parameter: its scenario setting, the prior's shape over its [plausible] range, and why that shape."""

    name: str
    shape: str
    why: str


# The priors. Each range is the parameter's [plausible] range in the scenario. Uniform where the range is narrow
# relative to its values (less than about a factor of 3) or a count of a few whole values; log-uniform where it spans
# a factor of 3 or more and the quantity is a scale (a rate, a duration, a share of capacity), so that every factor
# of two within the range is as likely a priori.
PRIORS: tuple[Prior, ...] = (
    # the drivers of the headline outcomes in the sensitivity runs (Sobol total indices, README)
    Prior("stock.initial_days", UNIFORM, "2-10 days of food at home on day 0: no source; a day more or less weighs "
          "alike anywhere in the range (households ran out within the first week or two either way)"),
    Prior("stock.reorder_days", UNIFORM, "2-7 days: an assumption again since issue 20 (the riders, not demand, "
          "set the 29 Apr orders); a narrow range of a threshold, every value as likely"),
    Prior("platform.basket_days", LOG_UNIFORM, "0.8-3.0 household-days in a platform order, derived from money "
          "(docs/sources.md#one-unit-for-both-channels: 100-300 yuan an order, food share, cost of a person-day, "
          "mark-up): a product of ranges spanning a factor of four, so its doublings weigh alike"),
    Prior("population.free_hours_mean", LOG_UNIFORM, "1-6 hours a day, no source: a factor of six, a time budget "
          "whose doublings matter alike"),
    Prior("group_buying.max_sets_per_household", UNIFORM, "1-5 sets, a whole number: each value as likely"),
    Prior("couriers.riders_late", UNIFORM, "riders at work from 14 May: 32,500 (the 29 Apr level) to 106,000 (all "
          "white-listed), a factor of about three between two recorded figures; every value between as likely"),
    # the values set by hand from the calibrated patterns (scenario: "calibrated"), now inferred
    Prior("couriers.rider_handoff_minutes", UNIFORM, "3-6 minutes per stop: a narrow range"),
    Prior("platform.reaction_minutes_young", LOG_UNIFORM, "1-10 minutes to a checkout: a factor of ten, a delay"),
    Prior("platform.group_capacity_share", LOG_UNIFORM, "0.05-0.5 of a site's picking capacity: a factor of ten, "
          "a share of capacity with no source"),
    # the group channel's unit and volume (issue 20): the chains' packages a day are a calibrated pattern
    Prior("local_suppliers.set_portions", LOG_UNIFORM, "1.5-6 person-days in a set or box, derived from money "
          "(58-200 yuan a set / 25-32.5 yuan a person-day): a factor of four, a quantity whose doublings matter alike"),
    Prior("packages.min_order", LOG_UNIFORM, "20-200 packages for one compound's delivery, a whole number (FACTS: 20 "
          "orders per compound at one delivery platform .. the top of the common 50-200): set by hand from the "
          "660,000 packages a day, now inferred; a factor of ten, a threshold whose doublings matter alike"),
    Prior("packages.per_store_day", UNIFORM, "567-1,200 packages an open store sends a day: the record's lower "
          "bound per store (660,000 / 1,164) to about twice it; every value between as likely"),
)


@dataclass(frozen=True)
class Options:
    """One calibration: the city, the ABC-SMC's size, schedule and stopping rule, and the predictive check."""

    scenario: str = "shanghai-2022"
    households: int | None = None
    days: int | None = None
    population: int = 200          # particles per generation
    generations: int = 8           # at most this many generations (the stopping rule's cap)
    seeds_per_particle: int = 2    # cities per particle; its statistics are their means
    quantile: float = 0.5          # each generation's threshold: this quantile of the last generation's distances
    min_acceptance: float = 0.02   # stop when fewer proposals than this share are accepted
    kernel_scale: float | None = 1.0  # the perturbation's covariance: the last population's weighted covariance x
    # this; None: pyABC's default (Silverman-shrunk), what calibrations before 3 Dec 2026 used
    draws: int = 100               # posterior predictive: parameter sets drawn from the posterior, one city each
    master_seed: int = MASTER_SEED
    quick: bool = False
    priors: tuple = field(default_factory=lambda: tuple(p.name for p in PRIORS))

    def canonical(self) -> dict:
        """What decides the fit (a folder holding another calibration is refused); `draws` only adds runs."""
        d = asdict(self)
        d.pop("draws")
        d.pop("generations")  # more generations continue the same fit
        return d


QUICK = dict(population=40, generations=4, seeds_per_particle=1, draws=24, quick=True)
FULL = dict(population=200, generations=8, seeds_per_particle=2, draws=100)
QUICK_NOTE = ("QUICK calibration (lockdown-sim calibrate --quick): 40 particles, at most 4 generations, one city "
              "per particle; a first look at the machinery, not a posterior to quote")


@dataclass(frozen=True)
class Parameter:
    """A fitted parameter as pyABC sees it: a latent uniform coordinate and its map to the scenario value."""

    name: str
    shape: str
    low: float
    high: float
    whole: bool
    value: float  # the scenario's own value
    why: str

    @property
    def latent_bounds(self) -> tuple[float, float]:
        """pyABC samples a uniform latent: the value (log of it for log-uniform; whole numbers over [low, high + 1),
        floored, so that every whole value is as likely)."""
        if self.shape == LOG_UNIFORM:
            return math.log(self.low), math.log(self.high)
        return self.low, self.high + (1 if self.whole else 0)

    def to_value(self, latent: float):
        """The scenario value of a latent coordinate."""
        if self.shape == LOG_UNIFORM:
            x = math.exp(latent)
        else:
            x = latent
        if self.whole:
            return int(min(max(math.floor(x), self.low), self.high))
        return float(min(max(x, self.low), self.high))


def parameters(scenario: str, names: tuple | None = None) -> tuple[Parameter, ...]:
    """The fitted parameters of `scenario`: each prior with its [plausible] range, checked (before any run)."""
    cfg = check_params(scenario_file=scenario)
    chosen = PRIORS if names is None else tuple(p for p in PRIORS if p.name in names)
    out = []
    for prior in chosen:
        if prior.shape not in (UNIFORM, LOG_UNIFORM):
            raise ScenarioError(f"calibrate: prior {prior.name}: shape {prior.shape!r} is not allowed; allowed: "
                                f"{UNIFORM}, {LOG_UNIFORM}")
        if prior.name not in cfg.plausible:
            raise ScenarioError(f"calibrate: prior {prior.name}: scenario '{scenario}' has no [plausible] range for "
                                "it; allowed: a setting with a plausible range (lockdown-sim params)")
        low, high = (float(b) for b in cfg.plausible[prior.name])
        if not high > low or (prior.shape == LOG_UNIFORM and low <= 0):
            raise ScenarioError(f"calibrate: prior {prior.name}: plausible range [{low}, {high}] cannot carry a "
                                f"{prior.shape} prior")
        out.append(Parameter(prior.name, prior.shape, low, high, bool(schema_field(prior.name).whole),
                             float(cfg[prior.name]), prior.why))
    return tuple(out)


class CalibrationModel:
    """What pyABC calls for a particle: run the hybrid mode on the particle's cities and return each fitted
    pattern's statistic, the mean over its cities. `statistics` turns one run into the fit's statistics
    ({name: value}; analysis/posterior.py, PatternStatistics, given by the command: the record's patterns are the
    analysis' to read). Picklable: it travels to the engine's workers."""

    def __init__(self, opts: Options, params: tuple[Parameter, ...], statistics):
        self.opts, self.params, self.statistics = opts, params, statistics

    def overrides(self, particle: dict) -> dict:
        return {p.name: p.to_value(float(particle[p.name])) for p in self.params}

    def seeds(self, particle: dict) -> list[int]:
        k = self.opts.seeds_per_particle
        index = int(min(max(math.floor(float(particle[SEED_PARAMETER])), 0), SEED_INDEXES - 1))
        return [block_seed(self.opts.master_seed, SEED_BLOCK, index * k + i) for i in range(k)]

    def __call__(self, particle) -> dict:
        from lockdown_sim.experiments.run import run_and_measure

        params = model_params(self.opts) | {"overrides": self.overrides(particle)}
        stats = {name: [] for name in self.statistics.names}
        for seed in self.seeds(particle):
            run = run_and_measure(params, seed)
            for name, value in self.statistics(run.daily, run.households, run.record["scale"]).items():
                stats[name].append(value)
        return {name: float(np.mean(v)) for name, v in stats.items()}


def model_params(opts: Options) -> dict:
    params = {"scenario_file": opts.scenario, "ordering": "hybrid"}
    if opts.households is not None:
        params["households"] = opts.households
    if opts.days is not None:
        params["days"] = opts.days
    return params


class _EngineMap:
    """A map for pyABC's MappingSampler through one of the project's engines (results in the order of the items;
    a task that raised is handed back as its exception, which the sampler drops)."""

    def __init__(self, engine):
        self.engine = engine

    def __call__(self, fn, items):
        items = list(items)
        out = [None] * len(items)
        for i, result in self.engine.map(fn, items):
            out[i] = result
        return out


def _seeded_task(sample_factory, simulate_one: bytes, seed: int):
    """One task of a generation: seed numpy's and Python's global generators (which pyABC's priors, kernels and
    acceptance draw from) with the task's own seed, then propose and simulate until one particle is accepted."""
    import random

    import cloudpickle

    simulate_one = cloudpickle.loads(simulate_one)
    np.random.seed(seed % 2**32)
    random.seed(seed)
    evaluations, sample = 0, sample_factory()
    while True:
        particle = simulate_one()
        evaluations += 1
        sample.append(particle)
        if particle.accepted:
            return sample, evaluations


def seeded_sampler(map_, master_seed: int):
    """pyABC's MappingSampler whose tasks take their seeds from experiments/seeds.py (block TASK_BLOCK + 1 +
    generation, replicate = the task's place), instead of the operating system's entropy pyABC seeds each task with:
    the same calibration gives the same posterior on any engine and number of workers."""
    import cloudpickle
    import pyabc

    sampler = pyabc.sampler.MappingSampler(map_=map_)

    def sample_until_n_accepted(n, simulate_one, t, **kw):
        task = functools.partial(_seeded_task, sampler.sample_factory, cloudpickle.dumps(simulate_one))
        seeds = [block_seed(master_seed, TASK_BLOCK + t + 1, i) for i in range(n)]
        counted = [r for r in sampler.map_(task, seeds) if not isinstance(r, Exception)]
        sampler.nr_evaluations_ = sum(evaluations for _, evaluations in counted)
        sample = sampler.sample_factory()
        for result, _ in counted:
            sample += result
        return sample

    sampler.sample_until_n_accepted = sample_until_n_accepted
    return sampler


def prior_distribution(params: tuple[Parameter, ...]):
    import pyabc

    rvs = {p.name: pyabc.RV("uniform", p.latent_bounds[0], p.latent_bounds[1] - p.latent_bounds[0]) for p in params}
    rvs[SEED_PARAMETER] = pyabc.RV("uniform", 0, SEED_INDEXES)
    return pyabc.Distribution(**rvs)


def check_folder(folder: Path, opts: Options, statistics) -> dict:
    """Refuse a folder that holds another calibration (before any run); return the manifest to write."""
    manifest = {"options": opts.canonical(), "priors": [asdict(p) for p in PRIORS if p.name in opts.priors],
                "patterns": list(statistics.names)}
    manifest = json.loads(json.dumps(manifest))  # as it reads back (tuples are lists)
    path = folder / MANIFEST
    if path.exists():
        try:
            old = json.loads(path.read_text())
        except (OSError, ValueError):
            raise ScenarioError(f"--out: {path} cannot be read; allowed: a new folder or one a calibration "
                                "wrote") from None
        if old.get("options") != manifest["options"] or old.get("patterns") != manifest["patterns"]:
            raise ScenarioError(f"--out: '{folder}' holds another calibration (other options, priors or patterns); "
                                "allowed: a new folder, or the same command that started it")
    elif folder.exists() and any(folder.iterdir()):
        raise ScenarioError(f"--out: '{folder}' is not empty and holds no calibration; allowed: a new or empty folder")
    return manifest


def mad_at_least_tolerance(**kwargs) -> np.ndarray:
    """pyABC's scale of each statistic (median absolute deviation), never below 1, the record's own tolerance (the
    statistics are in half-widths of the record's range). Without the floor a pattern nearly every particle meets
    (a one-sided figure, 0 inside it) has a scale of 0, and pyABC drops it from the distance: the particles that
    miss it would go unpunished; and a pattern already inside the record would weigh more than one that is not."""
    import pyabc

    return np.maximum(pyabc.distance.mad(**kwargs), 1.0)


def population_bandwidth(n_samples: float, dimension: int) -> float:
    """The kernel's bandwidth factor: 1, the population's own covariance (pyABC's default is Silverman's rule,
    which shrinks it; see the module's docstring). Module-level so that it pickles to the engine's workers."""
    return 1.0


def transition(opts: Options):
    """The perturbation kernel: a multivariate normal with the last population's weighted covariance x
    opts.kernel_scale."""
    import pyabc

    if opts.kernel_scale is None:
        return pyabc.MultivariateNormalTransition()
    return pyabc.MultivariateNormalTransition(scaling=opts.kernel_scale, bandwidth_selector=population_bandwidth)


def fit(opts: Options, folder: Path, engine, statistics, log=print):
    """Run (or continue) the ABC-SMC in `folder` on `engine` (an open engine of experiments/engines.py), fitting
    `statistics` (CalibrationModel) to 0, the middle of the record. Returns pyABC's History."""
    import pyabc

    params = parameters(opts.scenario, opts.priors)
    model = CalibrationModel(opts, params, statistics)
    distance = pyabc.AdaptivePNormDistance(p=2, scale_function=mad_at_least_tolerance)
    sampler = seeded_sampler(_EngineMap(engine), opts.master_seed)
    abc = pyabc.ABCSMC(model, prior_distribution(params), distance, population_size=opts.population,
                       sampler=sampler, eps=pyabc.QuantileEpsilon(alpha=opts.quantile), transitions=transition(opts))
    db = f"sqlite:///{(folder / DATABASE).resolve()}"
    done = 0
    if (folder / DATABASE).exists():
        history = pyabc.History(db)
        done = history.n_populations if history.id is not None else 0
    if done:
        abc.load(db, 1)
        log(f"continuing the calibration in {folder}: {done} generation(s) finished")
    else:
        abc.new(db, {name: 0.0 for name in statistics.names})
    left = opts.generations - done
    if left <= 0:
        return pyabc.History(db)
    return abc.run(max_nr_populations=left, min_acceptance_rate=opts.min_acceptance)


def load_posterior(folder: Path) -> dict:
    """The last generation of a calibration in `folder`: particles in scenario values, their weights, the
    generations' epsilon and acceptance, and the parameters (with their priors)."""
    import pandas as pd
    import pyabc

    manifest = json.loads((folder / MANIFEST).read_text())
    o = dict(manifest["options"])
    o.setdefault("kernel_scale", None)  # a fit from before the kernel was an option used pyABC's default
    opts = Options(**{k: (tuple(v) if k == "priors" else v) for k, v in o.items()})
    params = parameters(opts.scenario, opts.priors)
    history = pyabc.History(f"sqlite:///{(folder / DATABASE).resolve()}")
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    values = pd.DataFrame({p.name: [p.to_value(x) for x in frame[p.name]] for p in params})
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    gens = pd.DataFrame({"generation": pops["t"].to_numpy(), "epsilon": pops["epsilon"].to_numpy(),
                         "simulations": pops["samples"].to_numpy()})
    gens["accepted"] = opts.population
    gens["acceptance_rate"] = gens["accepted"] / gens["simulations"]
    gens["ess"] = [effective_sample_size(weights if int(t) == history.max_t else
                                         history.get_distribution(m=0, t=int(t))[1]) for t in gens["generation"]]
    return {"options": opts, "params": params, "particles": values, "latent": frame, "weights": np.asarray(weights),
            "generations": gens}


def effective_sample_size(weights) -> float:
    """Kish's effective sample size of importance weights, 1 / sum(w^2) of the normalised weights: how many equally
    weighted particles the population is worth. Far below the population, a few particles carry the posterior (the
    proposal kernel and the prior disagree), and its spread and means rest on them."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    return float(1.0 / np.sum(w**2))


def draw_particles(particles, weights, n: int, master_seed: int, block: int = PREDICTIVE_BLOCK) -> list[dict]:
    """`n` parameter sets drawn from a weighted posterior (with replacement), reproducibly: the draw's generator is
    seeded from the one seed scheme (block_seed(master_seed, block, 0))."""
    rng = np.random.default_rng(block_seed(master_seed, block, 0))
    w = np.asarray(weights, dtype=float)
    rows = rng.choice(len(particles), size=n, replace=True, p=w / w.sum())
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in particles.iloc[r].items()} for r in rows]
