"""Dossiers (hồ sơ): process instances, their codes, receipts (form 01) and control sheets (form 06)."""
