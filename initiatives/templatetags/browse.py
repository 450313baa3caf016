import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from initiatives.abuse import form_started_token
from initiatives.catalogue.search import highlight as highlight_text
from initiatives.models import InitiativeOrganisation

register = template.Library()

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def highlight(text, query):
    """Escape `text` and mark the words that match the search `query`."""
    return highlight_text(text, query)


@register.simple_tag
def ld_json(data):
    """A schema.org JSON-LD block, escaped like json_script so that no value
    can close the script element. It is data, not code, so CSP allows it."""
    payload = json.dumps(data, ensure_ascii=False, default=str).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters changed (None removes
    one), less the page number: for facet links and sort links."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    for name, value in changes.items():
        if value is None or value == "":
            params.pop(name, None)
        else:
            params[name] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def query_toggle(context, name, value):
    """The current query string with `value` added to or removed from the
    repeatable parameter `name` (themes are "any of")."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    values = params.getlist(name)
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    params.setlist(name, values)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def page_url(context, number):
    params = context["request"].GET.copy()
    params["page"] = number
    return f"?{params.urlencode()}"


@register.filter
def role_label(value):
    return InitiativeOrganisation.Role(value).label if value else ""


@register.filter
def add_item(items, item):
    """`items` with `item` appended (when there is one)."""
    return [*items, item] if item is not None else list(items)


@register.simple_tag
def form_started():
    """A signed record of when a form was shown, for forms that a view of
    their own does not build (the follow form on place and theme pages)."""
    return form_started_token()
