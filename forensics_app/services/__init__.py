"""Use cases both shells call: the GUI and the CLI never touch the vault or collectors directly."""
