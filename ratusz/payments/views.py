"""Pages of the payments app: parse, check access, one service or selector call, render."""
