import json

from django.conf import settings
from django.core.management.base import BaseCommand

from ratusz.demo.loader import load_demo


class Command(BaseCommand):
    help = "Create or complete the demo gminy, staff and residents; write var/demo.json."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--output", default=str(settings.VAR_DIR / "demo.json"))

    def handle(self, *args, base_url, output, **options):
        result = load_demo(base_url=base_url)
        with open(output, "w", encoding="utf-8") as handle:
            json.dump(result, handle, ensure_ascii=False, indent=2)
        self.stdout.write(f"Demo data ready for {len(result['municipalities'])} gminy; "
                          f"sign-ins written to {output}")
