"""What the tests of mv_fit against scikit-learn (mv_sklearn.py,
mv_gmm_sklearn.py) share: numpy, scipy and scikit-learn imported under
missing_package's guard, the script's tally, and a model fitted into a table.
Import it after putting this folder on sys.path (as for pgtest)."""
import json

from pgtest import Tally, load_vectors, missing_package, psql

try:
    import numpy as np
    import sklearn  # noqa: F401 (each script imports the estimator it compares with)
    from scipy.stats import chi2  # noqa: F401 (for the scripts)
except ImportError:
    missing_package("python3-sklearn is not installed")

tally = Tally()
check = tally.check


def fit_info(schema, name, X, options):
    """The rows of X in table schema.name (load_vectors), mv_fit(f, options)
    over them in schema.m_name (column m); returns mv_model_info(m), parsed."""
    load_vectors(schema, name, X)
    psql("DROP TABLE IF EXISTS %s.m_%s; CREATE TABLE %s.m_%s AS SELECT mv_fit(f, '%s') AS m FROM %s.%s"
         % (schema, name, schema, name, json.dumps(options), schema, name))
    return json.loads(psql("SELECT mv_model_info(m) FROM %s.m_%s" % (schema, name)))


def floats(sql):
    """The numbers sql returns, one per row, as a numpy array."""
    return np.array([float(v) for v in psql(sql).split()])
