"""Tool agents: the code sandbox, the recipe catalog and its recipes."""
