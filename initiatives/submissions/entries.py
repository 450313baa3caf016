"""An entry is the cleaned submission form: the fields of ENTRY_FIELDS plus
themes, primary_place, proposed_place, on_behalf_of, public_name and the
source link. entry_data() turns an entry or a live initiative into plain
JSON of one shape, which a proposed edit stores and revision_apply() reads.
"""

from initiatives.catalogue.services import OrganisationRoles
from initiatives.models import Initiative, ProposalState

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


def _iso(value):
    return value.isoformat() if value else None


def entry_data(
    *, entry: dict, organisations: OrganisationRoles, proposed_organisations, remove_photos=()
) -> dict:
    """An entry as plain JSON, the shape a proposed edit stores."""
    fields = _entry_fields(entry)
    for name in DATE_FIELDS:
        fields[name] = _iso(fields[name])
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
        fields[name] = _iso(fields[name])
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


_NULLABLE = {"start_date", "end_date", "latitude", "longitude"}
