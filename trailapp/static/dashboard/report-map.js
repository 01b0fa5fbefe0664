/* The report's map: one dot per place, labelled with how much was contributed there
 * (the same suppressed text as the table: "fewer than 5" for a small count). Data comes
 * from the <script type="application/json"> block named by data-source; no tiles. */
(function () {
  "use strict";
  var el = document.getElementById("report-map");
  var source = el && document.getElementById(el.getAttribute("data-source"));
  if (!el || !source || typeof L === "undefined") { return; }
  var points = JSON.parse(source.textContent);
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.5, minZoom: 2 });
  if (window.trailappBackground) { window.trailappBackground(map); }  // tiles.js
  L.control.scale({ imperial: false }).addTo(map);
  var dots = L.featureGroup().addTo(map);
  points.forEach(function (p) {
    var tip = document.createElement("span");
    tip.textContent = p.label + ": " + p.text;  // text, never HTML
    L.circleMarker([p.lat, p.lon], { radius: 8, color: "#2f6b45", fillOpacity: 0.6 })
      .bindTooltip(tip).addTo(dots);
  });
  if (dots.getLayers().length) {
    map.fitBounds(dots.getBounds(), { padding: [30, 30], maxZoom: 14 });
  } else {
    map.setView([0, 20], 2);
  }
  el.setAttribute("data-ready", "true");
}());
