"""Import every ORM model so the metadata (and Alembic) sees the whole schema."""

from monitor.alerts.models import Alert, Delivery, Subscription
from monitor.audit.models import AuditEvent
from monitor.clusters.models import Cluster
from monitor.core.base import Base
from monitor.desk.brief.models import BriefSend
from monitor.factchecks.models import FactCheck
from monitor.keys.models import ApiKey
from monitor.modelversions.models import ModelVersion
from monitor.posts.models import Post, PostRegion
from monitor.predictions.models import Prediction
from monitor.regions.models import IkpScore, Region
from monitor.reviews.models import Claim, Review
from monitor.scheduler.models import Heartbeat
from monitor.sources.models import Source

metadata = Base.metadata

__all__ = [
    "Alert",
    "ApiKey",
    "AuditEvent",
    "BriefSend",
    "Claim",
    "Cluster",
    "Delivery",
    "FactCheck",
    "Heartbeat",
    "IkpScore",
    "ModelVersion",
    "Post",
    "PostRegion",
    "Prediction",
    "Region",
    "Review",
    "Source",
    "Subscription",
    "metadata",
]
