from django import template

from fund.audit import action_label, state_label

register = template.Library()
register.filter("action_label", action_label)
register.filter("state_label", state_label)
