"""Bar charts drawn on the server as inline SVG.

No JavaScript and no inline styles, so they show under the strict Content
Security Policy and in print. Each chart is an image with a title for
assistive technology, followed by a visually hidden table of the same
numbers for people who cannot see it.
"""

from collections.abc import Sequence

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import slugify
from django.utils.translation import gettext as _

WIDTH = 640
ROW_HEIGHT = 36  # A label line, then its bar with the value after it.
BAR_HEIGHT = 14
LABEL_SIZE = 14
VALUE_SIZE = 13
# Room kept right of the longest bar for its value.
VALUE_ROOM = 64
MAX_LABEL = 70
BAR_COLOUR = "#0b5e55"  # The brand colour: 7.4:1 on white.


def bar_chart(
    rows: Sequence[tuple[str, int | float]],
    *,
    title: str,
    label_header: str = "",
    value_header: str = "",
    chart_id: str = "",
) -> SafeString:
    """A horizontal bar chart of (label, value) rows, in the order given."""
    chart_id = chart_id or f"chart-{slugify(title) or 'bars'}"
    if not rows:
        return format_html(
            '<p class="chart chart--empty" id="{}">{}</p>',
            chart_id,
            _("%(title)s: nothing to show yet.") % {"title": title},
        )
    largest = max(value for _label, value in rows) or 1
    longest = WIDTH - VALUE_ROOM
    bars = []
    for index, (label, value) in enumerate(rows):
        top = index * ROW_HEIGHT
        width = round(value / largest * longest, 1)
        if value and width < 2:
            width = 2  # A small value still shows as a bar.
        bars.append(
            format_html(
                '<g><text x="0" y="{}" font-size="{}" fill="currentColor">{}</text>'
                '<rect x="0" y="{}" width="{}" height="{}" fill="{}"></rect>'
                '<text x="{}" y="{}" font-size="{}" fill="currentColor">{}</text></g>',
                top + LABEL_SIZE,
                LABEL_SIZE,
                _shorten(str(label)),
                top + LABEL_SIZE + 4,
                width,
                BAR_HEIGHT,
                BAR_COLOUR,
                width + 6,
                top + LABEL_SIZE + 4 + BAR_HEIGHT - 2,
                VALUE_SIZE,
                number_format(value, force_grouping=True),
            )
        )
    height = len(rows) * ROW_HEIGHT
    svg = format_html(
        '<svg role="img" aria-labelledby="{id}-title" viewBox="0 0 {w} {h}" width="100%"'
        ' preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title>{bars}</svg>',
        id=chart_id,
        w=WIDTH,
        h=height,
        title=title,
        bars=SafeString("".join(bars)),
    )
    table = format_html(
        '<div class="visually-hidden"><table class="table"><caption>{}</caption>'
        '<thead><tr><th scope="col">{}</th><th scope="col">{}</th></tr></thead>'
        "<tbody>{}</tbody></table></div>",
        title,
        label_header or _("Item"),
        value_header or _("Number"),
        format_html_join(
            "",
            '<tr><th scope="row">{}</th><td>{}</td></tr>',
            ((label, number_format(value, force_grouping=True)) for label, value in rows),
        ),
    )
    return format_html('<div class="chart" id="{}">{}{}</div>', chart_id, svg, table)


def _shorten(label: str) -> str:
    """The full label is in the table; the chart keeps to one line."""
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"
