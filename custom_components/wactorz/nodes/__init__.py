"""Remote edge nodes: the Home Assistant side of the edge protocol (docs/PROTOCOL.md).

Modules: `signing` (pure HMAC envelope, no wactorz_edge import), `commands` (pure
helpers for main's /nodes and /migrate), `store` (private Store of records and
secrets), `manager` (NodeManager: telemetry, signed control, desired_state,
migration), `responder` (answers signed `agents/by-name/+/task` requests for
allow-listed local agents), `pairing` (the MQTT discovery flow's steps),
`entities` (node and remote agent devices) and `services` (service actions).
Kept import-free here so pure modules can be imported without pulling in HA.
"""
