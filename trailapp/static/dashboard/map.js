/* The dashboard's map: the places of the listed contributions, drawn with Leaflet on a
 * plain background (no tile server). Data comes from a <script type="application/json">
 * block named by the map's data-source attribute; nothing is fetched from elsewhere. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var source = el && document.getElementById(el.getAttribute("data-source"));
  if (!el || !source || typeof L === "undefined") { return; }
  var items = JSON.parse(source.textContent);

  var map = L.map(el, { attributionControl: false, zoomSnap: 0.5, minZoom: 2 });
  if (window.trailappBackground) { window.trailappBackground(map); }  // tiles.js
  L.control.scale({ imperial: false }).addTo(map);

  // One marker per place, listing every item there (text set as text, never as HTML).
  var places = {};
  items.forEach(function (item) {
    var p = places[item.place_id] || (places[item.place_id] = { name: item.place, geometry: item.geometry, items: [] });
    p.items.push(item);
  });
  var markers = L.featureGroup().addTo(map);
  Object.keys(places).forEach(function (id) {
    var place = places[id];
    var popup = document.createElement("div");
    popup.className = "map-popup";
    var heading = document.createElement("strong");
    heading.textContent = place.name;
    popup.appendChild(heading);
    var list = document.createElement("ul");
    place.items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.href;
      a.textContent = item.title;
      li.appendChild(a);
      list.appendChild(li);
    });
    popup.appendChild(list);
    L.geoJSON(place.geometry, {
      pointToLayer: function (feature, latlng) { return L.marker(latlng, { title: place.name, alt: place.name }); },
      style: { color: "#2f6b45", weight: 2 }
    }).bindPopup(popup).addTo(markers);
  });

  if (markers.getLayers().length) {
    // More room at the top: a marker icon stands 41 px above its point.
    map.fitBounds(markers.getBounds(), { paddingTopLeft: [30, 55], paddingBottomRight: [30, 20], maxZoom: 14 });
  } else {
    map.setView([0, 20], 2);
  }
  el.setAttribute("data-places", String(Object.keys(places).length));

  // Context on the plain background: the municipality's other heritage places (grey
  // dots) and surveyed trails (lines), from this service's own public API.
  var context = L.featureGroup().addTo(map);
  var style = { color: "#8a7a5c", weight: 2, opacity: 0.8, radius: 3, fillOpacity: 0.6 };
  (el.getAttribute("data-municipalities") || "").split(" ").filter(Boolean).forEach(function (m) {
    ["places", "trails"].forEach(function (collection) {
      fetch("/collections/" + collection + "/items?limit=1000&municipality=" + encodeURIComponent(m),
            { headers: { Accept: "application/geo+json" }, credentials: "omit" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (found) {
          if (!found) { return; }
          L.geoJSON(found, {
            interactive: false, style: style,
            pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, style); }
          }).addTo(context);
          context.bringToBack();
        })
        .catch(function () { /* the map works without its context */ });
    });
  });
  el.setAttribute("data-ready", "true");
}());
