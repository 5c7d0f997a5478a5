"""Can a classifier tell the capture's connections from the real
protocol's?  A random forest (scikit-learn, 200 trees, random_state=0) on
the features of features.py, evaluated by stratified 5-fold
cross-validation (shuffled, random_state=0) on balanced classes (the
larger class subsampled to the smaller one's size, seed 0).  Reported:
accuracy (threshold 0.5) and ROC AUC of the out-of-fold probabilities, and
the most important features.  AUC 0.5 is chance; 1.0 is perfect."""
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

import features

MIN_PER_CLASS = 10
FOLDS = 5


TIMING = ("duration", "gap")
# The first client segment's byte statistics: what the byte model, not
# the connection's structure, decides.
CONTENT = ("first_entropy", "first_printable", "first_popcount")


def evaluate(observed, against, timing=True, content=True):
    xo, xa = features.matrix(observed), features.matrix(against)
    keep = [i for i, n in enumerate(features.NAMES)
            if (timing or not any(t in n for t in TIMING))
            and (content or n not in CONTENT)]
    names = [features.NAMES[i] for i in keep]
    xo, xa = xo[:, keep], xa[:, keep]
    n = min(len(xo), len(xa))
    if n < MIN_PER_CLASS:
        return {"skipped": f"fewer than {MIN_PER_CLASS} connections in a "
                           f"class ({len(xo)} and {len(xa)})"}
    rng = np.random.default_rng(0)
    xo = xo[rng.choice(len(xo), n, replace=False)]
    xa = xa[rng.choice(len(xa), n, replace=False)]
    x = np.vstack([xo, xa])
    y = np.array([1] * n + [0] * n)
    clf = RandomForestClassifier(n_estimators=200, random_state=0)
    cv = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    p = cross_val_predict(clf, x, y, cv=cv, method="predict_proba")[:, 1]
    clf.fit(x, y)
    top = sorted(zip(clf.feature_importances_, names),
                 reverse=True)[:5]
    return {"n_per_class": n, "folds": FOLDS,
            "accuracy": float(accuracy_score(y, p >= 0.5)),
            "auc": float(roc_auc_score(y, p)),
            "top_features": [[name, float(w)] for w, name in top]}
