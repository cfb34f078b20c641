"""Exceptions that mean "the input is wrong", not "the code is wrong".

The command line (:func:`gan.cli.main`) turns these, and the standard classes the library
raises for bad arguments (:class:`ValueError`, :class:`TypeError`) or for the file system
(:class:`OSError`: a missing file, a read-only directory...), into one line on stderr and
exit status 2. Anything else is a bug and keeps its traceback.

=========================  ==============================================================
:class:`GanError`          base of the classes below
:class:`UsageError`        a bad command-line value (also a :class:`ValueError`)
:class:`RunDirError`       a run directory that cannot be used as asked (also a ValueError)
:class:`CorruptRunError`   a file of a run that cannot be read back; names the file
:class:`RunLockedError`    another process is using the run; names it (pid, host, since)
:class:`ResourceError`     a request that cannot fit in memory; gives the estimate
=========================  ==============================================================

Examples
--------
>>> from gan.errors import CorruptRunError, RunDirError
>>> err = CorruptRunError("runs/a/checkpoint.pt", "truncated file")
>>> isinstance(err, RunDirError) and isinstance(err, ValueError)
True
>>> str(err)
'runs/a/checkpoint.pt is corrupted (truncated file); restore it or start a new run'
"""

from __future__ import annotations

__all__ = ["GanError", "UsageError", "RunDirError", "CorruptRunError", "RunLockedError", "ResourceError", "USER_ERRORS"]


class GanError(Exception):
    """Base of the exceptions that report a problem with the user's input or files."""


class UsageError(GanError, ValueError):
    """A command-line value that cannot be used (the message names the option and the value)."""


class RunDirError(GanError, ValueError):
    """A run directory that cannot be used as asked."""


class CorruptRunError(RunDirError):
    """A file of a run directory that cannot be read back.

    Parameters
    ----------
    path : str or Path
        The file.
    reason : str
        What is wrong with it (truncated, not JSON, missing keys...).
    """

    def __init__(self, path, reason: str):
        self.path, self.reason = str(path), reason
        super().__init__(f"{self.path} is corrupted ({reason}); restore it or start a new run")


class RunLockedError(RunDirError):
    """The run directory is in use by another process (the message names the holder)."""


class ResourceError(GanError, ValueError):
    """A request that cannot fit (memory); the message gives the estimate and the limit."""


# what the command line reports in one line (everything else is a bug: traceback)
USER_ERRORS: tuple[type[BaseException], ...] = (GanError, ValueError, TypeError, OSError)
