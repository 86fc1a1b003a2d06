"""Calls one tool of `tuxpilot mcp` through PyPI's `mcp` SDK (the official Python client).

Usage: call.py TUXPILOT_BINARY CONFIG_FILE WORKDIR TOOL ARGUMENTS_JSON. Prints one JSON object:
{"error": bool, "text": str, "data": the structured content}. DOCKER_HOST is passed on.
"""
import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main() -> None:
    binary, config, workdir, tool, arguments = sys.argv[1:6]
    env = {"TUXPILOT_CONFIG": config, "PATH": "/usr/bin:/bin"}
    if os.environ.get("DOCKER_HOST"):
        env["DOCKER_HOST"] = os.environ["DOCKER_HOST"]
    params = StdioServerParameters(command=binary, args=["mcp"], cwd=workdir, env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            r = await session.call_tool(tool, json.loads(arguments))
            error = getattr(r, "is_error", None)
            if error is None:
                error = getattr(r, "isError", False)
            text = "".join(c.text for c in r.content if getattr(c, "type", "") == "text")
            data = getattr(r, "structured_content", None) or getattr(r, "structuredContent", None)
            print(json.dumps({"error": bool(error), "text": text, "data": data}))


asyncio.run(main())
