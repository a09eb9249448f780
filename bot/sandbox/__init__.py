"""A local stand-in for Slack: the Web API, response_urls and Socket Mode, recording every call.

Used by the tests and grown into the `make demo` sandbox page.
"""

from bot.sandbox.fake_slack import FakeSlack, RecordedCall
from bot.sandbox.socket_mode import FakeSocketMode, SocketAck

__all__ = ["FakeSlack", "FakeSocketMode", "RecordedCall", "SocketAck"]
