"""Conformance tests: cydicom must read every input the way pydicom 3.0.2 does (CONFORMANCE.md)."""
