"""Local pages modelled on each platform's public markup and embedded data (written by the tests)."""
