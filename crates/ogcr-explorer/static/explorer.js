// ogcr explorer: the maps (Leaflet over the bundled world borders) and the charts (Chart.js,
// drawn from the data table beside each chart). Everything else works without this script.
(function () {
  "use strict";

  function unwrapRing(ring) {
    for (var i = 1; i < ring.length; i++) {
      var d = ring[i][0] - ring[i - 1][0];
      if (d > 180) ring[i][0] -= 360;
      else if (d < -180) ring[i][0] += 360;
    }
  }

  function unwrap(g) {
    if (!g) return;
    if (g.type === "Polygon") g.coordinates.forEach(unwrapRing);
    if (g.type === "MultiPolygon") g.coordinates.forEach(function (p) { p.forEach(unwrapRing); });
  }

  function drawMaps() {
    if (typeof L === "undefined") return;
    var maps = document.querySelectorAll(".map");
    if (!maps.length) return;
    var bordersPromise = fetch("/assets/countries-110m.json")
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (topo) {
        if (!topo || typeof topojson === "undefined") return null;
        var world = topojson.feature(topo, topo.objects.countries);
        // Antarctica (010) would cover the bottom of every map; the rings that cross the
        // antimeridian (Russia, Fiji) are unwrapped so that no edge runs across the world.
        world.features = world.features.filter(function (f) { return f.id !== "010"; });
        world.features.forEach(function (f) { unwrap(f.geometry); });
        return world;
      })
      .catch(function () { return null; });
    maps.forEach(function (el) {
      var dataEl = el.parentNode.querySelector(".map-data");
      var data = dataEl ? JSON.parse(dataEl.textContent) : { type: "FeatureCollection", features: [] };
      var map = L.map(el, { worldCopyJump: true, attributionControl: true, minZoom: 1 }).setView([10, 0], 2);
      var markers = L.layerGroup().addTo(map);
      var tiles = el.getAttribute("data-tiles");
      if (tiles) {
        L.tileLayer(tiles, { attribution: el.getAttribute("data-attribution") || "" }).addTo(map);
      }
      bordersPromise.then(function (borders) {
        if (borders) {
          L.geoJSON(borders, {
            style: { color: "#7b8791", weight: 0.6, fillColor: "#f4f1e8", fillOpacity: 1 },
            interactive: false,
          }).addTo(map).bringToBack();
        }
        var popup = function (f) {
          var p = f.properties || {};
          var a = document.createElement("a");
          a.href = p.href || "#";
          a.textContent = (p.name || p.id || "project") + (p.status ? " (" + p.status + ")" : "");
          return a;
        };
        var layer = L.geoJSON(data, {
          style: { color: "#0b5d3b", weight: 2, fillColor: "#1f9d63", fillOpacity: 0.35, className: "boundary" },
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, { radius: 6, color: "#0b5d3b", fillColor: "#1f9d63", fillOpacity: 0.8, className: "boundary" });
          },
          onEachFeature: function (f, l) {
            l.bindPopup(popup(f));
            // A boundary a few kilometres wide is invisible at world scale: a marker at its
            // centre shows where it is at any zoom.
            if (f.geometry && f.geometry.type !== "Point" && l.getBounds) {
              L.circleMarker(l.getBounds().getCenter(), {
                radius: 5, color: "#0b5d3b", weight: 2, fillColor: "#ffffff", fillOpacity: 1, className: "boundary-marker",
              }).bindPopup(popup(f)).addTo(markers);
            }
          },
        }).addTo(map);
        el.setAttribute("data-boundaries", String(layer.getLayers().length));
        var bounds = layer.getBounds();
        if (bounds.isValid()) map.fitBounds(bounds.pad(0.2), { maxZoom: 12 });
        el.classList.add("map-ready");
      });
    });
  }

  function drawCharts() {
    if (typeof Chart === "undefined") return;
    document.querySelectorAll("canvas.chart").forEach(function (canvas) {
      var table = document.getElementById(canvas.getAttribute("data-table"));
      if (!table) return;
      var labels = [], issued = [], retired = [];
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        var cells = tr.querySelectorAll("th, td");
        if (cells.length < 3) return;
        labels.push(cells[0].textContent.trim());
        issued.push(Number(cells[1].textContent));
        retired.push(Number(cells[2].textContent));
      });
      if (!labels.length) { canvas.parentNode.hidden = true; return; }
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: labels,
          datasets: [
            { label: "Issued (t CO2e)", data: issued, backgroundColor: "#1f9d63" },
            { label: "Retired (t CO2e)", data: retired, backgroundColor: "#3b55b8" },
          ],
        },
        options: { responsive: true, maintainAspectRatio: false, animation: false,
          scales: { y: { beginAtZero: true, title: { display: true, text: "t CO2e" } } } },
      });
      canvas.setAttribute("data-drawn", "true");
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawMaps(); drawCharts(); });
})();
