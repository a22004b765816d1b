"""sanwu — a static-site generator for 三务公开 (community public disclosure)."""
