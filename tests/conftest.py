"""Shared test configuration: hypothesis profiles.

Select one with ``pytest --hypothesis-profile=thorough`` or ``CYDICOM_HYPOTHESIS_PROFILE=thorough``;
the default is "ci".
"""
import os

from hypothesis import HealthCheck, settings

# too_slow / data_too_large: examples build and read whole DICOM files, pydicom's lazy reader is
# materialised element by element, and nested sequences make large draws.
# filter_too_much: examples on which pydicom hits a documented quirk are rejected (oracle.py).
_RELAXED = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]

# ci stops at the first distinct failure, so that shrinking a failure stays short.
settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=_RELAXED,
                          print_blob=True, report_multiple_bugs=False)
settings.register_profile("thorough", max_examples=5000, deadline=None,
                          suppress_health_check=_RELAXED, print_blob=True)
settings.load_profile(os.environ.get("CYDICOM_HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config):
    # Called even when this conftest is found late (pytest run from the repository root);
    # the command line wins over the environment.
    try:
        name = config.getoption("--hypothesis-profile")
    except ValueError:
        name = None
    settings.load_profile(name or os.environ.get("CYDICOM_HYPOTHESIS_PROFILE", "ci"))
