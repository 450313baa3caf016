from django.utils.text import slugify

# Words that are pages of their own under a model's URL prefix
# (/initiatives/submit/), so never a slug.
RESERVED = frozenset({"submit", "export", "feed", "new"})


def unique_slug(model, value, *, max_length=None, exclude_pk=None, field="slug"):
    """Return slugify(value), made unique among `model` rows by a numeric suffix.

    Slugs are the slugified names, so that URLs read like the thing they name;
    a second "Newport" becomes "newport-2".
    """
    max_length = max_length or model._meta.get_field(field).max_length
    base = slugify(value)[:max_length].strip("-") or "item"
    taken = model._default_manager.filter(**{f"{field}__startswith": base})
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    taken = set(taken.values_list(field, flat=True))
    candidate, n = base, 1
    taken |= RESERVED
    while candidate in taken:
        n += 1
        suffix = f"-{n}"
        candidate = f"{base[: max_length - len(suffix)].rstrip('-')}{suffix}"
    return candidate
