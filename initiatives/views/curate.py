"""Being written."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


collection_index = collection_detail = curation_home = collection_edit = _todo
feature_toggle = merge_places = merge_organisations = _todo
