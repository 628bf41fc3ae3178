"""Process exit codes and the one exception every command uses for bad user input.

0 fine, 1 anything unexpected, 2 bad usage or configuration (one line on stderr naming what to
fix), 3 the scan finished but some account-region could not be read. They live here, not in the
CLI, so that commands in feature packages can return them without importing the CLI.
"""

EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE, EXIT_SCAN_ERRORS = 0, 1, 2, 3


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit 2."""
