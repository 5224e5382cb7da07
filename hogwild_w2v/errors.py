"""The one exception type the library raises for a user's mistake; the CLI prints it as `Error: ...`."""


class HW2VError(Exception):
    """A problem with the user's input or files, reported as one line without a traceback."""
