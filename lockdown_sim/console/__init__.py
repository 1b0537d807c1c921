"""The `lockdown-sim` command: run one scenario, compare ordering modes, run experiment batches, load their
results, check the model against the record, reproduce the study's argument claim by claim, explore the
assumptions (sensitivity, scenario discovery), list scenarios, experiments, settings and metrics, and serve the
interactive page.

The top layer: each command calls the experiments (designs, engines, the results store) and then the analysis
(tables, verdicts, reports) below it; nothing below imports this package. Command modules are imported when their
command runs, so `--help`, listings and bad input answer without loading the model's libraries.

Bad input (unknown scenario, setting or value) prints one line naming the field and what is allowed, and exits
with code 2 before any work is done. A folder that fills up while a command writes into it prints one line naming
the folder and exits with code 74 (experiments/storage.py); what was finished is kept.
"""

from __future__ import annotations

import importlib
import sys

from lockdown_sim.console.options import build_parser, one_line
from lockdown_sim.experiments.storage import EXIT_CODE as STORAGE_EXIT_CODE
from lockdown_sim.experiments.storage import StorageError, as_storage_error, is_storage_error
from lockdown_sim.sim.errors import ScenarioError

# command -> (module of lockdown_sim.console, function)
COMMANDS = {
    "run": ("run", "cmd_run"), "compare": ("run", "cmd_compare"), "calibration": ("run", "cmd_calibration"),
    "calibrate": ("calibrate", "cmd_calibrate"),
    "batch": ("batch", "cmd_batch"), "results": ("batch", "cmd_results"),
    "reproduce": ("reproduce", "cmd_reproduce"),
    "sensitivity": ("explore", "cmd_sensitivity"), "discover": ("explore", "cmd_discover"),
    "experiments": ("listing", "cmd_experiments"), "scenarios": ("listing", "cmd_scenarios"),
    "params": ("listing", "cmd_params"), "metrics": ("listing", "cmd_metrics"), "viz": ("listing", "cmd_viz"),
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        module, name = COMMANDS[args.command]
        return getattr(importlib.import_module(f"lockdown_sim.console.{module}"), name)(args)
    except ScenarioError as exc:
        print(f"lockdown-sim: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lockdown-sim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except (StorageError, OSError) as exc:
        if not is_storage_error(exc):
            raise
        print(f"lockdown-sim: error: {one_line(str(as_storage_error(exc)))}", file=sys.stderr)
        return STORAGE_EXIT_CODE
