/* The one shape editor behind the route editor and the estate boundary editor: tap the map to
 * add a point, drag a point's handle to move it, Undo reverts the last change, Clear removes
 * every point. Points are Leaflet [lat, lon] while drawing; the callers turn them into GeoJSON. */
import { L } from "./map.js";

const HISTORY_LIMIT = 200;

/* options: map, points (start), handleIcon(index) and handleTitle(index) for each handle,
 * maxHandles (above it the shape shows without handles: dragging thousands of markers is
 * unusable on a phone), draw(points) to show the shape, changed(points) after every change
 * (not while dragging), and takesTap(latlng), which may claim a tap for something else. */
export function shapeEditor(options) {
  const map = options.map;
  const maxHandles = options.maxHandles || Infinity;
  let points = (options.points || []).map(function (p) { return [p[0], p[1]]; });
  const history = [];
  let handles = [];

  function remember() {
    history.push(points.map(function (p) { return [p[0], p[1]]; }));
    if (history.length > HISTORY_LIMIT) history.shift();
  }

  function redraw() {
    handles.forEach(function (m) { map.removeLayer(m); });
    handles = [];
    options.draw(points);
    if (points.length > maxHandles) return;
    points.forEach(function (p, index) {
      const handle = L.marker(p, { icon: options.handleIcon(index), draggable: true, keyboard: false,
        title: options.handleTitle ? options.handleTitle(index) : "" });
      handle.on("dragstart", remember);
      handle.on("drag", function (event) {
        const ll = event.target.getLatLng();
        points[index] = [ll.lat, ll.lng];
        options.draw(points);
      });
      handle.on("dragend", function () { redraw(); options.changed(points); });
      handle.addTo(map);
      handles.push(handle);
    });
  }

  function change(next) {
    remember();
    points = next;
    redraw();
    options.changed(points);
  }

  map.on("click", function (event) {
    if (options.takesTap && options.takesTap(event.latlng)) return;
    change(points.concat([[event.latlng.lat, event.latlng.lng]]));
  });

  redraw();

  return {
    points: function () { return points; },
    canUndo: function () { return history.length > 0; },
    undo: function () {
      if (!history.length) return;
      points = history.pop();
      redraw();
      options.changed(points);
    },
    clear: function () { if (points.length) change([]); },
  };
}
