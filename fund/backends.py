"""Authentication backend: Django's own (e-mail and password), with model permissions for staff only and
the logged-in user read with one plain statement.

What a user may do in the application is decided by the rules in `fund.rules` (django-rules), from roles and
memberships. Django's model permissions are granted in the admin site, which only staff can open; for anyone
else they are empty without asking the database. Without this, every `has_perm` without an object that the
rules refuse (the "new fund" button on /funds/, the organisation list's buttons) cost two queries for the
user's and its groups' permissions on pages every role opens (issue 15, the load test).

The user is read on every request; the ORM spent more time compiling that query than PostgreSQL spent
running it, so it is a raw query over the model's own columns (the ORM still converts the values).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections


class StaffModelBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        manager = model._default_manager
        quote = connections[manager.db].ops.quote_name
        columns = ", ".join(quote(field.column) for field in model._meta.concrete_fields)
        sql = f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} = %s"
        user = next(iter(manager.raw(sql, [user_id])), None)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj, obj=None) -> set[str]:
        if not getattr(user_obj, "is_staff", False):
            return set()
        return super().get_user_permissions(user_obj, obj)

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        if not getattr(user_obj, "is_staff", False):
            return set()
        return super().get_group_permissions(user_obj, obj)
