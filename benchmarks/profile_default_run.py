"""Where a default run's CPU goes: each verb of the day (LockdownSupplyModel.step and the community's day,
sim/community.py), each compiled loop called from Python, and the model's random draws, in CPU milliseconds per run
and shares of it (issue 21; the notes in benchmarks/results/profile-default-run.md were made with it).

The timers wrap the mechanisms' methods, the compiled loops of sim/ and the named streams (sim/streams.py) for the
runs measured, one table each (`--part`); they add their own cost (a few per cent), so read the shares, and the
total of benchmarks/default_run.py for the figure. A first run, not counted, loads the compiled loops.

    python benchmarks/profile_default_run.py                       # the day's verbs, 4 seeds
    python benchmarks/profile_default_run.py --part loops --seeds 2
    python benchmarks/profile_default_run.py --part draws
"""

from __future__ import annotations

import argparse
import collections
import functools
import importlib
import pkgutil
import time

STEP = ["rules.update", "stores.open", "local_supply.start_day", "relief.deliver", "retail.shop", "volunteers.recruit",
        "canvassing.canvass", "platform.start_day", "group_bookings.deliver", "slot_sale.sell", "group_bookings.book",
        "community.organise", "leadership.retire_some", "dispatch.dispatch", "gate.carry_in", "food.consume",
        "ties.end_day", "member_ties.end_day", "bridging.update", "datacollector.collect"]
COMMUNITY = ["chat.grow", "food.offer_demand", "orders.measure_need", "leadership.adopt_gateway",
             "leadership.start_day", "coordination.appoint", "coordination.coordinate", "supply.snapshot_for_search",
             "leadership.act", "emergence.emerge", "orders.need_pressure", "leadership.spare_per_compound",
             "orders.open_kinds", "leadership.add", "orders.sign_up", "orders.close_due"]

spent: dict[str, float] = collections.defaultdict(float)


def timed(f, label):
    @functools.wraps(f)
    def g(*args, **kwargs):
        t = time.process_time()
        try:
            return f(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - t
    return g


def wrap_verbs() -> None:
    """Each verb of the day, and of the community's day (indented), on every model built from now on."""
    import lockdown_sim.sim.daily_record as daily_record
    import lockdown_sim.sim.model as model_module

    build = model_module.LockdownSupplyModel.__init__

    def init(self, *args, **kwargs):
        t = time.process_time()
        build(self, *args, **kwargs)
        spent["building the city"] += time.process_time() - t
        for owner, verbs, indent in ((self, STEP, ""), (self.community, COMMUNITY, "  community: ")):
            for verb in verbs:
                name, method = verb.split(".")
                obj = getattr(owner, name)
                setattr(obj, method, timed(getattr(obj, method), indent + verb))

    model_module.LockdownSupplyModel.__init__ = init
    model_module.daily_metrics = timed(daily_record.daily_metrics, "daily_metrics")


def wrap_loops() -> None:
    """Every compiled loop of sim/ called from Python (loops called from other compiled loops count in those)."""
    import lockdown_sim.sim as sim
    from lockdown_sim.sim.parallel import Kernel
    from numba.core.registry import CPUDispatcher

    made = {}
    for info in pkgutil.iter_modules(sim.__path__):
        module = importlib.import_module(f"lockdown_sim.sim.{info.name}")
        for name, obj in list(vars(module).items()):
            if isinstance(obj, (CPUDispatcher, Kernel)):
                label = f"{getattr(obj, 'fn', getattr(obj, 'py_func', obj)).__module__.split('.')[-1]}.{name}"
                made.setdefault(id(obj), timed(obj, label))
                setattr(module, name, made[id(obj)])


def wrap_draws() -> None:
    """Every method called on a named stream (sim/streams.py), by stream and method."""
    import lockdown_sim.sim.streams as streams

    class Timed:
        def __init__(self, generator, name):
            self._generator, self._name = generator, name

        def __getattr__(self, attr):
            value = getattr(self._generator, attr)
            return timed(value, f"{self._name}.{attr}") if callable(value) else value

    make = streams.Streams.__call__
    streams.Streams.__call__ = lambda self, name: Timed(make(self, name), name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["verbs", "loops", "draws"], default="verbs")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--ordering", default="hybrid")
    args = ap.parse_args()
    {"verbs": wrap_verbs, "loops": wrap_loops, "draws": wrap_draws}[args.part]()

    from lockdown_sim.experiments.run import load_compiled_loops, run_and_measure
    from lockdown_sim.experiments.seeds import replicate_seeds

    load_compiled_loops()
    params = {"scenario_file": "shanghai-2022", "ordering": args.ordering}
    seeds = replicate_seeds(args.seeds)
    run_and_measure(params, seed=seeds[0])
    spent.clear()
    t = time.process_time()
    for seed in seeds:
        run_and_measure(params, seed=seed)
    per_run = (time.process_time() - t) / len(seeds)
    print(f"default city, {args.ordering}, {len(seeds)} seeds: {1000 * per_run:.0f} ms of CPU per run (timers "
          f"included); {args.part}: {1000 * sum(v for k, v in spent.items() if not k.startswith(' ')) / len(seeds):.0f} ms"
          + (" (the community's verbs, indented, are part of community.organise)" if args.part == "verbs" else ""))
    for label, s in sorted(spent.items(), key=lambda kv: -kv[1]):
        ms = 1000 * s / len(seeds)
        if ms >= 1.0:
            print(f"{label:48s} {ms:7.1f} ms {100 * ms / (1000 * per_run):5.1f} %")


if __name__ == "__main__":
    main()
