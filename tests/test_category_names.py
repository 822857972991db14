"""Category names on the capture page in the participant's language: the standard categories
translated, a category an administrator made in Danish (it has no other name)."""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import join_walk
from walkapp.extensions import db
from walkapp.findings.models import Category


@pytest.fixture
def own_category(app):
    """A category an administrator made, with only Danish and English names."""
    with app.app_context():
        db.session.add(Category(code="benches", name_da="Bænke", name_en="Benches", icon="other"))
        db.session.commit()


def capture_categories(client, walk_id: int, lang: str) -> dict[str, str]:
    """code → name of the categories the capture page offers in `lang`."""
    page = client.get(f"/walks/{walk_id}/capture?lang={lang}").get_data(as_text=True)
    data = re.search(r'<script type="application/json" id="categories-data">(.*?)</script>', page, re.S)
    return {c["code"]: c["name"] for c in json.loads(data.group(1))}


@pytest.mark.parametrize(("lang", "lighting", "entrance", "benches"), [
    ("da", "Belysning", "Opgange og indgange", "Bænke"),
    ("en", "Lighting", "Stairwells and entrances", "Benches"),
    ("ar", "الإضاءة", "السلالم والمداخل", "Bænke"),
    ("pl", "Oświetlenie", "Klatki schodowe i wejścia", "Bænke"),
])
def test_capture_page_names_categories_in_the_participants_language(
        client, make_walk, own_category, lang, lighting, entrance, benches):
    """Standard categories in every language; an administrator's own category falls back to Danish."""
    walk = make_walk()
    join_walk(client, walk["join_code"])
    names = capture_categories(client, walk["id"], lang)
    assert (names["lighting"], names["entrance"], names["benches"]) == (lighting, entrance, benches)
