"""Imports every domain's models, so that metadata and migrations see them all."""

from netzwerk.accounts.models import AuditEntry, LoginAttempt, User  # noqa: F401
from netzwerk.circles.models import (  # noqa: F401
    Circle,
    CircleMeeting,
    CircleMembership,
    MeetingResponse,
    Minutes,
)
from netzwerk.events.models import Event, Registration, Workshop, WorkshopChoice  # noqa: F401
from netzwerk.files.models import StoredFile  # noqa: F401
from netzwerk.mailing.models import (  # noqa: F401
    ListMessage,
    ListOptOut,
    ListSegment,
    MailingList,
    OutboxAttachment,
    OutboxMessage,
    Subscription,
)
from netzwerk.members.models import (  # noqa: F401
    District,
    Employer,
    Member,
    ProfessionalGroup,
    School,
)
from netzwerk.newcomers.models import Application  # noqa: F401
from netzwerk.privacy.models import ConsentRecord  # noqa: F401
from netzwerk.topics.models import TopicComment, TopicSuggestion, TopicVote  # noqa: F401
