# Reference for test/unit/questions/target.test.ts: a direct numerical answer, by scipy's SLSQP in
# (ln N, ln D), to the allocation questions of issue 11, for L = E + A/N^alpha + B/D^beta.
#   target: minimise 6ND + 2NI subject to L(N, D) = target
#   budget: minimise L(N, D) subject to 6ND + 2NI = budget
# argv[1]: JSON {params: {E, A, B, alpha, beta}, questions: [{target|budget, inference}]}
# Prints JSON [{N, D}] (null when SLSQP does not converge).
import json
import sys

import numpy as np
np.seterr(all="ignore")  # overflow at far-off SLSQP trial points is expected
from scipy.optimize import minimize

spec = json.loads(sys.argv[1])
p = spec["params"]


def loss(z):
    return p["E"] + p["A"] * np.exp(-p["alpha"] * z[0]) + p["B"] * np.exp(-p["beta"] * z[1])


def cost(z, inference):
    return 6 * np.exp(z[0] + z[1]) + 2 * np.exp(z[0]) * inference


out = []
for q in spec["questions"]:
    inference = q.get("inference", 0.0)
    best = None
    # Several starts: SLSQP is local; keep the best converged answer.
    for n0 in (1e9, 1e10, 1e11, 1e12):
        for d0 in (1e10, 1e11, 1e12, 1e13):
            z0 = np.log([n0, d0])
            if "target" in q:
                fun = lambda z: np.log(cost(z, inference))
                cons = {"type": "eq", "fun": lambda z: np.log(loss(z) - p["E"]) - np.log(q["target"] - p["E"])}
            else:
                fun = lambda z: loss(z)
                cons = {"type": "eq", "fun": lambda z: np.log(cost(z, inference)) - np.log(q["budget"])}
            r = minimize(fun, z0, method="SLSQP", constraints=[cons], options={"ftol": 1e-15, "maxiter": 1000})
            if r.success and abs(cons["fun"](r.x)) < 1e-10 and (best is None or r.fun < best.fun):
                best = r
    out.append(None if best is None else {"N": float(np.exp(best.x[0])), "D": float(np.exp(best.x[1]))})
print(json.dumps(out))
