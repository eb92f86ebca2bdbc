"""``python -m concgui`` and the ``concgui`` command."""

import multiprocessing
import sys


def main() -> int:
    # A frozen app's workers re-run this entry point; this turns them into workers.
    multiprocessing.freeze_support()
    from concgui.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
