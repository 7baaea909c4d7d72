"""Satisfaction (mức độ hài lòng): the applicant rates the service once, after the result is returned.

Decree 118/2025 and Decision 766/QĐ-TTg make the applicants' satisfaction a measured part of an agency's
score; ``criteria`` names what is rated, ``service`` records a rating and tells the leaders of a low one,
``app.reports.satisfaction`` counts them for leaders.
"""
