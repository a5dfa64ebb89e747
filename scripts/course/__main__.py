"""``python -m scripts.course``: the course's command line."""

import sys

from scripts.course.cli import main

sys.exit(main())
