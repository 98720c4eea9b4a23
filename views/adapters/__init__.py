"""Where views reach into a library's private internals: one module per library, each call with
why it is needed and which public API was checked; tests/test_adapters.py fails on an upgrade
that breaks one."""
