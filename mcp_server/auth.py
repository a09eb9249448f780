"""Bearer-token authentication for HTTP: one shared token, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac

from mcp.server.auth.provider import AccessToken, TokenVerifier
from pydantic import SecretStr

CLIENT_ID = "bearer-token"


class StaticTokenVerifier(TokenVerifier):
    """Accepts exactly one token, the one in `MCP_AUTH_TOKEN`.

    Both sides are hashed before `hmac.compare_digest`, so the comparison takes the same time
    whatever the presented token's length or content.
    """

    def __init__(self, token: SecretStr) -> None:
        self._expected = hashlib.sha256(token.get_secret_value().encode()).digest()

    async def verify_token(self, token: str) -> AccessToken | None:
        presented = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        if not hmac.compare_digest(presented, self._expected):
            return None
        return AccessToken(token=token, client_id=CLIENT_ID, scopes=[])
