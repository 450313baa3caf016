"""What the API shows of each thing: public fields only.

Nothing here names a submitter, an internal note or a contact who did not
agree to be shown; the serializers list their fields one by one so that a
new model field never becomes public by accident.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communities import deprivation
from communities.models import Organisation, Place
from initiatives import public
from initiatives.models import Collection, Initiative, Theme


def _absolute(request, path):
    return request.build_absolute_uri(path) if request is not None else path


class _Linked(serializers.ModelSerializer):
    """`id` is the stable identifier, `url` the page on the site and
    `initiatives_url` the API's list of the published initiatives there."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    url = serializers.SerializerMethodField()
    initiatives_url = serializers.SerializerMethodField()
    filter_name = None

    def get_url(self, obj) -> str:
        return _absolute(self.context.get("request"), obj.get_absolute_url())

    def get_initiatives_url(self, obj) -> str:
        path = f"{reverse('api:initiative-list')}?{self.filter_name}={obj.slug}"
        return _absolute(self.context.get("request"), path)


class ThemeSerializer(_Linked):
    # A top-level theme has no parent: null.
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    filter_name = "theme"

    class Meta:
        model = Theme
        fields = ["id", "slug", "name", "description", "parent", "url", "initiatives_url"]


class PlaceSerializer(_Linked):
    parent = serializers.CharField(source="parent_slug", allow_null=True, read_only=True)
    filter_name = "place"

    class Meta:
        model = Place
        fields = [
            "id",
            "slug",
            "name",
            "kind",
            "gss_code",
            "latitude",
            "longitude",
            "parent",
            "url",
            "initiatives_url",
            "updated_at",
        ]


class OrganisationSerializer(_Linked):
    logo = serializers.SerializerMethodField()
    places = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    filter_name = "organisation"

    class Meta:
        model = Organisation
        fields = [
            "id",
            "slug",
            "name",
            "kind",
            "description",
            "website",
            "logo",
            "places",
            "url",
            "initiatives_url",
            "updated_at",
        ]

    def get_logo(self, obj) -> str | None:
        return _absolute(self.context.get("request"), obj.logo.url) if obj.logo else None


class _PlaceLink(serializers.Serializer):
    id = serializers.UUIDField(source="place.uuid")
    slug = serializers.CharField(source="place.slug")
    name = serializers.CharField(source="place.name")
    kind = serializers.CharField(source="place.kind")
    gss_code = serializers.CharField(source="place.gss_code")
    is_primary = serializers.BooleanField()


class _OrganisationLink(serializers.Serializer):
    id = serializers.UUIDField(source="organisation.uuid")
    slug = serializers.CharField(source="organisation.slug")
    name = serializers.CharField(source="organisation.name")
    role = serializers.CharField()


class _ThemeLink(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    slug = serializers.CharField()
    name = serializers.CharField()


class _Image(serializers.Serializer):
    url = serializers.SerializerMethodField()
    card_url = serializers.SerializerMethodField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    alt_text = serializers.CharField()
    caption = serializers.CharField()
    credit = serializers.CharField()

    def _url(self, file) -> str | None:
        return _absolute(self.context.get("request"), file.url) if file else None

    def get_url(self, image) -> str | None:
        return self._url(image.large or image.image)

    def get_card_url(self, image) -> str | None:
        return self._url(image.card or image.image)


class _Source(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.CharField()
    publisher = serializers.CharField()
    author = serializers.CharField()
    published_on = serializers.DateField(allow_null=True)
    quote = serializers.CharField()


class _Contact(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()


class InitiativeSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    url = serializers.SerializerMethodField()
    places = _PlaceLink(source="initiative_places", many=True, read_only=True)
    organisations = _OrganisationLink(source="initiative_organisations", many=True, read_only=True)
    themes = _ThemeLink(many=True, read_only=True)
    images = _Image(many=True, read_only=True)
    sources = _Source(many=True, read_only=True)
    contact = serializers.SerializerMethodField()
    credit = serializers.SerializerMethodField()
    served_area = serializers.SerializerMethodField()
    deprivation_index = serializers.SerializerMethodField()

    class Meta:
        model = Initiative
        fields = public.API_FIELDS

    def get_url(self, obj) -> str:
        return _absolute(self.context.get("request"), obj.get_absolute_url())

    @extend_schema_field(_Contact(allow_null=True))
    def get_contact(self, obj):
        """The public contact point, only when the contact agreed to be shown."""
        return public.public_contact(obj)

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "description": "The area it serves, when it names one: a GeoJSON (RFC 7946) "
            "Polygon or MultiPolygon in longitude and latitude.",
            "properties": {
                "type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
                "coordinates": {"type": "array", "items": {}},
            },
        }
    )
    def get_served_area(self, obj):
        return public.published_area(obj)

    def get_deprivation_index(self, obj) -> str | None:
        """The index its deprivation_decile is of, with its year, e.g.
        "English Indices of Deprivation 2019"; null when the decile is."""
        index = deprivation.BY_KEY.get(obj.deprivation_index)
        return str(index.title) if index and obj.deprivation_decile else None

    def get_credit(self, obj) -> str | None:
        """Who submitted it, as the site shows it: an organisation, or a
        person who chose to be credited by that name."""
        credit = public.public_credit(obj)
        return str(credit) if credit else None


class CollectionSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    initiatives = serializers.SerializerMethodField()

    class Meta:
        model = Collection
        fields = ["slug", "title", "introduction", "initiatives", "url", "updated_at"]

    def get_url(self, obj) -> str:
        return _absolute(self.context.get("request"), obj.get_absolute_url())

    @extend_schema_field(serializers.ListField(child=serializers.SlugField()))
    def get_initiatives(self, obj):
        """The slugs of its published initiatives, in the curator's order."""
        return [item.initiative.slug for item in obj.public_items]
