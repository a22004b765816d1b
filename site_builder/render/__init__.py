"""Renderers: HTML pages, data files, feeds, PDFs — all from projected Views."""
