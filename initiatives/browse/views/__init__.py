"""The public pages, a module for each kind: initiatives (home, list,
detail), subjects (places, themes, organisations), maps, and the site's own
pages. Each asks initiatives.public what it may show."""
