"""`python -m lockdown_sim.console ...` is `lockdown-sim ...`."""

import sys

from lockdown_sim.console import main

sys.exit(main())
