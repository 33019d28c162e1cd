"""Hypothesis settings for the hardening tests.

The fuzz tests use the `hardening` profile explicitly (`@settings(FUZZ)`), so the profile the
rest of the suite loads is not changed by importing this file. CI runs are deterministic:
`derandomize=True` and no example database, so a run finds the same programs every time.
Locally, HARDENING_FUZZ_SCALE=10 runs ten times as many programs, and HARDENING_FUZZ_RANDOM=1
draws new ones on every run (hypothesis then prints the seed of a failure, for
`pytest --hypothesis-seed=...`).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE = float(os.environ.get("HARDENING_FUZZ_SCALE", "1"))
RANDOM = os.environ.get("HARDENING_FUZZ_RANDOM", "") not in ("", "0")

settings.register_profile(
    "hardening",
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
FUZZ = settings.get_profile("hardening")


def examples(n: int) -> int:
    """`n` programs, scaled by HARDENING_FUZZ_SCALE."""
    return max(1, int(n * SCALE))
