"""Shared by the Python integration tests (test/integration/*.py).

They run against the server named by PGHOST/PGPORT/PGUSER/PGDATABASE (as
test/run_all.sh sets them) through psql, and use Debian's python3-numpy and
python3-sklearn, which live under /usr/bin/python3.
"""
import os
import subprocess
import sys
import time


def missing_package(message):
    """Call where importing numpy or sklearn failed: retry under Debian's
    python3 (a pyenv python may shadow it), or fail with a count."""
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print(message)
    print("0 passed, 1 failed")
    sys.exit(1)


def psql(sql, stdin=None, separator=None):
    """The unaligned, tuples-only output of one psql -c call; raises on error."""
    args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At"]
    if separator is not None:
        args += ["-F", separator]
    r = subprocess.run(args + ["-c", sql], input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return r.stdout


def load_vectors(schema, name, X):
    """Table schema.name (id int, f float8[]) holding the rows of X, sent with
    repr's 17 significant digits so that both sides see the same doubles."""
    rows = "".join("%d\t{%s}\n" % (i, ",".join(repr(float(v)) for v in row)) for i, row in enumerate(X))
    psql("DROP TABLE IF EXISTS %s.%s; CREATE TABLE %s.%s (id int, f float8[]);" % (schema, name, schema, name))
    psql("COPY %s.%s FROM STDIN" % (schema, name), stdin=rows)


def table_name(prefix, label):
    """A table name for the data set label: prefix, "_", then the label's
    first 40 characters with all but letters and digits made "_"."""
    return prefix + "_" + "".join(c if c.isalnum() else "_" for c in label)[:40]


def rel_error(a, b):
    """The largest absolute difference of a and b relative to b's largest magnitude."""
    import numpy as np  # here: a script imports it first, under missing_package's guard

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.abs(a - b).max() / max(np.abs(b).max(), 1e-300)


def fresh_schema(schema):
    """The extension installed and an empty schema for one test's tables."""
    psql("CREATE EXTENSION IF NOT EXISTS anomaly; DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s;"
         % (schema, schema))


def error_with_timeout(sql, timeout="1s"):
    """Run sql under statement_timeout: the error it raised ("" for none) and
    the seconds until it came back, both printed."""
    t0 = time.time()
    try:
        psql("SET statement_timeout = '%s'; %s" % (timeout, sql))
        err = ""
    except RuntimeError as e:
        err = str(e)
    elapsed = time.time() - t0
    print("statement_timeout: %r after %.2f s" % (err, elapsed))
    return err, elapsed


class Tally:
    """The passed and failed checks of one test script."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, ok, line):
        """Count one check and print line after "ok   " or "FAIL "."""
        if ok:
            self.passed += 1
            print("ok   " + line)
        else:
            self.failed += 1
            print("FAIL " + line)

    def check(self, label, ok, detail):
        """Count one check, printed as "label (detail)"."""
        self.record(ok, "%s (%s)" % (label, detail))


def run_main(main, tally):
    """Run main(): a crash counts as a failure, with the reason.  Prints
    "N passed, N failed" and exits non-zero on any failure."""
    try:
        main()
    except Exception as e:
        print("error: %s" % e)
        tally.failed += 1
    print("%d passed, %d failed" % (tally.passed, tally.failed))
    sys.exit(1 if tally.failed else 0)
