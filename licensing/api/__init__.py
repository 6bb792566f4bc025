"""The partner REST API v1: quotes, licence requests, licences and the licensable catalogue."""
