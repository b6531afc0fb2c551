from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from intl_reports import permissions


@method_decorator(never_cache, "dispatch")
class ServiceMixin(LoginRequiredMixin):
    """Views of the plan service: a logged-in school or authority account, never cached."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not permissions.may_use_service(request.user):
            raise PermissionDenied("此功能僅供學校與主管機關帳號使用。")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from intl_reports.menu import menu_for

        context = super().get_context_data(**kwargs)
        membership = permissions.membership_of(self.request.user)
        context.update(
            membership=membership,
            role=membership.role if membership else None,
            function_menu=menu_for(membership.role if membership else None),
        )
        return context
