"""`python -m medui.cli ...`: the same as the `medui` command."""

import sys

from medui.cli import main

sys.exit(main())
