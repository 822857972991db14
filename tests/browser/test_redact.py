"""Staff blur an area of a stored photo with the mouse ("Slør område"), confirm, and the stored
photo is blurred there and nowhere else."""
import io

from PIL import Image, ImageChops, ImageDraw, ImageStat

from tests.browser.staff_helpers import log_in
from tests.image_helpers import jpeg_bytes


def _striped(width: int = 800, height: int = 600) -> bytes:
    img = Image.effect_noise((width, height), 50).convert("RGB")
    draw = ImageDraw.Draw(img)
    for x in range(0, width, 10):
        draw.rectangle([x, 0, x + 4, height], fill=(240, 240, 240))
    return jpeg_bytes(img, quality=90)


def test_drawing_a_box_and_confirming_blurs_the_stored_photo(browser, live_server, app, coordinator, make_walk, make_finding):
    """A mouse drag over the photo, "Slør for altid", OK in the dialog: the box is blurred."""
    from walkapp.extensions import db
    from walkapp.findings.images import process_upload
    from walkapp.findings.models import Photo
    from walkapp.findings.services import store_photo_files
    from walkapp.findings.storage import photo_path, photos_root

    finding_id = make_finding(make_walk()["id"])
    root = photos_root(app.instance_path)
    image = process_upload(_striped())
    with app.app_context():
        photo = Photo(finding_id=finding_id, storage_key=store_photo_files(root, image),
                      sha256=image.sha256, width=image.width, height=image.height)
        db.session.add(photo)
        db.session.commit()
        photo_id = photo.id
    context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=live_server.url)
    dialogs = []
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
        log_in(page, coordinator["email"])
        page.goto(f"/findings/{finding_id}")
        page.click("text=Slør område på foto 1")
        stage_image = page.locator(".redact-stage img")
        stage_image.wait_for()
        page.wait_for_function("() => document.querySelector('.redact-stage img').complete")
        box = stage_image.bounding_box()
        page.mouse.click(box["x"] + 20, box["y"] + 20)  # a tap is no box
        page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=8)
        page.mouse.up()
        assert page.locator(".redact-box").count() == 1
        with page.expect_navigation():
            page.click("text=Slør for altid")
        assert dialogs and dialogs[0].startswith("Sløringen kan ikke fortrydes")
        assert page.locator("text=Foto sløret").count() == 1  # the history line after reload
    finally:
        context.close()
    with app.app_context():
        stored = db.session.get(Photo, photo_id)
        assert stored.redacted_at is not None
        new = Image.open(photo_path(root, stored.storage_key)).convert("L")
    old = Image.open(io.BytesIO(image.jpeg)).convert("L")
    w, h = old.size
    inside = (int(w * 0.28), int(h * 0.28), int(w * 0.47), int(h * 0.47))
    outside = (int(w * 0.6), int(h * 0.6), w, h)
    diff = ImageChops.difference(old, new)
    assert ImageStat.Stat(diff.crop(inside)).mean[0] > 25
    assert ImageStat.Stat(diff.crop(outside)).mean[0] < 2
