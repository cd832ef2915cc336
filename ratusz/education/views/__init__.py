"""Pages of the education app: parse, check access, one service or selector call, render.
`public` holds the parents' pages, `staff` the workspace's."""
