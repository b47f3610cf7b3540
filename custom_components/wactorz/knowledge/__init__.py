"""Knowledge agents: PDF manuals (ManualAgent) and the built-in docs (UDXAgent)."""
