import factory

from ratusz.core.models import Department, Locality, Municipality, Unit


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Gmina Testowa {n}")
    official_name = factory.LazyAttribute(lambda o: f"Gmina {o.name}")
    slug = factory.Sequence(lambda n: f"testowa-{n}")
    teryt = factory.Sequence(lambda n: f"{9900000 + n:07d}")
    kind = "rural"
    voivodeship = "lubelskie"
    county = "lubelski"
    city = "Testowo"
    street = "Główna"
    building = "1"
    postal_code = "24-220"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Jednostka {n}")
    slug = factory.Sequence(lambda n: f"jednostka-{n}")
    kind = "office"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    municipality = factory.SubFactory(MunicipalityFactory)
    unit = factory.LazyAttribute(lambda o: UnitFactory(municipality=o.municipality))
    symbol = factory.Sequence(lambda n: f"D{n}")
    name = factory.Sequence(lambda n: f"Referat {n}")


class LocalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locality

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Wieś {n}")
