"""The app's folders: defined once in :mod:`evidence_store.locations` (the vault needs them too)."""

from evidence_store.locations import APP_DIR_NAME, user_cache_dir, user_config_dir, user_data_dir, witness_dir

__all__ = ["APP_DIR_NAME", "user_cache_dir", "user_config_dir", "user_data_dir", "witness_dir"]
