"""Helpers for mdcs topotests: RPs, SSM traffic, captures, polling."""
