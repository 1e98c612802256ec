import sys

from orchestration.lib.engines.check import main

sys.exit(main())
