"""Benchmarks for the library, the bot and the MCP server: `python -m bench [--quick]`.

One module per benchmark (`parse_bench`, `ack_bench`, `render_bench`, `mcp_bench`,
`watcher_bench`), each with `run(quick) -> Section` and `skipped(reason) -> Section`; child
processes come from `clusters_devkit` (its `World` and rig), `report` renders the results.
"""
