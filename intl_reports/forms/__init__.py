from .profile import SchoolProfileForm

__all__ = ["SchoolProfileForm"]
