"""Fault scenarios: each asserts that nothing is lost and that Wactorz recovers without a restart."""
