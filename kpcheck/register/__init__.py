"""The certificate register: past submissions and the decisions taken on them, in a database.

SQLite by default (one file, several processes), PostgreSQL for a department's shared register.
``connect`` opens a register by URL, ``schema`` holds its versioned tables and migrations,
``store`` the queries, ``rows`` what a submission and a decision become, ``importer`` the
bulk import of past certificates, ``desk`` the checks and records of ``check``/``audit``.
"""
