"""Drawing the model for people: the city map and the daily curves (matplotlib, no GUI toolkit needed), and the
local server that shows them in Mesa's SolaraViz page (`sim/app.py`, `lockdown-sim viz`).

The model never imports this package (MASON rule: the model runs without any view); the views only read the
model's public state, aggregated per compound, never per household.
"""

TITLE = "Lockdown food supply: platform ordering vs community group buying"
PAGE_TITLE = f"{TITLE} (lockdown-supply-sim)"  # the browser tab's
