"""Offline checks of the package metadata."""
