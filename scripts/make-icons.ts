// Draws Earshot's icons without any image tool: shapes as signed distance functions,
// anti-aliased, written as PNG with node:zlib. The app icon is a white microphone on a
// blue rounded square at every size the packagers use; the tray icons are dots, one
// colour per connection state. Run: npx tsx scripts/make-icons.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];
type Shape = (x: number, y: number) => number; // signed distance in units of the 1.0 canvas, < 0 inside

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function png(size: number, pixels: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0; // filter: none
    rows.set(pixels.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}

const roundRect =
  (cx: number, cy: number, hw: number, hh: number, r: number): Shape =>
  (x, y) => {
    const qx = Math.abs(x - cx) - hw + r;
    const qy = Math.abs(y - cy) - hh + r;
    return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
  };
const circle =
  (cx: number, cy: number, r: number): Shape =>
  (x, y) =>
    Math.hypot(x - cx, y - cy) - r;
/** Lower half of a ring (the microphone's cradle). */
const lowerArc =
  (cx: number, cy: number, r: number, width: number): Shape =>
  (x, y) => {
    if (y < cy)
      return Math.min(Math.hypot(x - (cx - r), y - cy), Math.hypot(x - (cx + r), y - cy)) - width / 2;
    return Math.abs(Math.hypot(x - cx, y - cy) - r) - width / 2;
  };
const union =
  (...shapes: Shape[]): Shape =>
  (x, y) =>
    Math.min(...shapes.map((s) => s(x, y)));

function render(size: number, layers: Array<[Shape, Rgba]>): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  const px = 1 / size;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const x = (i + 0.5) / size;
      const y = (j + 0.5) / size;
      let [r, g, b, a] = [0, 0, 0, 0];
      for (const [shape, [lr, lg, lb, la]] of layers) {
        const coverage = Math.min(1, Math.max(0, 0.5 - shape(x, y) / px)) * (la / 255);
        // "over" compositing, straight alpha
        const na = coverage + a * (1 - coverage);
        if (na > 0) {
          r = (lr * coverage + r * a * (1 - coverage)) / na;
          g = (lg * coverage + g * a * (1 - coverage)) / na;
          b = (lb * coverage + b * a * (1 - coverage)) / na;
        }
        a = na;
      }
      out.set([Math.round(r), Math.round(g), Math.round(b), Math.round(a * 255)], (j * size + i) * 4);
    }
  }
  return out;
}

const BLUE: Rgba = [29, 78, 216, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const appIcon: Array<[Shape, Rgba]> = [
  [roundRect(0.5, 0.5, 0.44, 0.44, 0.19), BLUE],
  [
    union(
      roundRect(0.5, 0.39, 0.115, 0.2, 0.115),
      lowerArc(0.5, 0.43, 0.2, 0.055),
      roundRect(0.5, 0.71, 0.027, 0.07, 0.01),
      roundRect(0.5, 0.79, 0.14, 0.027, 0.027),
    ),
    WHITE,
  ],
];

const dir = join(import.meta.dirname, '..', 'assets');
mkdirSync(join(dir, 'icons'), { recursive: true });
for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024])
  writeFileSync(join(dir, 'icons', `${size}x${size}.png`), png(size, render(size, appIcon)));
writeFileSync(join(dir, 'icon.png'), png(512, render(512, appIcon)));

const TRAY: Record<string, Rgba> = {
  green: [22, 163, 74, 255],
  amber: [245, 158, 11, 255],
  red: [220, 38, 38, 255],
  grey: [156, 163, 175, 255],
};
for (const [name, colour] of Object.entries(TRAY)) {
  const layers: Array<[Shape, Rgba]> = [
    [circle(0.5, 0.5, 0.42), [17, 24, 39, 255]],
    [circle(0.5, 0.5, 0.34), colour],
  ];
  writeFileSync(join(dir, `tray-${name}.png`), png(22, render(22, layers)));
  writeFileSync(join(dir, `tray-${name}@2x.png`), png(44, render(44, layers)));
}
process.stdout.write('make-icons: wrote assets/icon.png, assets/icons/*.png, assets/tray-*.png\n');
