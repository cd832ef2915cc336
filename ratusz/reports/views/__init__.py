"""Pages of the reports app, by audience: `staff` (the gmina's dashboards, the watch, the
exports, settings), `public` (the open data of the indicators), `resident` (the late
notice and the ponaglenie), `partnerships` (a coordinator's comparison). Each parses,
checks access, calls one service or selector, and renders."""
