"""One router per area; pillars add theirs as they land."""
