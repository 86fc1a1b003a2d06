"""Calls one tool of `tuxpilot mcp` through PyPI's `mcp` SDK (the official Python client).

Usage: call.py TUXPILOT_BINARY CONFIG_FILE WORKDIR TOOL ARGUMENTS_JSON. Prints one JSON object:
{"error": bool, "text": str}.
"""
import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main() -> None:
    binary, config, workdir, tool, arguments = sys.argv[1:6]
    params = StdioServerParameters(
        command=binary, args=["mcp"], cwd=workdir, env={"TUXPILOT_CONFIG": config, "PATH": "/usr/bin:/bin"}
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            r = await session.call_tool(tool, json.loads(arguments))
            error = getattr(r, "is_error", None)
            if error is None:
                error = getattr(r, "isError", False)
            text = "".join(c.text for c in r.content if getattr(c, "type", "") == "text")
            print(json.dumps({"error": bool(error), "text": text}))


asyncio.run(main())
