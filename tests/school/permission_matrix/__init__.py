"""The permission matrix (not a test module): every URL pattern of ``school.urls`` × every persona.

``urlconf`` walks the URLconf, ``world`` builds the objects the URLs point at (inside subtree A),
``rules`` (``rules_*`` modules) say which status each persona gets, and ``runner`` requests a URL as a
persona and describes the answer. ``tests/school/test_permission_matrix.py`` puts them together.
"""
