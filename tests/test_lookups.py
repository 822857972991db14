"""Organisations and estates by id or exact name, as the API and the dashboard filters take them."""
from walkapp.extensions import db
from walkapp.orgs.lookups import find_estate, find_organisation
from walkapp.orgs.models import Estate, Organisation


def test_id_number_digit_string_and_exact_name_find_the_same_organisation(ctx):
    vibo = db.session.execute(db.select(Organisation).where(Organisation.name == "VIBO")).scalar_one()
    assert find_organisation(vibo.id) is vibo
    assert find_organisation(str(vibo.id)) is vibo
    assert find_organisation(" VIBO ") is vibo
    assert find_organisation("vibo") is None  # exact names only: no surprises
    assert find_organisation("VIBO", type="police") is None
    assert find_organisation(True) is None and find_organisation("") is None


def test_an_estate_name_used_by_two_organisations_matches_neither(ctx):
    """Better refuse than attach a measure or a walk to the wrong estate."""
    vibo, dab = (db.session.execute(db.select(Organisation).where(Organisation.name == n)).scalar_one()
                 for n in ("VIBO", "DAB"))
    first, second = Estate(name="Afdeling 7", organisation=vibo), Estate(name="Afdeling 7", organisation=dab)
    unique = Estate(name="Holmbladsgade", organisation=dab)
    db.session.add_all([first, second, unique])
    db.session.flush()
    assert find_estate("Afdeling 7") is None
    assert find_estate(second.id) is second
    assert find_estate("Holmbladsgade") is unique
