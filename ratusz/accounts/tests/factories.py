import factory

from ratusz.accounts.models import ResidentProfile, RoleAssignment, User, UserKind
from ratusz.core.tests.factories import MunicipalityFactory

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Jan"
    last_name = factory.Sequence(lambda n: f"Testowy{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    password = factory.django.Password(PASSWORD)


class StaffFactory(UserFactory):
    kind = UserKind.STAFF
    municipality = factory.SubFactory(MunicipalityFactory)
    position = "Inspektor"


class ResidentFactory(UserFactory):
    kind = UserKind.RESIDENT
    municipality = None

    @factory.post_generation
    def profile(obj, create, extracted, **kwargs):
        if create:
            ResidentProfile.objects.create(user=obj, phone="+48 600 000 000", city="Testowo",
                                           street="Polna", building="2", postal_code="24-220")


class OperatorFactory(UserFactory):
    kind = UserKind.OPERATOR
    municipality = None
    is_staff = True
    is_superuser = True


def give_role(user, role, department=None):
    return RoleAssignment.objects.create(
        municipality_id=user.municipality_id, user=user, role=role, department=department,
        unit=department.unit if department else None,
    )
