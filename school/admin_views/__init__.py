"""Wagtail admin screens for the organization tree, members, imports and roles. Every view asks
``school.permissions`` for the user's scope; objects outside it answer 404."""
