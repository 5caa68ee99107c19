"""One router per page (and the partials and acts that belong to it)."""
