"""Remote machines over SSH: our own client key and known_hosts, /deploy of nodes, Nautilus.

Modules: `ssh` (pure asyncio around the system's OpenSSH binaries, argv only),
`hosts` (named hosts in a Store), `trust` (the host key confirmation repair),
`deploy` (runner install + systemd user service), `nautilus` (the agent),
`commands` (/deploy for main, pure), `services` (service actions).
"""
