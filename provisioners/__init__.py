"""AWS side of hostwiz: boto3 only, never textual.

- `aws`       the client factory
- `registry`  resource kinds (one module each in `kinds/`) and their deletion order
- `stack`     a spec turned into a graph of steps
- `engine`    runs a graph of steps on worker threads, with events, ledger and rollback
- `teardown`  a stack's deletion plan and its execution (through `deletion`)
- `deletion`  deletion in waves, shared by teardown and cleanup
"""
