"""HTML pages of the disaster app (thin: parse, call a service or selector, render)."""
