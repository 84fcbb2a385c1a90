/* CameraCast decode worker: JPEG -> ImageBitmap, off the page's main thread.
 *
 * The page sends one job at a time (it never queues: while a job runs, a
 * newer frame replaces an older one on the page's side):
 *   {job, buffers: [ArrayBuffer...], items: [{camera, buf, offset, size,
 *    imageWidth, imageHeight, width, height, slack}]}
 * with the bundles' buffers transferred, not copied. Each item is one JPEG
 * at [offset, offset+size) of buffers[buf], imageWidth x imageHeight;
 * width/height, when set, is the smaller size the page will draw it at:
 * the JPEG is decoded at a size that still covers it (ImageDecoder), or
 * decoded whole and scaled to it (the Blob fallback).
 * The answer gives the buffers back (the page keeps the shown JPEGs for
 * "S") and one result per item, a transferred ImageBitmap or an error:
 *   {job, buffers, results: [{camera, bitmap, scale} | {camera, error}]}
 * scale: the n of n/8 at which the JPEG was decoded (8 = full size).
 */
"use strict";

/* A JPEG decoder can scale by n/8 while it decodes (in the DCT), which
 * costs a fraction of a full decode and a resize: the smallest n whose
 * image still covers the tile, as camcast-viewer does with TurboJPEG;
 * "slack" > 1 lets the tile be that much larger (the page's economy mode). */
function scaleEighths(item) {
  if (!(item.width > 0 && item.height > 0))
    return 8;
  const need = Math.max(item.width / item.imageWidth, item.height / item.imageHeight) /
               (item.slack || 1);
  return Math.min(8, Math.max(1, Math.ceil(8 * need - 1e-9)));
}

function resizeTo(item) {
  if (!(item.width > 0 && item.height > 0))
    return {};
  // "medium": a box-like filter; "low" (bilinear) aliases a large reduction.
  return { resizeWidth: item.width, resizeHeight: item.height, resizeQuality: "medium" };
}

/* WebCodecs' ImageDecoder (Chromium, recent Firefox): takes the bytes as
 * they are and honours a desired size. Chromium turns that size into a
 * byte budget and takes the largest n/8 within it, rounding down: ask a
 * pixel more than n/8 so that rounding lands on n. The bitmap is left at
 * that size: less than twice the tile's, the page's drawImage scales it
 * for a fraction of what a resize here costs (measured: docs/browser.md). */
async function viaImageDecoder(bytes, item) {
  const n = scaleEighths(item);
  const init = { data: bytes, type: "image/jpeg" };
  if (n < 8) {
    init.desiredWidth = Math.ceil((item.imageWidth * n) / 8) + 1;
    init.desiredHeight = Math.ceil((item.imageHeight * n) / 8) + 1;
  }
  const decoder = new ImageDecoder(init);
  try {
    const { image } = await decoder.decode();
    try {
      const bitmap = await createImageBitmap(image);
      return { bitmap, scale: Math.round((8 * image.displayWidth) / item.imageWidth) };
    } finally {
      image.close();
    }
  } finally {
    decoder.close();
  }
}

/* Everywhere else: a Blob, decoded at full size, then scaled. */
async function viaBlob(bytes, item) {
  const blob = new Blob([bytes], { type: "image/jpeg" });
  const bitmap = await createImageBitmap(blob, resizeTo(item));
  return { bitmap, scale: 8 };
}

const decode = typeof ImageDecoder === "function" ? viaImageDecoder : viaBlob;

/* One JPEG; the items of a job decode in parallel, on the browser's own
 * decoder threads. */
async function decodeItem(buffers, item) {
  const bytes = new Uint8Array(buffers[item.buf], item.offset, item.size);
  try {
    return { camera: item.camera, ...(await decode(bytes, item)) };
  } catch (e) {
    return { camera: item.camera, error: String((e && e.message) || e) };
  }
}

self.onmessage = async (ev) => {
  const start = performance.now();
  const { job, buffers, items } = ev.data;
  const results = await Promise.all(items.map((item) => decodeItem(buffers, item)));
  const transfer = buffers.slice();
  for (const r of results)
    if (r.bitmap)
      transfer.push(r.bitmap);
  // How long the decoding took here, for camcastStats (the page's own
  // round trip adds the messages' hops).
  self.postMessage({ job, buffers, results, ms: performance.now() - start }, transfer);
};
