"""`python -m shopkr`: the command line."""

import sys

from shopkr.cli import main

sys.exit(main())
