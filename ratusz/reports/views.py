"""Pages of the reports app: parse, check access, one service or selector call, render."""
