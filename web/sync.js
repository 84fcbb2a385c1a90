/* Sync groups (docs/sync.md, protocol 1.2): each camera of a group says on
 * its tile how far apart the group's frames of its last bundle were ("sync
 * 0.08 ms"), or that the bundle was not aligned. The hello's groups are
 * read by hello.js; what a bundle says of them by framebundle.js. */

import { fmt, stats } from "./util.js";

export function noteSync(src, b) {
  for (const g of CamcastFB.groupSync(b, src.info.sync)) {
    stats[g.aligned ? "syncAligned" : "syncUnaligned"]++;
    const text = !g.aligned ? `sync ${g.name}: NOT ALIGNED`
      : g.spreadMs === null ? `sync ${g.name}: aligned` : `sync ${fmt(g.spreadMs, 2)} ms`;
    for (const i of g.cameras) {
      const t = src.byIndex.get(i);
      if (t)
        t.sync = text;
    }
  }
}
