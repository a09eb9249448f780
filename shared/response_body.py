"""Reading a streamed response body with a size cap, so no upstream can fill the memory.

httpx reads a whole body into memory by default, and its timeout applies to each read, not to the
body: a proxy streaming forever grows the process by gigabytes and never returns. The client
opens every response as a stream and reads it here, counting decoded bytes (so a compressed body
is capped after decompression) and stopping at the first chunk past the cap. The time to read is
bounded by the caller's deadline, not here.
"""

from __future__ import annotations

import codecs

import httpx

from shared.errors import ResponseTooLargeError

# An error body is only quoted (200 characters) and logged (300): its head is all we keep.
ERROR_BODY_BYTES = 64 * 1024


async def read_capped(response: httpx.Response, limit_bytes: int) -> bytes:
    """The whole body of a streamed `response`, if it is at most `limit_bytes` long.

    Raises:
        ResponseTooLargeError: `Content-Length` says more than the cap, or the body grew past it;
            nothing past the chunk that crossed it is read.
        httpx.HTTPError: the connection failed while reading (the caller translates it).
    """
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit_bytes:
        raise ResponseTooLargeError(limit_bytes)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit_bytes:
            raise ResponseTooLargeError(limit_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_head_text(response: httpx.Response, limit_bytes: int = ERROR_BODY_BYTES) -> str:
    """At most the first `limit_bytes` of a streamed body, as text; the rest is never read.

    For error bodies, which are only quoted in part: a huge or endless one is cut, not refused.
    """
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk[: limit_bytes - size])
        size += len(chunks[-1])
        if size >= limit_bytes:
            break
    return b"".join(chunks).decode(_encoding_of(response), "replace")


def _encoding_of(response: httpx.Response) -> str:
    name = response.charset_encoding or "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"
