"""Machine-learning helpers that run inside Home Assistant (anomaly detection)."""
