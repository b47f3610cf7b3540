"""Tests of the remote package (SSH, deploy, Nautilus)."""
