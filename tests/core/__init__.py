"""Tests of the pure actor core."""
