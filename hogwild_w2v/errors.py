"""The one exception type the library raises for a user's mistake; the CLI prints it as `Error: ...`."""


class HW2VError(Exception):
    """A problem with the user's input or files, reported as one line without a traceback."""


def describe_os_error(exc: OSError) -> str:
    """An OSError as one line: its reason, and the file it names if any ("No space left on device '/x/y'")."""
    where = f" '{exc.filename}'" if getattr(exc, "filename", None) else ""
    return f"{exc.strerror or exc}{where}"
