"""Pages of the education app: parse, check access, one service or selector call, render."""
