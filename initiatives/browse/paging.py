"""Pages of a list that cost the same deep in the list as at its start."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# Rows before a page from which it is read in two steps (ListPaginator).
DEFERRED_JOIN_FROM = 200


class ListPaginator(Paginator):
    """Pages of initiatives, as cheap deep in the list as at its start.

    Told how many there are when the kept counts know (tallies.py), it does
    not count them. Past DEFERRED_JOIN_FROM rows, it finds the page's ids
    first (from the index alone) and only then reads those rows with their
    places: an offset otherwise computes every skipped row's columns.
    """

    def __init__(self, object_list, per_page, *, count=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.known_count = count

    @cached_property
    def count(self):
        return super().count if self.known_count is None else self.known_count

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom < DEFERRED_JOIN_FROM:
            return super().page(number)
        top = min(bottom + self.per_page, self.count)
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        found = {row.pk: row for row in self.object_list.filter(pk__in=ids)}
        return self._get_page([found[pk] for pk in ids if pk in found], number, self)


# Initiatives (or organisations) on a page of a public list.
PAGE_SIZE = 20


def paginate(request, queryset, count=None):
    """The page the query string asks for; `count`, when known already
    (from the kept counts), saves counting the rows again."""
    return ListPaginator(queryset, PAGE_SIZE, count=count).get_page(request.GET.get("page"))
