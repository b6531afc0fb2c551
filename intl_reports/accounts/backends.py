"""The authentication backend: Django's ModelBackend, loading the membership with the user."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

# What permissions.membership_of needs of a user: their school (and its authority) or authority.
MEMBERSHIP_RELATIONS = ("membership__school__authority", "membership__authority")


class MembershipBackend(ModelBackend):
    """Every request of a logged-in user asks the permission module who the user is, so the
    user, their membership, school and authority come in the one query that loads the user."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related(*MEMBERSHIP_RELATIONS)
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
