"""Services: the one layer that wires a session together and the use cases both front ends call.

- `session`: `open_session(Options)` (AWS access, state dir, logging, the sandbox's lifetime)
- `stacks`: `prepare_up`, `up`, `rollback`, `plan_down`, `down`, `status`, `list_stacks`, `adopt`
- `cleanup`: `parse_filters`, `plan`, `plan_frozen`, `execute`
- `ssh`: a stack name -> a verified SSH connector; the session's shared transport pool
- `logs`: a stack's log sources by name
- `lookups`: hosted zones, offered instance types, kind labels for the wizard and detail screens
- `deploy`: `deploy`, `releases`, `rollback`, `env_set`/`env_unset`/`env_list`, `preview` (the wizard's
  App step), `deploy_spec_app` (`up` with `[app]`)

Front ends (the CLI, the screens) call only these; these call the sandbox, the provisioners and
the core (see docs/architecture.md).
"""
