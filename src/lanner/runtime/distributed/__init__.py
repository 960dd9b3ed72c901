"""The multi-process runtime: ``lanner server webserver|executor|scheduler|worker`` (see README.md)."""
