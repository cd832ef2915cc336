"""The published late-interest rates and statutory amounts, each marked verified or not
(wave2_domain.md A1). Derived rates follow art. 56 § 1 OP: 2 × the NBP lombard rate
+ 2 pp, at least 8 %, from the day the lombard rate changed (art. 56c)."""

from datetime import date
from decimal import Decimal

from django.db import migrations

SOURCE_DERIVED = "2 × stopa lombardowa NBP + 2 pp (art. 56 § 1 OP); wyliczone, niesprawdzone"
RATES = [
    (date(2016, 1, 1), "8.00", True, "brutanek.com/odsetki-podatkowe-zasady-podstawa-prawna"),
    (date(2022, 2, 9), "8.50", False, SOURCE_DERIVED),
    (date(2022, 3, 9), "10.00", False, SOURCE_DERIVED),
    (date(2022, 4, 7), "12.00", False, SOURCE_DERIVED),
    (date(2022, 5, 6), "13.50", False, SOURCE_DERIVED),
    (date(2022, 6, 9), "15.00", False, SOURCE_DERIVED),
    (date(2022, 7, 8), "16.00", False, SOURCE_DERIVED),
    (date(2022, 9, 8), "16.50", True, "podatkowyreferat.online; vavicom.pl (od 8.09.2022)"),
    (date(2023, 9, 7), "15.00", False, SOURCE_DERIVED),
    (date(2023, 10, 5), "14.50", True, "brutanek.com (od 5.10.2023)"),
    (date(2025, 5, 8), "13.50", False, SOURCE_DERIVED),
    (date(2025, 7, 3), "13.00", False, SOURCE_DERIVED),
    (date(2025, 9, 4), "12.50", False, SOURCE_DERIVED),
    (date(2025, 10, 9), "12.00", False,
     "infor.pl: 12 % w 2025 r. do 5 listopada; początek okresu wyliczony"),
    (date(2025, 11, 6), "11.50", False, SOURCE_DERIVED),
    (date(2025, 12, 4), "11.00", False,
     "stopa lombardowa 4,50 % od 4.12.2025 (ksiegowosc.infor.pl); stawka wyliczona"),
]
AMOUNTS = [
    ("reminder_cost", date(2016, 1, 1), 1160, False, "11,60 zł przed 13.10.2021"),
    ("reminder_cost", date(2021, 10, 13), 1600, True,
     "rozporządzenie z 5.01.2021, Dz.U. 2021 poz. 67 (starogard.pl, samorzad.gov.pl)"),
    ("postal_fee", date(2025, 3, 1), 290, True,
     "cennik Poczty Polskiej od 1.03.2025: opłata za polecenie 2,90 zł (podatkowyreferat)"),
]


def seed(apps, schema_editor):
    rate_model = apps.get_model("payments", "InterestRate")
    amount_model = apps.get_model("payments", "LegalAmount")
    for start, percent, verified, source in RATES:
        rate_model.objects.update_or_create(
            effective_from=start, defaults={"percent": Decimal(percent),
                                            "is_verified": verified, "source": source})
    for kind, start, amount, verified, source in AMOUNTS:
        amount_model.objects.update_or_create(
            kind=kind, effective_from=start,
            defaults={"amount": amount, "is_verified": verified, "source": source})


class Migration(migrations.Migration):
    dependencies = [("payments", "0002_walls")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
