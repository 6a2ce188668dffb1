"""Authentication backend: Django's own (e-mail and password), with model permissions for staff only.

What a user may do in the application is decided by the rules in `fund.rules` (django-rules), from roles and
memberships. Django's model permissions are granted in the admin site, which only staff can open; for anyone
else they are empty without asking the database. Without this, every `has_perm` without an object that the
rules refuse (the "new fund" button on /funds/, the organisation list's buttons) cost two queries for the
user's and its groups' permissions on pages every role opens (issue 15, the load test).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class StaffModelBackend(ModelBackend):
    def get_user_permissions(self, user_obj, obj=None) -> set[str]:
        if not getattr(user_obj, "is_staff", False):
            return set()
        return super().get_user_permissions(user_obj, obj)

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        if not getattr(user_obj, "is_staff", False):
            return set()
        return super().get_group_permissions(user_obj, obj)
