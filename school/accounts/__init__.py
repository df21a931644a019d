"""Accounts of members: login by any identifier, activation codes, first login, SMS codes, password reset.

``codes`` makes and hashes codes; ``backends`` is the one authentication backend; ``sms`` the pluggable
SMS backends; ``services`` the ``do_*`` actions; ``middleware`` makes a member who logged in with an
activation code choose a password before anything else.
"""
