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


def _oracle_without_gdcm():
    """pydicom prefers GDCM for JPEG when it is installed (it is for the scan benchmark);
    cydicom decodes lossy JPEG with pylibjpeg-libjpeg, whose rounding differs by 1 from
    GDCM's. The pixel oracle uses pydicom's pylibjpeg plugins, installed or not."""
    try:
        import pydicom.pixels.decoders as decoders
    except ImportError:
        return
    for name in dir(decoders):
        decoder = getattr(decoders, name)
        plugins = getattr(decoder, "_available", None)
        if plugins is not None and "gdcm" in plugins and hasattr(decoder, "remove_plugin"):
            decoder.remove_plugin("gdcm")


_oracle_without_gdcm()
