"""Action dialogs: each a form over one service call, with progress and Cancel."""
