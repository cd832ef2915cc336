"""The gmina's e-office for residents, one module per part: `catalogue` (the catalogue,
the cards, the accessibility statement), `forms` (filling in and filing a form, the pages
after it), `matters` (the status check, receipt verification, the resident's matters) and
`rendering` (how forms and answers are shown, shared with the staff pages).
Thin: parse → access → service or selector → render."""
