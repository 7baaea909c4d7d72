"""The one-stop desk's paper trail (Circular 03/2025/TT-VPCP): the forms the desk issues about a dossier —
form 02, the request to supplement — numbered, dated, and kept with the dossier."""
