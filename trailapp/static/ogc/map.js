/* The map of an OGC resource's HTML page: its features drawn with Leaflet. The data
 * comes from <script type="application/json" id="map-data"> (features, and a tile
 * layer only when the operator set TRAILAPP_TILE_URL); without tiles the background is
 * plain and nothing is fetched from elsewhere. Texts are set as text, never as HTML. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var source = document.getElementById("map-data");
  if (!el || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);

  function escaped(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  var map = L.map(el, { attributionControl: Boolean(data.tiles), zoomSnap: 0.5, minZoom: 1 });
  if (data.tiles) {
    L.tileLayer(data.tiles.url, { attribution: escaped(data.tiles.attribution || ""), maxZoom: 19 }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);

  var style = { color: "#2f6b45", weight: 3, fillOpacity: 0.1 };
  var layer = L.geoJSON(data.features, {
    style: style,
    pointToLayer: function (feature, latlng) {
      var name = feature.properties.name || String(feature.id);
      return L.marker(latlng, { title: name, alt: name });
    },
    onEachFeature: function (feature, drawn) {
      var p = feature.properties;
      if (!p.name) { return; }
      var popup = document.createElement("div");
      popup.className = "map-popup";
      var target = document.createElement(p.href ? "a" : "strong");
      if (p.href) { target.href = p.href; }
      target.textContent = p.name;
      popup.appendChild(target);
      drawn.bindPopup(popup);
    }
  }).addTo(map);

  if (layer.getLayers().length) {
    map.fitBounds(layer.getBounds(), { paddingTopLeft: [30, 55], paddingBottomRight: [30, 20], maxZoom: 14 });
  } else {
    map.setView([20, 10], 1);
  }
  el.setAttribute("data-features", String(layer.getLayers().length));
  el.setAttribute("data-ready", "true");
}());
