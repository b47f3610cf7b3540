"""Tests of the pure parts of the node support (signing, chat commands)."""
