from .accounts import Membership, Role
from .audit import AuditAction, AuditEvent
from .images import PortalImage, PortalRendition
from .opendata import OpenDataSnapshot
from .outcomes import (
    OutcomeExchangeType,
    OutcomeGalleryImage,
    OutcomeIndexPage,
    OutcomePage,
    OutcomePartner,
    OutcomeRelatedOutcome,
)
from .reference import Authority, Plan, Programme, ReviewResult, School, SchoolStage
from .reminders import ReminderLog, ReminderRun
from .report import DeadlineExtension, OutcomeReport, Tab
from .review import ReviewDecision, ReviewState

__all__ = [
    "AuditAction",
    "AuditEvent",
    "Authority",
    "DeadlineExtension",
    "Membership",
    "OpenDataSnapshot",
    "OutcomeExchangeType",
    "OutcomeGalleryImage",
    "OutcomeIndexPage",
    "OutcomePage",
    "OutcomePartner",
    "OutcomeRelatedOutcome",
    "OutcomeReport",
    "Plan",
    "PortalImage",
    "PortalRendition",
    "Programme",
    "ReminderLog",
    "ReminderRun",
    "ReviewDecision",
    "ReviewResult",
    "ReviewState",
    "Role",
    "School",
    "SchoolStage",
    "Tab",
]
