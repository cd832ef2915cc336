"""The payments app's addresses, mounted by config/urls.py:

- `public_patterns` under /g/<slug>/ (see config/urls.py for the prefix),
- `staff_patterns` in the gmina's staff workspace,
- `platform_patterns` outside any gmina.
"""

public_patterns: list = []
staff_patterns: list = []
platform_patterns: list = []
