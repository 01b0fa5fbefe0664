"""Request and response models: they validate requests and make the OpenAPI document.

One module per part of the API; this package names every model explicitly, so a route
reads `models.ItemsParams` and the document lists every response model once.
"""

from __future__ import annotations

from .base import (
    FEATURE_ID,
    Bbox,
    CachedSchema,
    Cursor,
    Error,
    ErrorItem,
    Instant,
    Interval,
    Lang,
    Link,
    MunicipalityId,
    Point,
    Strict,
)
from .base import RESPONSE_MODELS as _BASE
from .contributions import RESPONSE_MODELS as _CONTRIBUTIONS
from .contributions import (
    ContributionPath,
    ContributionStatus,
    MediaPath,
    PrivacyNotice,
    Pseudonym,
    Receipt,
    ReportModel,
    ReportReceipt,
    SubmissionModel,
    SubmitHeaders,
)
from .features import BY_COLLECTION, PlaceRef, SyncPage
from .features import RESPONSE_MODELS as _FEATURES
from .offline import RESPONSE_MODELS as _OFFLINE
from .offline import (
    PackInfo,
    PackList,
    PackPath,
    PackQuery,
    SyncQuery,
)
from .ogc import RESPONSE_MODELS as _OGC
from .ogc import (
    CollectionInfo,
    CollectionPath,
    Collections,
    Conformance,
    Extent,
    Feature,
    FeatureCollection,
    Geometry,
    ItemPath,
    ItemQuery,
    ItemsParams,
    LandingPage,
    MetaQuery,
)
from .organisers import RESPONSE_MODELS as _ORGANISERS
from .organisers import (
    ApproveBody,
    AuditQuery,
    BulkBody,
    GpxQuery,
    ManageItemPath,
    ManagePath,
    ModerationItem,
    Queue,
    QueueQuery,
    RedactBody,
    RejectBody,
    ScopeQuery,
    TrailPath,
    WithdrawBody,
)

RESPONSE_MODELS = [*_BASE, *_OGC, *_FEATURES, *_CONTRIBUTIONS, *_OFFLINE, *_ORGANISERS]

__all__ = [
    "ApproveBody",
    "AuditQuery",
    "BY_COLLECTION",
    "Bbox",
    "BulkBody",
    "CachedSchema",
    "CollectionInfo",
    "CollectionPath",
    "Collections",
    "Conformance",
    "ContributionPath",
    "ContributionStatus",
    "Cursor",
    "Error",
    "ErrorItem",
    "Extent",
    "FEATURE_ID",
    "Feature",
    "FeatureCollection",
    "Geometry",
    "GpxQuery",
    "Instant",
    "Interval",
    "ItemPath",
    "ItemQuery",
    "ItemsParams",
    "LandingPage",
    "Lang",
    "Link",
    "ManageItemPath",
    "ManagePath",
    "MediaPath",
    "MetaQuery",
    "ModerationItem",
    "MunicipalityId",
    "PackInfo",
    "PackList",
    "PackPath",
    "PackQuery",
    "PlaceRef",
    "Point",
    "PrivacyNotice",
    "Pseudonym",
    "Queue",
    "QueueQuery",
    "Receipt",
    "RedactBody",
    "RejectBody",
    "ReportModel",
    "ReportReceipt",
    "ScopeQuery",
    "Strict",
    "SubmissionModel",
    "SubmitHeaders",
    "SyncPage",
    "SyncQuery",
    "TrailPath",
    "WithdrawBody",
    "RESPONSE_MODELS",
]
