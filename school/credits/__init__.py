"""The credit ledger, organization scores, rankings and study statistics (see README, "Learning credits")."""
