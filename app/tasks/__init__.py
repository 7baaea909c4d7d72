"""Officers' steps (bước xử lý): one row per activation of a user task of a dossier's workflow."""
