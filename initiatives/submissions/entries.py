"""An entry is the cleaned submission form: the fields of ENTRY_FIELDS plus
themes, primary_place, proposed_place, on_behalf_of, public_name and the
source link. entry_data() turns an entry or a live initiative into plain
JSON of one shape, which a proposed edit stores. This module is the only one
that knows that shape: everything else reads and changes a proposed edit's
data through the functions below.
"""

import json
from datetime import date

from django.utils.translation import gettext as _

from communities.lookups import place_label
from communities.models import Organisation, Place
from initiatives.catalogue.services import OrganisationRoles
from initiatives.models import Initiative, ProposalState, Theme

ENTRY_FIELDS = (
    "title",
    "summary",
    "description",
    "how_to_adapt",
    "activity_status",
    "start_date",
    "end_date",
    "website",
    "contact_name",
    "contact_email",
    "contact_phone",
    "contact_consent",
    "credit_submitter",
    "latitude",
    "longitude",
    "served_area",
)


DATE_FIELDS = ("start_date", "end_date")


def _entry_fields(entry: dict) -> dict:
    fields = {name: entry.get(name) for name in ENTRY_FIELDS}
    for name in ("how_to_adapt", "website", "contact_name", "contact_email", "contact_phone"):
        fields[name] = fields[name] or ""
    fields["contact_consent"] = bool(fields["contact_consent"])
    fields["credit_submitter"] = bool(fields["credit_submitter"])
    name = (entry.get("public_name") or "").strip()
    fields["credit_name"] = name if fields["credit_submitter"] else ""
    return fields


def iso_date(value):
    return value.isoformat() if value else None


def entry_data(
    *, entry: dict, organisations: OrganisationRoles, proposed_organisations, remove_photos=()
) -> dict:
    """An entry as plain JSON, the shape a proposed edit stores."""
    fields = _entry_fields(entry)
    for name in DATE_FIELDS:
        fields[name] = iso_date(fields[name])
    place = entry["primary_place"]
    return {
        **fields,
        "themes": sorted(theme.pk for theme in entry["themes"]),
        "primary_place": place.pk,
        "proposed_place": entry.get("proposed_place") or "",
        "on_behalf_of": entry["on_behalf_of"].pk if entry.get("on_behalf_of") else None,
        "organisations": [[org.pk, role] for org, role in organisations],
        "proposed_organisations": list(proposed_organisations),
        "source_url": entry.get("source_url") or "",
        "source_title": entry.get("source_title") or "",
        "public_name": (entry.get("public_name") or "").strip(),
        "remove_photos": sorted(remove_photos),
    }


def live_entry_data(initiative: Initiative) -> dict:
    """A live initiative in the shape of entry_data(), to compare an edit with."""
    fields = {name: getattr(initiative, name) for name in ENTRY_FIELDS}
    if initiative.location_is_place_centre:
        fields["latitude"] = fields["longitude"] = None
    for name in DATE_FIELDS:
        fields[name] = iso_date(fields[name])
    primary = initiative.primary_place
    return {
        **fields,
        "themes": sorted(initiative.themes.values_list("pk", flat=True)),
        "primary_place": primary.pk if primary else None,
        "proposed_place": next(
            (p.name for p in initiative.proposed_places.filter(state=ProposalState.PENDING)), ""
        ),
        "on_behalf_of": initiative.on_behalf_of_id,
        "organisations": [
            [link.organisation_id, link.role]
            for link in initiative.initiative_organisations.order_by("pk")
        ],
        "proposed_organisations": [
            {"name": p.name, "role": p.role, "website": p.website}
            for p in initiative.proposed_organisations.filter(state=ProposalState.PENDING)
        ],
        "source_url": "",
        "source_title": "",
        "public_name": initiative.credit_name,
        "remove_photos": [],
    }


_NULLABLE = {"start_date", "end_date", "latitude", "longitude", "served_area"}


# Reading stored data back, for revision_apply().


def stored_fields(data: dict) -> dict:
    """The initiative's own fields as a proposed edit stores them, ready to set."""
    fields = {}
    for name in ENTRY_FIELDS:
        value = data.get(name)
        if name in DATE_FIELDS and value:
            value = date.fromisoformat(value)
        fields[name] = value if value is not None or name in _NULLABLE else ""
    fields["on_behalf_of_id"] = data.get("on_behalf_of")
    fields["credit_name"] = data.get("credit_name", "") if fields["credit_submitter"] else ""
    return fields


def stored_relations(data: dict) -> dict:
    """What a proposed edit links the initiative to, and what it adds or removes:
    primary_place (a Place), themes (a queryset), organisations (pairs of
    Organisation and role), proposed_place, proposed_organisations,
    remove_photos (ids), and an `entry` for the source link and the credit."""
    organisations = Organisation.objects.in_bulk([pk for pk, _role in data["organisations"]])
    return {
        "primary_place": Place.objects.get(pk=data["primary_place"]),
        "themes": Theme.objects.filter(pk__in=data["themes"]),
        "organisations": [
            (organisations[pk], role) for pk, role in data["organisations"] if pk in organisations
        ],
        "proposed_place": data.get("proposed_place"),
        "proposed_organisations": data.get("proposed_organisations", []),
        "remove_photos": removed_photos(data),
        "entry": data,
    }


def removed_photos(data: dict) -> list[int]:
    """The ids of the live photos a proposed edit removes."""
    return data.get("remove_photos", [])


# Merging places and organisations: proposed edits that name them follow.


def names_place(data: dict, pk: int) -> bool:
    return data.get("primary_place") == pk


def names_organisation(data: dict, pk: int) -> bool:
    return data.get("on_behalf_of") == pk or any(
        org_pk == pk for org_pk, _role in data.get("organisations", [])
    )


def replace_place(data: dict, old: int, new: int) -> None:
    """Make `data` name place `new` where it named `old` (in place)."""
    if names_place(data, old):
        data["primary_place"] = new


def replace_organisation(data: dict, old: int, new: int) -> None:
    """Make `data` name organisation `new` where it named `old` (in place),
    each role once."""
    if data.get("on_behalf_of") == old:
        data["on_behalf_of"] = new
    pairs = []
    for pk, role in data.get("organisations", []):
        pair = [new if pk == old else pk, role]
        if pair not in pairs:
            pairs.append(pair)
    data["organisations"] = pairs


# Showing stored data to people: the edit form, and the moderator's diff.


def form_initial(data: dict) -> tuple[dict, list[dict], Place | None]:
    """The submission form's starting values for `data`: (initial, the
    organisation rows, the primary place)."""
    initial = {name: data.get(name) for name in ENTRY_FIELDS}
    initial["themes"] = data["themes"]
    primary = Place.objects.filter(pk=data["primary_place"]).first()
    label = ""
    if primary is not None:
        parent = Place.objects.get_parent(primary)
        label = place_label(primary, parent.name if parent else None)
    if data.get("proposed_place"):
        initial.update(new_place=True, place=data["proposed_place"], new_place_within=label)
    else:
        initial["place"] = label
    initial["on_behalf_of"] = data.get("on_behalf_of")
    initial["source_url"] = data.get("source_url")
    initial["source_title"] = data.get("source_title")
    if data.get("public_name"):
        initial["public_name"] = data["public_name"]
    names = dict(
        Organisation.objects.filter(pk__in=[pk for pk, _r in data["organisations"]]).values_list(
            "pk", "name"
        )
    )
    organisations = [
        {"name": names[pk], "role": role} for pk, role in data["organisations"] if pk in names
    ] + [{**row, "is_new": True} for row in data.get("proposed_organisations", [])]
    return initial, organisations, primary


def describe(data: dict) -> dict:
    """Stored values as people read them (names rather than ids)."""
    themes = dict(Theme.objects.filter(pk__in=data.get("themes", [])).values_list("pk", "name"))
    org_ids = [pk for pk, _role in data.get("organisations", [])]
    orgs = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    place = Place.objects.filter(pk=data.get("primary_place")).values_list("name", flat=True)
    described = {name: data.get(name) for name in ENTRY_FIELDS}
    described.update(
        themes=", ".join(sorted(themes.get(pk, "?") for pk in data.get("themes", []))),
        primary_place=next(iter(place), ""),
        organisations=", ".join(
            f"{orgs.get(pk, '?')} ({role})" for pk, role in data.get("organisations", [])
        ),
        proposed_place=data.get("proposed_place") or "",
        public_name=data.get("public_name") or "",
        served_area=_describe_area(data.get("served_area")),
    )
    return described


def _describe_area(area) -> str:
    """An area as a moderator compares it: its GeoJSON, compact."""
    if not area:
        return ""
    return json.dumps(area, separators=(",", ":"))


def diff(initiative: Initiative, data: dict) -> list[dict]:
    """What a proposed edit (`data`) changes in the live `initiative`:
    {field label, live value, proposed value} for each field that differs."""
    live = describe(live_entry_data(initiative))
    proposed = describe(data)
    labels = {
        f.name: f.verbose_name for f in Initiative._meta.get_fields() if hasattr(f, "verbose_name")
    }
    labels.update(
        primary_place=_("Place"),
        proposed_place=_("Proposed new place"),
        public_name=_("Name to credit"),
    )
    return [
        {"field": labels.get(name, name), "live": live[name], "proposed": proposed[name]}
        for name in proposed
        if (live.get(name) or "") != (proposed.get(name) or "")
    ]
