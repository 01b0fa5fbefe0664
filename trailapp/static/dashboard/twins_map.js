/* The Twins page's two maps, one per town side by side: each paired place as a marker
 * numbered as its row in the tables (active solid, proposed dashed). Data comes from
 * each map's JSON block; text is set as text, never as HTML; nothing is fetched. */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }
  var maps = document.querySelectorAll(".twin-map");
  Array.prototype.forEach.call(maps, function (el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    if (!source) { return; }
    var points = JSON.parse(source.textContent);
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.5, minZoom: 2 });
    L.control.scale({ imperial: false }).addTo(map);
    if (window.trailappBackground) { window.trailappBackground(map); }  // tiles.js
    map.setView(points.length ? [points[0].lat, points[0].lon] : [0, 20], points.length ? 12 : 2);
    var drawn = L.featureGroup().addTo(map);
    points.forEach(function (p) {
      var active = p.status === "active";
      var marker = L.circleMarker([p.lat, p.lon], {
        radius: 7, color: active ? "#1f5fa8" : "#8a6d00", weight: 2,
        dashArray: active ? null : "3 3", fillOpacity: active ? 0.8 : 0.2 }).addTo(drawn);
      var text = document.createElement("span");
      text.textContent = String(p.number);
      marker.bindTooltip(text, { permanent: true, direction: "right", className: "twin-label" });
      var full = document.createElement("span");
      full.textContent = p.label;
      marker.bindPopup(full);
    });
    if (drawn.getLayers().length) {
      map.fitBounds(drawn.getBounds(), { padding: [30, 30], maxZoom: 15 });
    }
    el.setAttribute("data-layers", String(drawn.getLayers().length));
    el.setAttribute("data-ready", "true");
  });
}());
