"""`python -m shopkr`: the command line."""

import sys

from shopkr.app.cli import main

sys.exit(main())
