"""Organisation: agencies as a tree (no fixed levels), units inside agencies, officers and their roles."""
