"""Public progress lookup (tra cứu hồ sơ): an applicant with the dossier code and the receipt's secret."""
