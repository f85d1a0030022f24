// Draws each board chart with uPlot (served by the board from the uplot npm package, no CDN): the data is
// the JSON next to each chart area; the same numbers are in the table under it. Plain JavaScript, no
// build step. After drawing, the area gets data-drawn-points (what the browser test checks).
(function () {
  'use strict';
  var COLORS = { exposed: '#b3261e', control: '#1f5fa8', start: '#5b5b5b', halt: '#000000', failing_since: '#8a4b00' };

  function marksPlugin(marks) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          marks.forEach(function (m) {
            var x = Math.round(u.valToPos(m.x, 'x', true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            ctx.strokeStyle = COLORS[m.kind] || '#000';
            ctx.lineWidth = 2 * devicePixelRatio;
            ctx.setLineDash(m.kind === 'halt' ? [] : [6 * devicePixelRatio, 4 * devicePixelRatio]);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.fillStyle = COLORS[m.kind] || '#000';
            ctx.font = (12 * devicePixelRatio) + 'px system-ui, sans-serif';
            ctx.textAlign = 'left';
            ctx.textBaseline = 'alphabetic';
            // Label on the side of the line with room for it, so neither edge cuts it.
            var w = ctx.measureText(m.label).width;
            var pad = 4 * devicePixelRatio;
            var right = x + pad + w <= u.bbox.left + u.bbox.width;
            ctx.fillText(m.label, right ? x + pad : x - pad - w, u.bbox.top + (m.kind === 'halt' ? 30 : 14) * devicePixelRatio);
          });
          ctx.restore();
        }],
      },
    };
  }

  function draw(area) {
    var source = document.getElementById(area.getAttribute('data-chart'));
    if (!source || typeof uPlot !== 'function') return;
    var d = JSON.parse(source.textContent);
    var xs = d.x.slice();
    d.marks.forEach(function (m) { if (xs.length && (m.x < xs[0] || m.x > xs[xs.length - 1])) xs.push(m.x); });
    var opts = {
      width: Math.max(320, area.clientWidth || 640),
      height: 260,
      scales: { x: { time: true, range: function (u, min, max) {
        var lo = Math.min.apply(null, [min].concat(d.marks.map(function (m) { return m.x; })));
        var hi = Math.max.apply(null, [max].concat(d.marks.map(function (m) { return m.x; })));
        return lo === hi ? [lo - 60, hi + 60] : [lo, hi];
      } }, y: { range: function (u, min, max) { return [0, Math.max(1, max * 1.1)]; } } },
      axes: [{}, { label: 'failure fraction (%)', values: function (u, vals) { return vals.map(function (v) { return v + '%'; }); } }],
      series: [
        { label: 'window start' },
        { label: 'exposed (took the release)', stroke: COLORS.exposed, width: 2, points: { show: true, size: 5 }, spanGaps: false,
          value: function (u, v) { return v == null ? '–' : v + '%'; } },
        { label: 'control', stroke: COLORS.control, width: 2, dash: [8, 4], points: { show: true, size: 5 }, spanGaps: false,
          value: function (u, v) { return v == null ? '–' : v + '%'; } },
      ],
      plugins: [marksPlugin(d.marks)],
    };
    var u = new uPlot(opts, [d.x, d.exposed, d.control], area);
    area.setAttribute('data-drawn-points', String(u.data[0].length));
    window.addEventListener('resize', function () { u.setSize({ width: Math.max(320, area.clientWidth || 640), height: 260 }); });
  }

  function start() {
    var areas = document.querySelectorAll('.chart-area[data-chart]');
    for (var i = 0; i < areas.length; i++) draw(areas[i]);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
