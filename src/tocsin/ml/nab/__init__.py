"""Numenta Anomaly Benchmark support: corpus loading, the detector runner and NAB's scoring rules."""
