"""Encore: a self-hostable music streaming service."""
