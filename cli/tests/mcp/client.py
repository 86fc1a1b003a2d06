"""A real MCP client (PyPI's `mcp`, the official Python SDK) driving `tuxpilot mcp` over stdio.

Usage: client.py TUXPILOT_BINARY CONTAINER [--read-only]. Prints one JSON object: the tools
with their annotations, and the results of calling `list` and `logs`.
"""
import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def field(obj, *names):
    """The SDK renamed its fields to snake_case in 2.x; accept both."""
    for n in names:
        if hasattr(obj, n):
            return getattr(obj, n)
    raise AttributeError(names[0])


def result(r):
    return {
        "error": bool(field(r, "is_error", "isError")),
        "text": "".join(c.text for c in r.content if getattr(c, "type", "") == "text"),
    }


async def main() -> None:
    binary, container = sys.argv[1], sys.argv[2]
    args = ["mcp"] + (["--read-only"] if "--read-only" in sys.argv else [])
    params = StdioServerParameters(command=binary, args=args, env={"TUXPILOT_CONFIG": "/dev/null", "PATH": "/usr/bin:/bin"})
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            tools = await session.list_tools()
            listed = await session.call_tool("list", {"all": True})
            logs = await session.call_tool("logs", {"target": container, "tail": 3})
            bad = await session.call_tool("scale", {"service": "web"})
            out = {
                "server": field(init, "server_info", "serverInfo").name,
                "tools": {
                    t.name: (t.annotations.model_dump(by_alias=True, exclude_none=True) if t.annotations else {})
                    for t in tools.tools
                },
                "list": result(listed),
                "logs": result(logs),
                "bad": result(bad),
            }
            print(json.dumps(out))


asyncio.run(main())
