"""Tests of Wactorz for Home Assistant."""
