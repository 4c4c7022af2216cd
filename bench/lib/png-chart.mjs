// A dependency-free line-chart renderer that writes PNG files (node:zlib for deflate).
//
//   renderLineChart({ title, xLabel, yLabel, xLog, yLog, width, height, series: [{ name, points: [[x, y]], color? }] })
//     -> Buffer (PNG, 8-bit RGB)
//   writeLineChart(file, options)
//
// Text uses a built-in 5x7 bitmap font (digits, letters shown as capitals, common punctuation),
// drawn at an integer scale. Axes get "nice" ticks (1-2-5 steps, or powers of ten with 2 and 5
// in between on a log axis), a grid, markers at data points and a legend box.
import * as fs from 'fs';
import * as zlib from 'zlib';

// Each glyph: 7 rows of 5 bits, most significant bit = leftmost pixel.
const FONT = {
  ' ': [0, 0, 0, 0, 0, 0, 0],
  '0': [14, 17, 19, 21, 25, 17, 14], '1': [4, 12, 4, 4, 4, 4, 14], '2': [14, 17, 1, 2, 4, 8, 31],
  '3': [31, 2, 4, 2, 1, 17, 14], '4': [2, 6, 10, 18, 31, 2, 2], '5': [31, 16, 30, 1, 1, 17, 14],
  '6': [6, 8, 16, 30, 17, 17, 14], '7': [31, 1, 2, 4, 8, 8, 8], '8': [14, 17, 17, 14, 17, 17, 14],
  '9': [14, 17, 17, 15, 1, 2, 12],
  A: [14, 17, 17, 31, 17, 17, 17], B: [30, 17, 17, 30, 17, 17, 30], C: [14, 17, 16, 16, 16, 17, 14],
  D: [28, 18, 17, 17, 17, 18, 28], E: [31, 16, 16, 30, 16, 16, 31], F: [31, 16, 16, 30, 16, 16, 16],
  G: [14, 17, 16, 23, 17, 17, 15], H: [17, 17, 17, 31, 17, 17, 17], I: [14, 4, 4, 4, 4, 4, 14],
  J: [7, 2, 2, 2, 2, 18, 12], K: [17, 18, 20, 24, 20, 18, 17], L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17], N: [17, 17, 25, 21, 19, 17, 17], O: [14, 17, 17, 17, 17, 17, 14],
  P: [30, 17, 17, 30, 16, 16, 16], Q: [14, 17, 17, 17, 21, 18, 13], R: [30, 17, 17, 30, 20, 18, 17],
  S: [15, 16, 16, 14, 1, 1, 30], T: [31, 4, 4, 4, 4, 4, 4], U: [17, 17, 17, 17, 17, 17, 14],
  V: [17, 17, 17, 17, 17, 10, 4], W: [17, 17, 17, 21, 21, 21, 10], X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 10, 4, 4, 4, 4], Z: [31, 1, 2, 4, 8, 16, 31],
  '.': [0, 0, 0, 0, 0, 12, 12], ',': [0, 0, 0, 0, 12, 4, 8], '-': [0, 0, 0, 31, 0, 0, 0],
  '+': [0, 4, 4, 31, 4, 4, 0], ':': [0, 12, 12, 0, 12, 12, 0], '/': [1, 1, 2, 4, 8, 16, 16],
  '(': [2, 4, 8, 8, 8, 4, 2], ')': [8, 4, 2, 2, 2, 4, 8], '%': [24, 25, 2, 4, 8, 19, 3],
  '=': [0, 0, 31, 0, 31, 0, 0], '@': [14, 17, 23, 21, 23, 16, 15], '_': [0, 0, 0, 0, 0, 0, 31],
  '×': [0, 0, 17, 10, 4, 10, 17], '#': [10, 10, 31, 10, 31, 10, 10], '>': [8, 4, 2, 1, 2, 4, 8],
  '<': [2, 4, 8, 16, 8, 4, 2], "'": [4, 4, 8, 0, 0, 0, 0], '[': [14, 8, 8, 8, 8, 8, 14], ']': [14, 2, 2, 2, 2, 2, 14],
};
const GLYPH_W = 5, GLYPH_H = 7, GLYPH_GAP = 1;

const PALETTE = [[31, 119, 180], [214, 39, 40], [44, 160, 44], [255, 127, 14], [148, 103, 189], [140, 86, 75], [227, 119, 194], [127, 127, 127]];

class Canvas {
  constructor(w, h, bg = [255, 255, 255]) {
    this.w = w;
    this.h = h;
    this.px = Buffer.alloc(w * h * 3);
    for (let i = 0; i < w * h; i++) this.px.set(bg, i * 3);
  }
  set(x, y, c) {
    x = Math.round(x); y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.w || y >= this.h) return;
    this.px.set(c, (y * this.w + x) * 3);
  }
  rect(x0, y0, x1, y1, c) {
    for (let y = Math.round(y0); y <= Math.round(y1); y++) for (let x = Math.round(x0); x <= Math.round(x1); x++) this.set(x, y, c);
  }
  // Bresenham with a square pen of `width` pixels; dash = [on, off] in pixels
  line(x0, y0, x1, y1, c, width = 1, dash = null) {
    x0 = Math.round(x0); y0 = Math.round(y0); x1 = Math.round(x1); y1 = Math.round(y1);
    const dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    let err = dx + dy, step = 0;
    const r = Math.floor((width - 1) / 2);
    for (;;) {
      if (!dash || step % (dash[0] + dash[1]) < dash[0]) this.rect(x0 - r, y0 - r, x0 - r + width - 1, y0 - r + width - 1, c);
      step++;
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) { err += dy; x0 += sx; }
      if (e2 <= dx) { err += dx; y0 += sy; }
    }
  }
  text(s, x, y, c, scale = 2) {
    let cx = x;
    for (const ch of String(s)) {
      const g = FONT[ch] ?? FONT[ch.toUpperCase()] ?? FONT['#'];
      for (let row = 0; row < GLYPH_H; row++)
        for (let col = 0; col < GLYPH_W; col++)
          if (g[row] & (1 << (GLYPH_W - 1 - col))) this.rect(cx + col * scale, y + row * scale, cx + col * scale + scale - 1, y + row * scale + scale - 1, c);
      cx += (GLYPH_W + GLYPH_GAP) * scale;
    }
  }
  // Text rotated 90 degrees counter-clockwise, reading bottom to top, starting at (x, y) bottom.
  textUp(s, x, y, c, scale = 2) {
    let cy = y;
    for (const ch of String(s)) {
      const g = FONT[ch] ?? FONT[ch.toUpperCase()] ?? FONT['#'];
      for (let row = 0; row < GLYPH_H; row++)
        for (let col = 0; col < GLYPH_W; col++)
          if (g[row] & (1 << (GLYPH_W - 1 - col))) this.rect(x + row * scale, cy - col * scale - scale + 1, x + row * scale + scale - 1, cy - col * scale, c);
      cy -= (GLYPH_W + GLYPH_GAP) * scale;
    }
  }
}

export function textWidth(s, scale = 2) {
  return String(s).length * (GLYPH_W + GLYPH_GAP) * scale - GLYPH_GAP * scale;
}

function niceStep(span, target) {
  const raw = span / Math.max(1, target);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function ticks(lo, hi, log) {
  if (log) {
    const out = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
      }
    return out;
  }
  const step = niceStep(hi - lo, 6);
  const out = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function formatTick(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a === 0) return '0';
  if (a < 0.01) return v.toExponential(0);
  return `${+v.toPrecision(3)}`;
}

function range(values, log, pad) {
  let lo = Math.min(...values), hi = Math.max(...values);
  if (log) {
    lo = Math.max(lo, 1e-12);
    const l = Math.log10(lo), h = Math.log10(hi);
    const p = Math.max((h - l) * pad, 0.05);
    return [10 ** (l - p), 10 ** (h + p)];
  }
  if (lo === hi) { lo -= 1; hi += 1; }
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

/** Renders the chart; returns PNG bytes. */
export function renderLineChart(opts) {
  const { width = 900, height = 560, title = '', xLabel = '', yLabel = '', xLog = false, yLog = false, series = [] } = opts;
  const c = new Canvas(width, height);
  const black = [0, 0, 0], grey = [225, 225, 225], dark = [90, 90, 90];
  const left = 90, right = 24, top = 50, bottom = 70;
  const pw = width - left - right, ph = height - top - bottom;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  if (!xs.length) throw new Error('renderLineChart: no data points');
  const [x0, x1] = opts.xRange ?? range(xs, xLog, 0.03);
  const [y0, y1] = opts.yRange ?? range(ys, yLog, 0.05);
  const fx = (x) => left + (xLog ? (Math.log10(x) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0)) : (x - x0) / (x1 - x0)) * pw;
  const fy = (y) => top + ph - (yLog ? (Math.log10(y) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0)) : (y - y0) / (y1 - y0)) * ph;

  for (const t of ticks(x0, x1, xLog)) {
    const x = fx(t);
    c.line(x, top, x, top + ph, grey);
    c.line(x, top + ph, x, top + ph + 5, black);
    const s = formatTick(t);
    c.text(s, x - textWidth(s) / 2, top + ph + 10, dark);
  }
  for (const t of ticks(y0, y1, yLog)) {
    const y = fy(t);
    c.line(left, y, left + pw, y, grey);
    c.line(left - 5, y, left, y, black);
    const s = formatTick(t);
    c.text(s, left - 9 - textWidth(s), y - GLYPH_H, dark);
  }
  c.line(left, top, left, top + ph, black, 2);
  c.line(left, top + ph, left + pw, top + ph, black, 2);
  c.text(title, (width - textWidth(title)) / 2, 14, black);
  c.text(xLabel, left + (pw - textWidth(xLabel)) / 2, height - 28, black);
  c.textUp(yLabel, 12, top + (ph + textWidth(yLabel)) / 2, black);

  series.forEach((s, i) => {
    const col = s.color ?? PALETTE[i % PALETTE.length];
    const pts = s.points.filter((p) => (!xLog || p[0] > 0) && (!yLog || p[1] > 0)).map((p) => [fx(p[0]), fy(p[1])]);
    for (let j = 1; j < pts.length; j++) c.line(pts[j - 1][0], pts[j - 1][1], pts[j][0], pts[j][1], col, 3, s.dash ?? null);
    for (const [x, y] of pts) c.rect(x - 3, y - 3, x + 3, y + 3, col);
  });
  // legend, top right unless opts.legend says 'bottom-right' or 'bottom-left'
  const lw = Math.max(...series.map((s) => textWidth(s.name))) + 50;
  const lh = series.length * 22 + 10;
  const legend = opts.legend ?? 'top-right';
  const lx = legend === 'bottom-left' ? left + 10 : left + pw - lw - 10;
  const ly = legend.startsWith('bottom') ? top + ph - lh - 10 : top + 10;
  c.rect(lx, ly, lx + lw, ly + lh, [255, 255, 255]);
  c.line(lx, ly, lx + lw, ly, dark); c.line(lx, ly + lh, lx + lw, ly + lh, dark);
  c.line(lx, ly, lx, ly + lh, dark); c.line(lx + lw, ly, lx + lw, ly + lh, dark);
  series.forEach((s, i) => {
    const col = s.color ?? PALETTE[i % PALETTE.length];
    const y = ly + 12 + i * 22;
    c.line(lx + 8, y + 6, lx + 34, y + 6, col, 3, s.dash ?? null);
    c.text(s.name, lx + 42, y, black);
  });
  return encodePng(c.w, c.h, c.px);
}

export function writeLineChart(file, opts) {
  fs.writeFileSync(file, renderLineChart(opts));
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** PNG (8-bit RGB, no interlace) from packed RGB pixels. */
export function encodePng(w, h, rgb) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const raw = Buffer.alloc(h * (w * 3 + 1));
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0; // filter: none
    rgb.copy(raw, y * (w * 3 + 1) + 1, y * w * 3, (y + 1) * w * 3);
  }
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
