import sys

from hostwiz.cli import main

sys.exit(main())
