/* Downscale a camera photo on the phone before it is queued: upright by EXIF orientation,
 * longest side at most 2048 px, JPEG quality 0.8. A 12-megapixel photo shrinks several times,
 * which matters on a weak mobile connection in a courtyard. Before that, the place the camera
 * wrote into the photo (EXIF GPS) can be read from the original file: the re-encoded copy has
 * no EXIF left, and the server strips what remains. */
export var MAX_SIDE = 2048;
export var QUALITY = 0.8;

function decode(file) {
  if (typeof createImageBitmap !== "function") return Promise.reject(new Error("no createImageBitmap"));
  return createImageBitmap(file, { imageOrientation: "from-image" });
}

/* A canvas as a JPEG blob at QUALITY (photo-blur.js encodes the blurred photo with it too). */
export function toBlob(canvas) {
  if (canvas.convertToBlob) return canvas.convertToBlob({ type: "image/jpeg", quality: QUALITY });
  return new Promise(function (resolve, reject) {
    canvas.toBlob(function (blob) { return blob ? resolve(blob) : reject(new Error("toBlob failed")); },
      "image/jpeg", QUALITY);
  });
}

/* Resolve {blob, width, height, downscaled}. Falls back to the original file when the
 * browser cannot decode it (HEIC on Chromium): the server decodes HEIC itself. */
export function downscale(file) {
  return decode(file).then(function (bitmap) {
    var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    var width = Math.max(1, Math.round(bitmap.width * scale));
    var height = Math.max(1, Math.round(bitmap.height * scale));
    var canvas;
    if (typeof document !== "undefined") {
      canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
    } else {
      canvas = new OffscreenCanvas(width, height);
    }
    var context = canvas.getContext("2d");
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, width, height);
    if (bitmap.close) bitmap.close();
    return toBlob(canvas).then(function (blob) {
      // A small JPEG can grow when re-encoded; then the original is the better upload.
      if (scale === 1 && file.type === "image/jpeg" && file.size <= blob.size) {
        return { blob: file, width: width, height: height, downscaled: false };
      }
      return { blob: blob, width: width, height: height, downscaled: true };
    });
  }).catch(function () {
    return { blob: file, width: null, height: null, downscaled: false };
  });
}

/* ------------------------------------------------------------------ EXIF GPS */

// EXIF sits in an APP1 segment near the start; a segment is at most 64 KiB, so this covers
// it even behind a JFIF header and an ICC profile, without reading a 5 MB photo into memory.
var EXIF_READ_BYTES = 256 * 1024;
var TAG_GPS_IFD = 0x8825;

/* {lat, lon, accuracy} from the GPS IFD of a TIFF block that starts at `start`, or null. */
function gpsFromTiff(view, start, end) {
  if (start + 8 > end) return null;
  var order = view.getUint16(start);
  var little = order === 0x4949; // "II"; "MM" is big-endian
  if (!little && order !== 0x4D4D) return null;
  if (view.getUint16(start + 2, little) !== 42) return null;

  function entries(ifdOffset) {
    var at = start + ifdOffset;
    if (ifdOffset < 8 || at + 2 > end) return null;
    var count = view.getUint16(at, little);
    if (at + 2 + count * 12 > end) return null;
    var tags = {};
    for (var i = 0; i < count; i += 1) {
      var entry = at + 2 + i * 12;
      tags[view.getUint16(entry, little)] = {
        type: view.getUint16(entry + 2, little), count: view.getUint32(entry + 4, little), at: entry + 8,
      };
    }
    return tags;
  }

  var ifd0 = entries(view.getUint32(start + 4, little));
  if (!ifd0 || !ifd0[TAG_GPS_IFD]) return null;
  var gps = entries(view.getUint32(ifd0[TAG_GPS_IFD].at, little));
  if (!gps) return null;

  function letter(tag) { // a one-letter ASCII value such as "N"; up to 4 bytes sit in the entry
    var t = gps[tag];
    return t && t.type === 2 && t.count >= 1 ? String.fromCharCode(view.getUint8(t.at)).toUpperCase() : "";
  }
  function rationals(tag, n) { // RATIONAL (5) or SRATIONAL (10) values, always behind an offset
    var t = gps[tag];
    if (!t || (t.type !== 5 && t.type !== 10) || t.count < n) return null;
    var at = start + view.getUint32(t.at, little);
    if (at + 8 * n > end) return null;
    var values = [];
    for (var i = 0; i < n; i += 1) {
      var num = t.type === 5 ? view.getUint32(at + 8 * i, little) : view.getInt32(at + 8 * i, little);
      var den = t.type === 5 ? view.getUint32(at + 8 * i + 4, little) : view.getInt32(at + 8 * i + 4, little);
      if (!den) return null;
      values.push(num / den);
    }
    return values;
  }
  function degrees(tag, refTag, negative) {
    var dms = rationals(tag, 3);
    if (!dms) return null;
    var value = dms[0] + dms[1] / 60 + dms[2] / 3600;
    return letter(refTag) === negative ? -value : value;
  }

  if (letter(9) === "V") return null; // GPSStatus "V": the camera says the fix is void
  var lat = degrees(2, 1, "S");
  var lon = degrees(4, 3, "W");
  if (lat === null || lon === null || !isFinite(lat) || !isFinite(lon)) return null;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  // 0°, 0° is what cameras write when they had no fix at all, not a place in this walk.
  if (lat === 0 && lon === 0) return null;
  var error = rationals(0x1F, 1); // GPSHPositioningError, metres
  return { lat: lat, lon: lon, accuracy: error && isFinite(error[0]) && error[0] >= 0 ? error[0] : null };
}

/* The GPS place in a JPEG's bytes (ArrayBuffer), or null for anything else. */
export function gpsFromJpeg(buffer) {
  var view = new DataView(buffer);
  if (view.byteLength < 4 || view.getUint16(0) !== 0xFFD8) return null;
  var offset = 2;
  while (offset + 4 <= view.byteLength) {
    if (view.getUint8(offset) !== 0xFF) return null;
    var marker = view.getUint8(offset + 1);
    if (marker === 0xFF) { offset += 1; continue; } // padding before a marker
    if (marker === 0xDA || marker === 0xD9) return null; // image data: metadata comes before it
    if (marker === 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { offset += 2; continue; } // no length
    var length = view.getUint16(offset + 2);
    if (length < 2) return null;
    var end = Math.min(view.byteLength, offset + 2 + length);
    // "Exif\0\0": other APP1 segments (XMP) share the marker.
    if (marker === 0xE1 && offset + 10 <= end && view.getUint32(offset + 4) === 0x45786966 &&
        view.getUint16(offset + 8) === 0) {
      return gpsFromTiff(view, offset + 10, end);
    }
    offset += 2 + length;
  }
  return null;
}

/* Resolve the place a photo file was taken at ({lat, lon, accuracy}), or null; never rejects. */
export function placeOf(file) {
  if (!file || typeof file.slice !== "function") return Promise.resolve(null);
  var head = file.slice(0, EXIF_READ_BYTES);
  var read = typeof head.arrayBuffer === "function" ? head.arrayBuffer() : new Response(head).arrayBuffer();
  return read.then(gpsFromJpeg).catch(function () { return null; });
}

