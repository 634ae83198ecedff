"""``python -m caudal`` runs the command line."""

import sys

from caudal.cli import main

sys.exit(main())
