"""Security: secrets, signatures, trust boundaries, end to end."""
