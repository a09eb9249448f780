"""The MCP server: read-only tools, resources and a prompt over Together GPU clusters.

`create_server(settings)` builds it; `clusters-mcp` (`python -m mcp_server`) runs it.
"""

from mcp_server.server import create_server

__all__ = ["create_server"]
