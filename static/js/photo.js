/* Downscale a camera photo on the phone before it is queued: upright by EXIF orientation,
 * longest side at most 2048 px, JPEG quality 0.8. A 12-megapixel photo shrinks several times,
 * which matters on a weak mobile connection in a courtyard. */
(function (global) {
  "use strict";

  var MAX_SIDE = 2048;
  var QUALITY = 0.8;

  function decode(file) {
    if (typeof createImageBitmap !== "function") return Promise.reject(new Error("no createImageBitmap"));
    return createImageBitmap(file, { imageOrientation: "from-image" });
  }

  function toBlob(canvas) {
    if (canvas.convertToBlob) return canvas.convertToBlob({ type: "image/jpeg", quality: QUALITY });
    return new Promise(function (resolve, reject) {
      canvas.toBlob(function (blob) { return blob ? resolve(blob) : reject(new Error("toBlob failed")); },
        "image/jpeg", QUALITY);
    });
  }

  /* Resolve {blob, width, height, downscaled}. Falls back to the original file when the
   * browser cannot decode it (HEIC on Chromium): the server decodes HEIC itself. */
  function downscale(file) {
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

  global.PhotoTools = { downscale: downscale, MAX_SIDE: MAX_SIDE, QUALITY: QUALITY };
})(typeof self !== "undefined" ? self : this);
