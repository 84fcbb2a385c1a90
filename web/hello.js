/* The hello: a daemon's cameras and variants, checked (docs/protocol.md).
 * Pure: no state of the page. */

export const MAX_SIDE = 16384; // entries claiming larger images are not decoded

function isCount(v, max) {
  return Number.isInteger(v) && v >= 0 && v <= max;
}

/* "variant_sizes": {"preview": {"width": 640, "height": 400}}: the exact
 * size of each variant's entries for this camera (a Map: names come from
 * the network and are never an object's keys). */
function readVariantSizes(v) {
  const sizes = new Map();
  if (!v || typeof v !== "object" || Array.isArray(v))
    return sizes;
  for (const [name, s] of Object.entries(v))
    if (s && isCount(s.width, MAX_SIDE) && s.width > 0 && isCount(s.height, MAX_SIDE) &&
        s.height > 0)
      sizes.set(name, { width: s.width, height: s.height });
  return sizes;
}

/* The cameras of a hello, or a thrown reason. Keys we do not know are
 * ignored, as docs/protocol.md asks. */
export function readHello(msg) {
  if (!msg || typeof msg !== "object" || msg.type !== "hello")
    throw new Error("the first message is not a hello");
  if (msg.protocol !== 1)
    throw new Error(`protocol ${JSON.stringify(msg.protocol)}, this page speaks 1`);
  if (!Array.isArray(msg.cameras) || msg.cameras.length > 1024)
    throw new Error("no camera list (or more than 1024)");
  const seen = new Set();
  const cameras = msg.cameras.map((cam, i) => {
    if (!cam || typeof cam !== "object" || !isCount(cam.index, 65535) ||
        typeof cam.name !== "string" || !isCount(cam.width, MAX_SIDE) || cam.width === 0 ||
        !isCount(cam.height, MAX_SIDE) || cam.height === 0)
      throw new Error(`camera ${i}: needs index, name, width and height`);
    if (seen.has(cam.index))
      throw new Error(`camera ${i}: index ${cam.index} listed twice`);
    seen.add(cam.index);
    return {
      index: cam.index, name: cam.name, width: cam.width, height: cam.height,
      pixelFormat: typeof cam.pixel_format === "string" ? cam.pixel_format : "",
      grabFps: typeof cam.grab_fps === "number" ? cam.grab_fps : null,
      online: cam.online !== false,
      // Why it is offline, and since when (protocol.md: hello).
      lastError: typeof cam.last_error === "string" ? cam.last_error.slice(0, 300) : "",
      lastErrorAt: typeof cam.last_error_ns === "number" ? cam.last_error_ns / 1e6 : null,
      variantSizes: readVariantSizes(cam.variant_sizes),
    };
  });
  const variants = Array.isArray(msg.variants)
    ? msg.variants.filter((v) => v && typeof v.name === "string") : null;
  const extensions = Array.isArray(msg.extensions)
    ? msg.extensions.filter((e) => typeof e === "string") : [];
  return {
    cameras,
    extensions, // 1.2: "control" offers camera control (control.js)
    window: extensions.includes("window"), // 1.2: flow control (subscription.js)
    streamFps: typeof msg.stream_fps === "number" ? msg.stream_fps : null,
    server: typeof msg.server === "string" ? msg.server : "",
    variants: variants && variants.length ? variants : null,
    sync: CamcastFB.readSyncGroups(msg.sync), // 1.2: sync groups (sync.js)
  };
}
