// The live graph of one charger: the measured current (highest phase), what the safety limiter allowed and the
// station's maximum over the last `windowMs`, drawn as SVG polylines. Points come from /api/history once and from
// every status event after that.
'use strict';

class CurrentGraph {
  constructor(svg, windowMs) {
    this.svg = svg;
    this.windowMs = windowMs;
    this.points = [];  // {t, actual, allowed, max}
  }

  load(series) {
    this.points = series.t.map((t, i) => ({
      t,
      actual: Math.max(series.l1_a[i], series.l2_a[i], series.l3_a[i]),
      allowed: series.allowed_a[i],
      max: series.station_max_a[i] || null,
    }));
  }

  add(point) {
    const last = this.points[this.points.length - 1];
    if (last && Math.floor(point.t / 1000) === Math.floor(last.t / 1000)) {
      this.points[this.points.length - 1] = point;  // one point a second, like the daemon's history
    } else {
      this.points.push(point);
    }
    const oldest = point.t - this.windowMs;
    while (this.points.length && this.points[0].t < oldest) {
      this.points.shift();
    }
  }

  draw(now) {
    const width = 600, height = 180, left = 30, bottom = 16, top = 8;
    const ns = 'http://www.w3.org/2000/svg';
    const ceiling = Math.max(16, ...this.points.map((p) => Math.max(p.actual, p.allowed, p.max || 0)));
    // The last 10 minutes, or less while there is less: a fresh page shows its first minute across the width.
    const oldest = this.points.length ? this.points[0].t : now;
    const span = Math.min(this.windowMs, Math.max(60 * 1000, now - oldest));
    const x = (t) => left + (width - left) * (1 - (now - t) / span);
    const y = (a) => top + (height - top - bottom) * (1 - a / ceiling);
    while (this.svg.firstChild) {
      this.svg.removeChild(this.svg.firstChild);
    }
    for (const amps of [0, ceiling / 2, ceiling]) {
      const line = document.createElementNS(ns, 'line');
      line.setAttribute('class', 'axis');
      line.setAttribute('x1', left); line.setAttribute('x2', width);
      line.setAttribute('y1', y(amps)); line.setAttribute('y2', y(amps));
      this.svg.appendChild(line);
      const label = document.createElementNS(ns, 'text');
      label.setAttribute('x', 2); label.setAttribute('y', y(amps) + 4);
      label.textContent = Math.round(amps) + ' A';
      this.svg.appendChild(label);
    }
    const series = [['actual', 'actual'], ['allowed', 'allowed'], ['max', 'station-max']];
    for (const [key, cls] of series) {
      const visible = this.points.filter((p) => p[key] !== null && p[key] !== undefined);
      if (!visible.length) {
        continue;
      }
      const line = document.createElementNS(ns, 'polyline');
      line.setAttribute('class', cls);
      line.setAttribute('points', visible.map((p) => x(p.t).toFixed(1) + ',' + y(p[key]).toFixed(1)).join(' '));
      this.svg.appendChild(line);
    }
    const label = document.createElementNS(ns, 'text');
    label.setAttribute('x', width - 4); label.setAttribute('y', height - 3);
    label.setAttribute('text-anchor', 'end');
    label.textContent = `last ${Math.round(span / 60000)} min`;
    this.svg.appendChild(label);
    this.svg.dataset.points = String(this.points.length);
  }
}

window.CurrentGraph = CurrentGraph;
