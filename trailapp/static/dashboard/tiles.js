/* The dashboard maps' background: a tile layer only when the operator set
 * TRAILAPP_TILE_URL (the page then carries <script type="application/json"
 * id="map-tiles">, and its CSP allows images from exactly that origin). Without it the
 * background stays plain and nothing is fetched from elsewhere. The attribution is set
 * as text, never as HTML. */
(function () {
  "use strict";
  window.trailappBackground = function (map) {
    var source = document.getElementById("map-tiles");
    if (!source || typeof L === "undefined") { return false; }
    var tiles = JSON.parse(source.textContent);
    var credit = document.createElement("span");
    credit.textContent = tiles.attribution || "";
    L.control.attribution().addTo(map);
    L.tileLayer(tiles.url, { attribution: credit.innerHTML, maxZoom: 19 }).addTo(map);
    return true;
  };
}());
