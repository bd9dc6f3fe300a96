"""Test support shared by the chaos, hostile-input and security tests and the benchmarks."""
