"""Bundled Hanoi sample maps and the script and fact tables that build them."""
