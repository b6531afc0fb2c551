from .accounts import Membership, Role
from .images import PortalImage, PortalRendition
from .reference import Authority, Plan, Programme, ReviewResult, School, SchoolStage

__all__ = [
    "Authority",
    "Membership",
    "Plan",
    "PortalImage",
    "PortalRendition",
    "Programme",
    "ReviewResult",
    "Role",
    "School",
    "SchoolStage",
]
