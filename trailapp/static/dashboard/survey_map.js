/* The survey pages' map: fixes with their accuracy circles, the consensus with its
 * spread, the old approximate point with its uncertainty (a place); or the walked
 * tracks overlaid on each other (a trail). Data comes from the page's JSON block; text
 * is set as text, never as HTML; nothing is fetched. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var source = el && document.getElementById(el.getAttribute("data-source"));
  if (!el || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.5, minZoom: 2 });
  if (window.trailappBackground) { window.trailappBackground(map); }  // tiles.js
  L.control.scale({ imperial: false }).addTo(map);
  // A provisional view before anything is drawn: a circle needs the map's projection.
  var first = (data.consensus && data.consensus.point) || (data.old && data.old.point) ||
    ((data.fixes || [])[0] && [data.fixes[0].lon, data.fixes[0].lat]);
  map.setView(first ? [first[1], first[0]] : [0, 20], first ? 15 : 2);
  var drawn = L.featureGroup().addTo(map);
  var colours = ["#1f5fa8", "#b5471b", "#2f6b45", "#7a3f96", "#8a6d00", "#00727a"];

  function label(text) { var span = document.createElement("span"); span.textContent = text; return span; }
  function circle(lonlat, radius, options, text) {
    var c = L.circle([lonlat[1], lonlat[0]], Object.assign({ radius: radius }, options)).addTo(drawn);
    if (text) { c.bindTooltip(label(text)); }
    return c;
  }

  (data.fixes || []).forEach(function (f) {
    var colour = f.outlier ? "#b00020" : "#1f5fa8";
    circle([f.lon, f.lat], f.accuracy_m, { color: colour, weight: 1, fillOpacity: 0.08 },
           f.label + " ± " + Math.round(f.accuracy_m) + " m");
    L.circleMarker([f.lat, f.lon], { radius: 3, color: colour, fillOpacity: 1 }).addTo(drawn);
  });
  if (data.old) {
    circle(data.old.point, data.old.radius || 50, { color: "#8a7a5c", dashArray: "6 4", weight: 2, fillOpacity: 0.03 }, data.old.label);
    L.circleMarker([data.old.point[1], data.old.point[0]], { radius: 4, color: "#8a7a5c" }).addTo(drawn);
  }
  if (data.consensus) {
    circle(data.consensus.point, Math.max(data.consensus.spread || 0, 1), { color: "#2f6b45", weight: 3, fillOpacity: 0.1 }, data.consensus.label);
    L.circleMarker([data.consensus.point[1], data.consensus.point[0]], { radius: 6, color: "#2f6b45", fillOpacity: 1 }).addTo(drawn);
  }
  (data.tracks || []).forEach(function (t, i) {
    L.geoJSON(t.geometry, { style: { color: colours[i % colours.length], weight: 3, opacity: 0.85 } })
      .bindTooltip(label(t.label)).addTo(drawn);
  });
  if (data.line) {
    L.geoJSON(data.line, { style: { color: "#222", weight: 2, dashArray: "4 4" } }).addTo(drawn);
  }
  if (drawn.getLayers().length) {
    map.fitBounds(drawn.getBounds(), { padding: [30, 30], maxZoom: 18 });
  }
  el.setAttribute("data-layers", String(drawn.getLayers().length));
  el.setAttribute("data-ready", "true");
}());
