"""Parties: orgs run by other operators, known here only by their public bundles.

``bundle`` is the bundle format (``fabgitops export-org`` writes it; import checks it);
``external`` puts the imported orgs into a plan, so channel configs name every org while only
this party's own orgs are rendered.
"""
