import sys

from hostwiz.main import main

sys.exit(main())
