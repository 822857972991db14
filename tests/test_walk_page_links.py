"""Every follow-up link on a walk's page leads somewhere that works for the coordinator."""
import re


def test_every_after_the_walk_link_answers(logged_in, make_walk, make_finding):
    """The report, follow-up, map and every download open (no dead buttons before a meeting)."""
    walk = make_walk(status="closed", follow_up_on=None)
    make_finding(walk["id"])
    page = logged_in.get(f"/walks/{walk['id']}").get_data(as_text=True)
    section = page[page.index('id="after-heading"'):]
    section = section[: section.index("</section>")]
    links = re.findall(r'href="([^"]+)"', section)
    assert len(links) >= 9, links
    for link in links:
        response = logged_in.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, (link, response.status_code)
        response.close()
    triage = page[page.index('id="findings-heading"'):]
    triage_link = re.search(r'href="([^"]*/findings\?[^"]*)"', triage).group(1).replace("&amp;", "&")
    listing = logged_in.get(triage_link).get_data(as_text=True)
    assert "Mørk sti" in listing
