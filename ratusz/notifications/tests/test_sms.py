import pytest

from ratusz.notifications.sms import GSM7, UCS2, is_gsm7, measure, to_gsm7


def test_plain_text_is_gsm7_160_in_one_part():
    assert measure("a" * 160).encoding == GSM7
    assert measure("a" * 160).parts == 1
    assert measure("a" * 161).parts == 2  # 153 per part once split
    assert measure("a" * 306).parts == 2
    assert measure("a" * 307).parts == 3
    assert measure("").parts == 0


def test_extension_characters_take_two_septets():
    length = measure("Koszt: 10 €")
    assert length.encoding == GSM7
    assert length.units == len("Koszt: 10 ") + 2
    assert measure("{" * 80).parts == 1
    assert measure("{" * 81).parts == 2


@pytest.mark.parametrize("letter", list("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"))
def test_every_polish_diacritic_forces_ucs2(letter):
    length = measure(f"Uwaga {letter}")
    assert length.encoding == UCS2
    assert length.not_gsm7 == letter


def test_ucs2_parts_are_70_then_67():
    assert measure("ż" * 70).parts == 1
    assert measure("ż" * 71).parts == 2
    assert measure("ż" * 134).parts == 2
    assert measure("ż" * 135).parts == 3
    assert measure("ż" * 71).left_in_part == 63
    # A character outside the basic plane counts as two UTF-16 units.
    assert measure("🌊").units == 2


def test_a_real_warning_and_its_transliteration():
    text = ("Gmina Jastków: ostrzeżenie hydrologiczne 2. stopnia – wzrost stanów wody "
            "na Ciemięędze. Zabezpiecz mienie, śledź komunikaty.")
    assert measure(text).encoding == UCS2
    assert measure(text).parts == 2
    ascii_text = to_gsm7(text)
    assert is_gsm7(ascii_text)
    assert measure(ascii_text).parts == 1
    assert ascii_text.startswith("Gmina Jastkow: ostrzezenie hydrologiczne 2. stopnia - ")
    assert to_gsm7("„Łódź” … Żółć") == '"Lodz" ... Zolc'
    assert to_gsm7("✓ gotowe") == "? gotowe"
