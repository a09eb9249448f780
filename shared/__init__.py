"""together-clusters-ops library: settings, errors, models, client, fleet logic, simulator.

Nothing here imports Slack or MCP; the bot and the MCP server both stand on it.
"""

from shared.client import ClusterList, ClustersClient
from shared.errors import (
    AmbiguousClusterError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ClusterNotFoundError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    ResponseValidationError,
    ServerError,
    TogetherError,
)
from shared.lookup import resolve_cluster
from shared.models import Cluster, InvalidCluster
from shared.settings import TogetherSettings
from shared.version import __version__

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AmbiguousClusterError",
    "AuthenticationError",
    "Cluster",
    "ClusterList",
    "ClusterNotFoundError",
    "ClustersClient",
    "InvalidCluster",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "ServerError",
    "TogetherError",
    "TogetherSettings",
    "__version__",
    "resolve_cluster",
]
