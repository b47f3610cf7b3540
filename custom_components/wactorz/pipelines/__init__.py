"""Reactive pipelines: declarative rules compiled into Home Assistant listeners."""
