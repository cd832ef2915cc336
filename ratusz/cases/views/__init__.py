"""The EZD workspace, one module per part of the work: `registry` (the registry desk, the
inbox, routing rules), `cases` (the list, the case page and its actions), `letters`,
`files` (downloads, previews, the case record as PDF) and `reports` (the registers, the
spis spraw, overdue cases and the archive). Thin: parse → access → service or selector →
render."""
