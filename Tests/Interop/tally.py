"""The bookkeeping every interop script shares: `ok`/`FAIL` lines and the closing
'N passed, M failed' line that CI reads."""
import sys


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, condition, detail=""):
        """Records one check, prints `ok` or `FAIL` with the detail, returns the condition."""
        if condition:
            self.passed += 1
            print(f"ok   {name}")
        else:
            self.failed += 1
            print(f"FAIL {name} {detail}")
        return condition

    def finish(self, suffix=""):
        """Prints 'N passed, M failed' (plus `suffix`) and exits non-zero on any failure."""
        print(f"{self.passed} passed, {self.failed} failed{suffix}")
        sys.exit(1 if self.failed else 0)
