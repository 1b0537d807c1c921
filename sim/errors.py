"""The one error type for bad input: the CLI prints its message on one line and exits with code 2."""


class ScenarioError(ValueError):
    """Bad scenario, parameter or file; the message names the field and what is allowed."""
