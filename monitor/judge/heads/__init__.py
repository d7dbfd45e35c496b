"""Trained heads shipped with the package (a package so setuptools ships its JSON files)."""
