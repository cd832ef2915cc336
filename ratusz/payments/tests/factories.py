"""Test data of the payments app, made through its services where they exist."""

from __future__ import annotations

from datetime import date

from ratusz.payments import nrb, services
from ratusz.payments.models import Payment, PaymentItem

PESEL_EWA = "90010112349"  # the conftest resident's
PESELS = ["44051401359", "02070803628", "85121309876", "72020507016", "65060112343"]
NIP = "5260250274"
CRC, API_KEY, MERCHANT = "test-crc-key", "test-api-key", 100200


def collection_nrb(municipality) -> str:
    """A well-formed NRB per gmina (bank 10901014, account from the TERYT)."""
    bban = "10901014" + f"{municipality.teryt:0<7}"[:7] + "000000000"
    return nrb.check_digits(bban) + bban


def set_up(municipality, *, gateway_url: str = "http://127.0.0.1:9", merchant: int = MERCHANT,
           notice_days: int = 7):
    account = services.configure_collection_account(
        municipality, acting_user=None, nrb_number=collection_nrb(municipality),
        notice_days=notice_days)
    gateway = services.configure_gateway(municipality, acting_user=None, base_url=gateway_url,
                                         merchant_id=merchant, api_key=API_KEY, crc_key=CRC)
    return account, gateway


def obligation_line(external_id: str, *, pesel: str = PESEL_EWA, kind: str = "property_tax",
                    instalments=((date(2026, 3, 15), 120000),), name: str = "Ewa Mazur",
                    title: str = "Podatek od nieruchomości 2026", period: str = "2026",
                    **extra) -> dict:
    payer = {"kind": "person", "pesel": pesel, "name": name}
    return {"external_id": external_id, "kind": kind, "title": title, "period": period,
            "payer": payer, **extra,
            "instalments": [{"number": n, "due_date": d.isoformat(), "amount": a}
                            for n, (d, a) in enumerate(instalments, start=1)]}


def import_lines(municipality, *lines, user=None):
    return services.import_obligations(municipality, list(lines), acting_user=user,
                                       channel="api")


def pending_payment(municipality, payer, instalments, *, user, gateway) -> Payment:
    """A pending payment row as `create_payment` leaves it (no gateway involved)."""
    payment = Payment.objects.create(municipality=municipality, payer=payer, user=user,
                                     gateway=gateway,
                                     amount=sum(i.outstanding for i in instalments))
    for instalment in instalments:
        PaymentItem.objects.create(municipality=municipality, payment=payment,
                                   instalment=instalment, amount=instalment.outstanding)
    return payment


def mt940(account: str, lines, *, number: str = "00001/001", opening: int = 0,
          day: date = date(2026, 12, 7)) -> bytes:
    """An MT940 statement in the ZBP layout (`~` sub-fields): `lines` are
    (amount in grosze (negative: debit), title, credited account or "", bank reference)."""
    def money(grosze: int) -> str:
        return f"{abs(grosze) // 100},{abs(grosze) % 100:02d}"

    ymd, md = day.strftime("%y%m%d"), day.strftime("%m%d")
    rows = [":20:ST" + ymd, f":25:/PL{account}", f":28C:{number}",
            f":60F:{'C' if opening >= 0 else 'D'}{ymd}PLN{money(opening)}"]
    total = opening
    for amount, title, credited, reference in lines:
        mark = "C" if amount > 0 else "D"
        total += amount
        rows.append(f":61:{ymd}{md}{mark}{money(amount)}NTRFNONREF//{reference}")
        details = f":86:{'020' if amount > 0 else '073'}~00TR01~20{title[:27]}~21{title[27:54]}"
        if credited:
            details += f"~3010901014~31{credited[2:]}~38PL{credited}"
        rows.append(details + "~32NADAWCA TESTOWY")
    rows.append(f":62F:{'C' if total >= 0 else 'D'}{ymd}PLN{money(total)}")
    return ("\r\n".join(rows) + "\r\n").encode()
