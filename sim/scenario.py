"""Scenario files: find, read (TOML), inherit (`base = "..."`), override and validate them.

A scenario is the whole calibrated city; the model reads it and nothing else. A file may start with
`base = "shanghai-2022"` and change only what differs. Every problem is one ScenarioError line.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import pickle
import tomllib
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.schema import SCHEMA, Num, field

BUILTIN_DIR = resources.files("lockdown_sim.scenarios")


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with the package."""
    return sorted(p.name[:-5] for p in BUILTIN_DIR.iterdir() if p.name.endswith(".toml"))


def _locate(name_or_path: str | Path) -> tuple[str, Path]:
    text = str(name_or_path)
    if text in builtin_names():
        return text, Path(str(BUILTIN_DIR / f"{text}.toml"))
    path = Path(text)
    if path.is_file():
        return path.stem, path
    if path.suffix == ".toml" or "/" in text or path.exists():
        raise not_a_file("scenario", path, builtin_names())
    raise ScenarioError(
        f"scenario: '{text}' is neither a built-in scenario ({', '.join(builtin_names())}) nor a .toml file"
    )


def not_a_file(what: str, path: Path, builtins: list[str]) -> ScenarioError:
    """The error for a path that names no readable file: missing, or a folder where a .toml file is wanted."""
    if path.is_dir():
        article = "an" if what[0] in "aeiou" else "a"
        return ScenarioError(f"{what}: '{path}' is a folder; allowed: {article} {what} .toml file in it, or a "
                             f"built-in {what} ({', '.join(builtins)})")
    return ScenarioError(f"{what}: file '{path}' not found")


def read_toml(path: Path, what: str) -> tuple[dict, str]:
    """A TOML file's content and the sha256 of its bytes; every problem is one ScenarioError line.

    The text must be UTF-8 (TOML's encoding); a byte-order mark, as some Windows editors write, is accepted.
    `what` starts the message (e.g. "scenario: "), then the file's path, so the user knows which file is meant.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{what}{path}: cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{what}{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start}); "
                            "allowed: a TOML file saved as UTF-8") from None
    try:
        return pickle.loads(_parsed(text)), _sha256(data)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{what}{path}: not valid TOML: {exc}") from None


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> bytes:
    """A TOML text parsed once per process, kept pickled: a batch worker reads the same scenario for every run, and
    parsing it took a twentieth of a default run. Each caller unpickles its own copy (read_toml), so the cached
    content never changes (unpickling is ten times as fast as a deep copy)."""
    return pickle.dumps(tomllib.loads(text), protocol=pickle.HIGHEST_PROTOCOL)


def _merge(base: dict, top: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _raw(name_or_path, chain=()) -> tuple[str, Path, dict, tuple]:
    """A scenario's settings merged over its bases, and the files read (this one first, with their sha256)."""
    name, path = _locate(name_or_path)
    real = path.resolve()
    if real in chain:
        if chain[-1] == real:
            raise ScenarioError(f"base: scenario '{name}' inherits from itself")
        loop = " -> ".join(p.name for p in chain[chain.index(real):] + (real,))
        raise ScenarioError(f"base: the scenarios' bases form a cycle ({loop}); allowed: a chain of bases that "
                            "ends in a scenario without base")
    data, digest = read_toml(path, "scenario: ")
    files = ({"path": str(path), "sha256": digest},)
    base = data.pop("base", None)
    if base is not None:
        if not isinstance(base, str):
            raise ScenarioError(f"base: {base!r} is not allowed; allowed: the name or path of another scenario")
        if not Path(base).is_absolute() and base not in builtin_names():
            candidate = path.parent / base
            base = str(candidate) if candidate.exists() else base
        try:
            _locate(base)
        except ScenarioError as exc:  # say which file names the missing base
            raise ScenarioError(f"base: {path}: {str(exc).removeprefix('scenario: ')}") from None
        _, _, parent, parent_files = _raw(base, chain + (real,))
        files += parent_files
        # a value this file changes loses the base's plausible bounds unless this file states its own
        own_bounds = data.get("plausible", {})
        changed = {f"{sec}.{key}" for sec, vals in data.items() if sec != "plausible" and isinstance(vals, dict)
                   for key in vals}
        parent_bounds = {k: v for k, v in parent.get("plausible", {}).items() if k not in changed or k in own_bounds}
        data = _merge(dict(parent, plausible=parent_bounds), data)
    return name, path, data, files


def _validate(data: dict) -> tuple[dict, dict]:
    """Check every section and key; return (validated values, plausible bounds)."""
    plausible_raw = data.get("plausible", {})
    unknown = [s for s in data if s not in SCHEMA and s != "plausible"]
    if unknown:
        raise ScenarioError(f"{unknown[0]}: unknown section; allowed: {', '.join(SCHEMA)}, plausible")
    horizon_spec = SCHEMA["meta"]["horizon_days"]
    horizon = data.get("meta", {}).get("horizon_days")
    horizon = horizon_spec.check("meta.horizon_days", horizon, None) if horizon is not None else None
    values: dict[str, dict] = {}
    for section, spec in SCHEMA.items():
        given = data.get(section)
        if given is None:
            raise ScenarioError(f"{section}: section missing; every scenario needs [{section}] (or a base scenario)")
        if not isinstance(given, dict):
            raise ScenarioError(f"{section}: must be a table of settings")
        for key in given:
            if key not in spec:
                raise ScenarioError(f"{section}.{key}: unknown key; allowed in [{section}]: {', '.join(spec)}")
        values[section] = {}
        for key, fspec in spec.items():
            if key not in given:
                raise ScenarioError(f"{section}.{key}: missing; expected {fspec.allowed()}")
            values[section][key] = fspec.check(f"{section}.{key}", given[key], horizon)
    plausible = {}
    if not isinstance(plausible_raw, dict):
        raise ScenarioError("plausible: must be a table of \"section.key\" = [low, high]")
    for path, bounds in plausible_raw.items():
        spec = field(path)
        if not isinstance(spec, Num):
            raise ScenarioError(f"plausible.{path}: only numeric settings take plausible bounds")
        ok = isinstance(bounds, list) and len(bounds) == 2 and bounds[0] <= bounds[1]
        if ok:
            lo, hi = (spec.check(f"plausible.{path}", b, horizon) for b in bounds)
        if not ok:
            raise ScenarioError(f"plausible.{path}: {bounds!r} is not allowed; allowed: [low, high] with low <= high")
        section, key = path.split(".")
        value = values[section][key]
        if not lo <= value <= hi:
            raise ScenarioError(f"{path}: {value} lies outside its plausible bounds [{lo}, {hi}] in the same file")
        plausible[path] = (lo, hi)
    _cross_checks(values)
    return values, plausible


def _cross_checks(v: dict) -> None:
    c, t = v["city"], v["timeline"]
    if c["compound_min_households"] > c["compound_max_households"]:
        raise ScenarioError("city.compound_min_households: must not exceed city.compound_max_households")
    if t["reopen_day"] < max(t["lockdown_day_east"], t["lockdown_day_west"]):
        raise ScenarioError("timeline.reopen_day: must not come before both districts are locked")


def parse_value(text: str):
    """A --set value in TOML syntax (0.3, true, [1, 2], "x"); bare words are taken as text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


class Scenario:
    """A validated scenario: `scenario.population.elderly_share`, `scenario["population.elderly_share"]`."""

    def __init__(self, name: str, source: str, values: dict, plausible: dict, files: tuple = ()):
        self.name = name
        self.source = source
        self.files = files  # the files read, this one first, then its bases: {"path", "sha256"} (provenance)
        self._values = values
        self.plausible = MappingProxyType(plausible)
        for section, content in values.items():
            setattr(self, section, _Section(section, content))

    def __getitem__(self, path: str):
        field(path)
        section, key = path.split(".")
        return self._values[section][key]

    @property
    def horizon(self) -> int:
        return self._values["meta"]["horizon_days"]

    def to_dict(self) -> dict:
        return copy.deepcopy(self._values)

    def with_overrides(self, overrides: dict | None) -> "Scenario":
        """A new scenario with dotted-path values replaced and everything validated again."""
        if not overrides:
            return self
        data = self.to_dict()
        data["plausible"] = {k: list(v) for k, v in self.plausible.items()}
        for path, value in overrides.items():
            field(path)
            section, key = path.split(".")
            data[section][key] = value
        # Plausible bounds describe the evidence, not the experiment: an override may leave them.
        overridden = set(overrides)
        data["plausible"] = {k: v for k, v in data["plausible"].items() if k not in overridden}
        values, plausible = _validate(data)
        plausible.update({k: v for k, v in self.plausible.items() if k in overridden})
        return Scenario(self.name, self.source, values, plausible, self.files)


class _Section:
    def __init__(self, name: str, content: dict):
        self.__dict__.update(content)
        self._name = name

    def __repr__(self) -> str:
        items = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        return f"[{self._name}] {items}"


def load_scenario(name_or_path: str | Path = "shanghai-2022", overrides: dict | None = None) -> Scenario:
    """Read, inherit and validate a scenario, then apply dotted-path overrides."""
    name, path, data, files = _raw(name_or_path)
    values, plausible = _validate(data)
    return Scenario(name, str(path), values, plausible, files).with_overrides(overrides)


def _sha256(data: bytes) -> str:
    """The sha256 of a scenario file's bytes (recorded with every run: which file, exactly, it read)."""
    return hashlib.sha256(data).hexdigest()
