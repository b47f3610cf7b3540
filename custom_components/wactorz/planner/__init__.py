"""Task mode: decompose a request into a DAG of agent steps, run it in waves, synthesize."""
