#include "viewer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <camcast/token.h>
#include <camcast/ws_client.h>

#include "bundle_decoder.h"
#include "clock.h"
#include "control.h"
#include "frames.h"
#include "hello.h"
#include "log.h"
#include "net.h"
#include "overlay.h"
#include "render.h"
#include "save.h"
#include "session.h"
#include "text.h"
#include "tile.h"
#include "variant.h"

#define IDLE_WAIT_MS 100 /* redraw at least this often: clocks in overlays */
#define GAP 4            /* pixels between tiles */
#define NOTICE_MS 3000   /* how long "saved ..." stays on the status bar */

/* A short wait before asking for another variant: a window being
 * resized goes through many sizes, the server needs one request. */
#define VARIANT_DEBOUNCE_MS 300
/* A tile's name: "HOST:PORT/camera" with several servers. */
#define TILE_NAME_CAP (96 + CC_HELLO_NAME_CAP)

/* One server: its connection's shared state, the decode thread behind it
 * and its tiles. Each has its own mailbox and decode thread: bundles of
 * one server never replace another's, and servers decode in parallel. */
typedef struct source {
    const char *url;
    char label[96];           /* "HOST:PORT" with several servers, else "" */
    bool same_clock;          /* local, or --same-clock: offset 0 */
    cc_session session;
    cc_frames *frames;
    cc_raw_bundle raw[3];
    cc_mailbox bundles;
    cc_bundle_decoder dec;

    cc_hello hello;
    uint64_t gen;
    cc_session_status st;     /* this pass's copy */
    cc_tile tiles[CC_MAX_TILES];
    cc_tile_status shown[CC_MAX_TILES]; /* the state last logged */
    uint32_t entry_w[CC_MAX_TILES], entry_h[CC_MAX_TILES]; /* size last logged */
    char names[CC_MAX_TILES][TILE_NAME_CAP];
    size_t n_tiles;
    bool have_seq;
    uint64_t last_seq;
    bool latency_ok;          /* the clocks compared last pass */
    /* The variant the tiles call for, and since when; the one published. */
    char pick[CC_HELLO_VARIANT_NAME_CAP];
    uint64_t pick_gen, pick_since_ms;
    char published[CC_HELLO_VARIANT_NAME_CAP];
    uint64_t published_gen;
    /* Camera control: the tiles whose levels were logged since L, and the
     * server's refusals shown so far. */
    bool levels_logged[CC_MAX_TILES];
    uint64_t refusals_shown;
} source;

typedef struct viewer {
    const cc_viewer_options *opt;
    SDL_Window *win;
    SDL_Renderer *ren;
    cc_text text;
    Uint32 wake_event;
    SDL_atomic_t wake_pending;

    source src[CC_VIEWER_MAX_URLS];
    size_t n_src;
    cc_net net;

    /* The tile shown alone (source and tile), or solo_src -1: the grid. */
    int solo_src, solo_tile;
    bool paused, quit;
    bool levels;                 /* L: each tile's levels shown */
    char layout_sig[96];
    char notice[256];
    uint64_t notice_until_ms;
    /* Layout scratch, one entry per tile of every source. */
    cc_size sizes[CC_VIEWER_MAX_URLS * CC_MAX_TILES];
    cc_rect cells[CC_VIEWER_MAX_URLS * CC_MAX_TILES];
    cc_rect images[CC_VIEWER_MAX_URLS * CC_MAX_TILES];

    uint64_t start_ms;
    uint64_t bundles_shown, frames_shown, upload_failures;
    bool screenshot_done;
    int status;
} viewer;

/* ---- setup and teardown ---- */

/* Without a display (--headless, or SDL_VIDEODRIVER=offscreen or dummy)
 * there is no GPU worth loading a GL stack for. */
static bool no_display(const viewer *v)
{
    const char *driver = SDL_GetCurrentVideoDriver();
    return v->opt->headless ||
           (driver && (!strcmp(driver, "offscreen") || !strcmp(driver, "dummy")));
}

static int open_window(viewer *v)
{
    const cc_viewer_options *o = v->opt;
    bool software = no_display(v);
    if (software) /* a plain surface behind the window, not a GL texture */
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
    if (o->fullscreen)
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    char title[300];
    if (o->n_urls > 1)
        snprintf(title, sizeof title, "camcast-viewer %s and %zu more", o->url,
                 o->n_urls - 1);
    else
        snprintf(title, sizeof title, "camcast-viewer %s", o->url);
    v->win = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
                              o->width, o->height, flags);
    if (!v->win)
        return -ENODEV;
    if (!software)
        v->ren = SDL_CreateRenderer(v->win, -1, 0);
    if (!v->ren)
        v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_SOFTWARE);
    if (!v->ren)
        return -ENODEV;
    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(v->ren, &info) == 0)
        cc_vlog_debug("renderer %s, video driver %s", info.name,
                      SDL_GetCurrentVideoDriver());
    return cc_text_init(&v->text, v->ren);
}

static int init_sdl(viewer *v)
{
    if (v->opt->headless && !SDL_getenv("SDL_VIDEODRIVER"))
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
    /* Smooth downscaling of camera images (the font stays crisp). */
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
    if (SDL_Init(SDL_INIT_VIDEO) != 0)
        return -ENODEV;
    v->wake_event = SDL_RegisterEvents(1);
    if (v->wake_event == (Uint32)-1)
        return -ENOSPC;
    return open_window(v);
}

/* A decode thread took a bundle: the network thread acknowledges it
 * (uv_async_send: wakeups coalesce). */
static void kick_net(void *arg)
{
    viewer *v = arg;
    cc_net_kick(&v->net);
}

/* A decode thread: frames are ready. One wake event at a time is enough. */
static void wake_render(void *arg)
{
    viewer *v = arg;
    if (!SDL_AtomicCAS(&v->wake_pending, 0, 1))
        return;
    SDL_Event ev = {.type = v->wake_event};
    SDL_PushEvent(&ev);
}

static int init_source(viewer *v, source *s)
{
    int rc = cc_session_init(&s->session);
    if (!rc)
        rc = cc_frames_new(&s->frames);
    for (int i = 0; i < 3; i++)
        cc_raw_bundle_init(&s->raw[i]);
    if (!rc)
        rc = cc_mailbox_init(&s->bundles, &s->raw[2]);
    if (!rc)
        rc = cc_bundle_decoder_init(&s->dec, &s->session, s->frames);
    if (rc)
        return rc;
    s->dec.on_frames = wake_render;
    s->dec.arg = v;
    s->dec.on_taken = kick_net;
    s->dec.taken_arg = v;
    return cc_bundle_decoder_start(&s->dec, &s->bundles, &s->raw[1]);
}

static int init_pipeline(viewer *v, const char *token)
{
    cc_net_target targets[CC_VIEWER_MAX_URLS];
    for (size_t i = 0; i < v->n_src; i++) {
        source *s = &v->src[i];
        int rc = init_source(v, s);
        if (rc)
            return rc;
        targets[i] = (cc_net_target){
            .url = s->url,
            .label = s->label,
            .ping_clock = !s->same_clock,
            .window = v->opt->window,
            .session = &s->session,
            .out = &s->bundles,
            .slot = &s->raw[0],
        };
    }
    return cc_net_start(&v->net, targets, v->n_src, token);
}

static void teardown_source(source *s)
{
    cc_bundle_decoder_stop(&s->dec);
    cc_bundle_decoder_destroy(&s->dec);
    if (s->bundles.lock)
        cc_mailbox_destroy(&s->bundles);
    for (int i = 0; i < 3; i++)
        cc_raw_bundle_destroy(&s->raw[i]);
    for (size_t i = 0; i < CC_MAX_TILES; i++)
        cc_tile_destroy(&s->tiles[i]);
    cc_frames_free(s->frames);
    s->frames = NULL;
    cc_hello_destroy(&s->hello);
    if (s->session.lock)
        cc_session_destroy(&s->session);
}

static void teardown(viewer *v)
{
    /* The decode threads first: they wake the net thread (acks). Then the
     * net thread, which feeds their mailboxes (closed, still there). Then
     * what they shared. */
    for (size_t i = 0; i < v->n_src; i++)
        cc_bundle_decoder_stop(&v->src[i].dec);
    cc_net_stop(&v->net);
    for (size_t i = 0; i < v->n_src; i++)
        teardown_source(&v->src[i]);
    cc_text_destroy(&v->text);
    if (v->ren)
        SDL_DestroyRenderer(v->ren);
    if (v->win)
        SDL_DestroyWindow(v->win);
    SDL_Quit();
}

/* ---- each server's hello and frames ---- */

static void name_tiles(source *s)
{
    for (size_t i = 0; i < s->n_tiles; i++) {
        const char *cam = s->hello.cameras[i].name;
        if (s->label[0])
            snprintf(s->names[i], sizeof s->names[i], "%s/%s", s->label, cam);
        else
            snprintf(s->names[i], sizeof s->names[i], "%s", cam);
    }
}

static void sync_hello(viewer *v, source *s, uint64_t now_ms)
{
    if (s->st.gen == s->gen)
        return;
    cc_hello h;
    uint64_t gen;
    if (cc_session_hello(&s->session, &h, &gen))
        return; /* out of memory: try again next frame */
    cc_hello_destroy(&s->hello);
    s->hello = h;
    s->gen = gen;
    s->n_tiles = h.n_cameras < CC_MAX_TILES ? h.n_cameras : CC_MAX_TILES;
    for (size_t i = 0; i < CC_MAX_TILES; i++) {
        cc_tile_reset(&s->tiles[i], now_ms);
        s->shown[i] = CC_TILE_WAITING;
        s->entry_w[i] = s->entry_h[i] = 0;
    }
    name_tiles(s);
    int si = (int)(s - v->src);
    if (v->solo_src == si && v->solo_tile >= (int)s->n_tiles)
        v->solo_src = -1;
    s->have_seq = false; /* a new server counts bundles from its own start */
    v->layout_sig[0] = '\0';
}

/* Counts the bundles that had a frame shown in this pass: seqs[] are the
 * bundle numbers of the frames taken. Bundles are decoded in order, so a
 * bundle at or below the last one counted was counted in an earlier pass
 * (its other tiles were taken then). */
static void count_bundles(viewer *v, source *s, const uint64_t *seqs, size_t n)
{
    uint64_t max = s->last_seq;
    for (size_t i = 0; i < n; i++) {
        bool seen = s->have_seq && seqs[i] <= s->last_seq;
        for (size_t j = 0; j < i && !seen; j++)
            seen = seqs[j] == seqs[i];
        if (seen)
            continue;
        v->bundles_shown++;
        max = !s->have_seq || seqs[i] > max ? seqs[i] : max;
    }
    if (n) {
        s->have_seq = true;
        s->last_seq = max;
    }
}

/* Latency needs the server's clock: ours where it is shared, ours plus the
 * measured offset where not. When that becomes possible the smoothed
 * value starts over, without the samples taken on the wrong clock. */
static bool latency_clock(source *s, int64_t *offset_ns)
{
    bool ok = s->same_clock || s->st.have_clock;
    *offset_ns = s->same_clock ? 0 : s->st.clock_offset_ns;
    if (ok && !s->latency_ok)
        for (size_t i = 0; i < s->n_tiles; i++)
            s->tiles[i].stats.have_latency = false;
    s->latency_ok = ok;
    return ok;
}

/* A tile's frames changed size: the server switched variants (or the
 * first frame came). Logged once per change, with the variant's name. */
static void log_entry_size(source *s, size_t i, size_t number, const cc_fb_entry *e)
{
    if (e->width == s->entry_w[i] && e->height == s->entry_h[i])
        return;
    s->entry_w[i] = e->width;
    s->entry_h[i] = e->height;
    const char *variant =
        cc_variant_of_size(&s->hello, &s->hello.cameras[i], e->width, e->height);
    cc_vlog_info("tile %zu %s: frames %" PRIu32 "x%" PRIu32 " (%s)", number,
                 s->names[i], e->width, e->height, variant ? variant : "reduced");
}

/* base: the tiles of the servers before this one. */
static void take_frames(viewer *v, source *s, size_t base, uint64_t now_ms)
{
    int64_t offset;
    latency_clock(s, &offset);
    uint64_t now_ns = cc_wall_ns() + (uint64_t)offset, seqs[CC_MAX_TILES];
    size_t n = 0;
    for (size_t i = 0; i < s->n_tiles; i++) {
        if (!cc_frames_take(s->frames, i))
            continue;
        const cc_frame *f = s->frames->consumer[i];
        cc_tile *t = &s->tiles[i];
        if (f->gen != s->gen)
            continue; /* decoded for the previous hello */
        if (cc_tile_upload(t, v->ren, f)) {
            if (cc_vlog_sample(++v->upload_failures))
                cc_vlog_warn("tile %s: texture: %s (%" PRIu64 " failures)", s->names[i],
                             SDL_GetError(), v->upload_failures);
            continue;
        }
        cc_tile_stats_frame(&t->stats, now_ms, now_ns, f->entry.capture_time_ns,
                            f->mux_time_ns, f->recv_ns, f->entry.dropped);
        v->frames_shown++;
        seqs[n++] = f->bundle_seq;
        log_entry_size(s, i, base + i + 1, &f->entry);
    }
    count_bundles(v, s, seqs, n);
}

/* ---- layout ---- */

static size_t total_tiles(const viewer *v)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n_src; i++)
        n += v->src[i].n_tiles;
    return n;
}

static void log_layout(viewer *v, int out_w, int out_h)
{
    uint64_t gens = 0;
    for (size_t k = 0; k < v->n_src; k++)
        gens += v->src[k].gen; /* they only grow: any new hello changes it */
    char sig[96];
    snprintf(sig, sizeof sig, "%dx%d/%zu/%d.%d/%" PRIu64, out_w, out_h, total_tiles(v),
             v->solo_src, v->solo_tile, gens);
    if (!strcmp(sig, v->layout_sig))
        return;
    snprintf(v->layout_sig, sizeof v->layout_sig, "%s", sig);
    /* Tests find the tiles in screenshots from these lines. */
    size_t number = 0;
    for (size_t k = 0; k < v->n_src; k++) {
        const source *s = &v->src[k];
        for (size_t i = 0; i < s->n_tiles; i++) {
            const cc_tile *t = &s->tiles[i];
            number++;
            if (t->image.w > 0)
                cc_vlog_info("layout %dx%d: tile %zu %s: cell %d,%d %dx%d image %d,%d %dx%d",
                             out_w, out_h, number, s->names[i], t->cell.x, t->cell.y,
                             t->cell.w, t->cell.h, t->image.x, t->image.y, t->image.w,
                             t->image.h);
        }
    }
}

/* Asks a server for the variant its tiles now call for, once the pick
 * has held for VARIANT_DEBOUNCE_MS (the network thread sends it). */
static void wish_variant(viewer *v, source *s, const cc_size *want, uint64_t now_ms)
{
    if (s->gen == 0)
        return;
    bool solo = v->solo_src == (int)(s - v->src);
    const char *pick = cc_variant_pick(&s->hello, want, s->n_tiles, solo);
    if (s->pick_gen != s->gen || strcmp(pick, s->pick)) {
        snprintf(s->pick, sizeof s->pick, "%s", pick);
        s->pick_gen = s->gen;
        s->pick_since_ms = now_ms;
    }
    if (now_ms - s->pick_since_ms < VARIANT_DEBOUNCE_MS ||
        (s->published_gen == s->gen && !strcmp(s->published, s->pick)))
        return;
    memcpy(s->published, s->pick, sizeof s->published);
    s->published_gen = s->gen;
    cc_session_want_variant(&s->session, s->gen, s->pick);
    cc_net_kick(&v->net);
}

/* One grid for the tiles of every server, in the order of the URLs. */
static void layout(viewer *v, cc_rect area, uint64_t now_ms)
{
    size_t n = 0, solo = SIZE_MAX;
    for (size_t k = 0; k < v->n_src; k++) {
        const source *s = &v->src[k];
        for (size_t i = 0; i < s->n_tiles; i++, n++) {
            v->sizes[n] = (cc_size){(int)s->hello.cameras[i].width,
                                    (int)s->hello.cameras[i].height};
            v->cells[n] = v->images[n] = (cc_rect){0, 0, 0, 0};
            if (v->solo_src == (int)k && v->solo_tile == (int)i)
                solo = n;
        }
    }
    if (solo != SIZE_MAX)
        cc_layout_grid(1, &v->sizes[solo], area, GAP, &v->cells[solo], &v->images[solo]);
    else
        cc_layout_grid(n, v->sizes, area, GAP, v->cells, v->images);
    n = 0;
    for (size_t k = 0; k < v->n_src; k++) {
        source *s = &v->src[k];
        cc_size *want = &v->sizes[n]; /* reused: the sizes are read above */
        for (size_t i = 0; i < s->n_tiles; i++, n++) {
            cc_rect img = v->images[n];
            s->tiles[i].cell = v->cells[n];
            s->tiles[i].image = img;
            want[i] = (cc_size){img.w > 0 ? img.w : 0, img.h > 0 ? img.h : 0};
            /* A hidden tile still decodes, at the smallest scale. */
            cc_frames_set_want(s->frames, i, img.w > 0 ? img.w : 1, img.h > 0 ? img.h : 1);
        }
        wish_variant(v, s, want, now_ms);
    }
}

/* ---- drawing ---- */

static void log_tile_state(source *s, size_t i, int number, cc_tile_status st,
                           const char *banner)
{
    if (st == s->shown[i])
        return;
    s->shown[i] = st;
    /* Each change once: tests and operators see a server's tiles go
     * offline and come back. */
    cc_vlog_info("tile %d %s: %s", number, s->names[i],
                 st == CC_TILE_LIVE ? "live" : banner);
}

/* L: the tile's histogram and clipped shares, once its levels came (the
 * first of them since L logged). */
static void draw_levels(viewer *v, source *s, size_t i, int number)
{
    cc_session_camera cam;
    cc_session_camera_get(&s->session, i, &cam);
    if (!cam.levels.have)
        return;
    char lines[CC_OVERLAY_LEVEL_LINES][CC_OVERLAY_LINE_CAP];
    cc_overlay_levels(&cam, lines);
    cc_render_levels(v->ren, &v->text, s->tiles[i].image, &cam.levels, lines);
    if (!s->levels_logged[i]) {
        s->levels_logged[i] = true;
        cc_vlog_info("tile %d %s: levels: %s%s%s", number, s->names[i], lines[0],
                     lines[1][0] ? "; " : "", lines[1]);
    }
}

static void draw_tile(viewer *v, source *s, size_t i, int number, uint64_t now_ms)
{
    cc_tile *t = &s->tiles[i];
    const cc_hello_camera *cam = &s->hello.cameras[i];
    const cc_frame *f = s->frames->consumer[i];
    cc_tile_stats_tick(&t->stats, now_ms);
    bool streaming = s->st.state == CC_CONN_STREAMING;
    cc_tile_status st = cc_tile_status_of(streaming, cam->online, &t->stats,
                                          t->since_ms, now_ms);
    char banner[64], lines[CC_OVERLAY_LINES][CC_OVERLAY_LINE_CAP];
    cc_overlay_banner(banner, sizeof banner, st, &t->stats, now_ms);
    log_tile_state(s, i, number, st, banner);
    bool shown = t->has_frame && f->gen == s->gen;
    const char *variant = NULL;
    if (shown && (f->entry.width != cam->width || f->entry.height != cam->height)) {
        variant = cc_variant_of_size(&s->hello, cam, f->entry.width, f->entry.height);
        variant = variant ? variant : "reduced";
    }
    cc_overlay_tile_in in = {
        .number = number,
        .name = s->names[i],
        .width = shown ? f->entry.width : cam->width,
        .height = shown ? f->entry.height : cam->height,
        .pixel_format = cam->pixel_format,
        .scale_num = shown ? f->scale_num : 1,
        .scale_denom = shown ? f->scale_denom : 1,
        .variant = variant,
        .stats = &t->stats,
        .same_clock = s->latency_ok,
        .viewer_dropped = cc_frames_replaced(s->frames, i),
        .sync_name = shown && f->sync_group >= 0 && (size_t)f->sync_group < s->hello.n_syncs
                         ? s->hello.syncs[f->sync_group].name : NULL,
        .sync_aligned = shown && f->sync_aligned,
        .sync_spread_ms = shown ? f->sync_spread_ms : -1,
    };
    cc_overlay_tile(&in, lines);
    cc_render_tile(v->ren, &v->text, t, lines, banner);
    if (v->levels && s->hello.control)
        draw_levels(v, s, i, number);
}

static void draw_status(viewer *v, cc_rect bar, uint64_t now_ms)
{
    cc_overlay_conn conns[CC_VIEWER_MAX_URLS];
    uint64_t skipped = 0;
    for (size_t k = 0; k < v->n_src; k++) {
        source *s = &v->src[k];
        skipped += cc_bundle_decoder_counts(&s->dec).skipped;
        conns[k] = (cc_overlay_conn){
            .url = s->url,
            .label = s->label,
            .session = &s->st,
            .n_cameras = s->hello.n_cameras,
            .stream_fps = s->hello.stream_fps,
        };
    }
    char left[400];
    cc_overlay_status_in in = {
        .url = v->src[0].url,
        .session = &v->src[0].st,
        .n_cameras = v->src[0].hello.n_cameras,
        .stream_fps = v->src[0].hello.stream_fps,
        .skipped = skipped,
        .paused = v->paused,
        .now_ms = now_ms,
        .conns = conns,
        .n_conns = v->n_src,
    };
    cc_overlay_status(left, sizeof left, &in);
    const char *right = now_ms < v->notice_until_ms ? v->notice : cc_overlay_keys();
    cc_render_status(v->ren, &v->text, bar, left, right);
}

/* What the window says when it has no tile to show. */
static const char *empty_text(const viewer *v)
{
    bool any_hello = false, all_offline = true;
    for (size_t k = 0; k < v->n_src; k++) {
        any_hello |= v->src[k].gen != 0;
        all_offline &= v->src[k].st.state == CC_CONN_WAITING;
    }
    if (any_hello)
        return v->n_src > 1 ? "the servers have no cameras" : "the server has no cameras";
    return all_offline ? "offline" : "connecting";
}

static void draw(viewer *v, uint64_t now_ms)
{
    int out_w, out_h;
    /* Framebuffer pixels (HiDPI: more than the window's points): what the
     * tiles and the variants are sized in. */
    SDL_GetRendererOutputSize(v->ren, &out_w, &out_h);
    int bar_h = cc_render_status_height(out_w);
    cc_rect area = {0, 0, out_w, out_h - bar_h > 0 ? out_h - bar_h : 0};
    cc_rect bar = {0, area.h, out_w, bar_h};
    layout(v, area, now_ms);
    log_layout(v, out_w, out_h);

    cc_render_clear(v->ren);
    int number = 0;
    for (size_t k = 0; k < v->n_src; k++)
        for (size_t i = 0; i < v->src[k].n_tiles; i++)
            draw_tile(v, &v->src[k], i, ++number, now_ms);
    if (number == 0)
        cc_render_centered(v->ren, &v->text, area, cc_render_text_scale(area.w) + 1,
                           empty_text(v));
    draw_status(v, bar, now_ms);
}

/* ---- keys ---- */

static void notice(viewer *v, uint64_t now_ms, const char *msg)
{
    snprintf(v->notice, sizeof v->notice, "%s", msg);
    v->notice_until_ms = now_ms + NOTICE_MS;
}

static int save_source(viewer *v, source *s, int *failed)
{
    int saved = 0;
    for (size_t i = 0; i < s->n_tiles; i++) {
        const cc_frame *f = s->frames->consumer[i];
        if (!s->tiles[i].has_frame || f->gen != s->gen)
            continue;
        char path[1024];
        /* With several servers the name has the server in it: two
         * servers' "left" cameras are two files. */
        int rc = cc_save_path(path, sizeof path, v->opt->save_dir, s->names[i],
                              f->entry.frame_id);
        if (!rc)
            rc = cc_save_file(path, f->jpeg, f->entry.payload_size);
        if (rc) {
            cc_vlog_error("saving camera %s: %s", s->names[i], strerror(-rc));
            (*failed)++;
        } else {
            cc_vlog_debug("saved %s (%" PRIu32 " bytes)", path, f->entry.payload_size);
            saved++;
        }
    }
    return saved;
}

static void save_frames(viewer *v, uint64_t now_ms)
{
    int saved = 0, failed = 0;
    for (size_t k = 0; k < v->n_src; k++)
        saved += save_source(v, &v->src[k], &failed);
    char msg[160];
    snprintf(msg, sizeof msg, "saved %d frames to %s%s", saved, v->opt->save_dir,
             failed ? " (some failed: see the log)" : "");
    cc_vlog_info("%s", msg);
    notice(v, now_ms, msg);
}

static void toggle_fullscreen(viewer *v)
{
    bool full = SDL_GetWindowFlags(v->win) & SDL_WINDOW_FULLSCREEN_DESKTOP;
    if (SDL_SetWindowFullscreen(v->win, full ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP))
        cc_vlog_warn("full screen: %s", SDL_GetError());
    else
        cc_vlog_info("%s", full ? "windowed" : "full screen");
}

static void toggle_pause(viewer *v)
{
    v->paused = !v->paused;
    cc_vlog_info("%s", v->paused ? "paused" : "resumed");
}

/* ---- camera control keys: L levels, E exposure, G gain ---- */

static void toggle_levels(viewer *v, uint64_t now_ms)
{
    v->levels = !v->levels;
    bool offered = false;
    for (size_t k = 0; k < v->n_src; k++) {
        source *s = &v->src[k];
        cc_session_want_levels(&s->session, v->levels);
        memset(s->levels_logged, 0, sizeof s->levels_logged);
        offered |= s->hello.control;
    }
    cc_net_kick(&v->net);
    const char *msg = !v->levels ? "levels off"
                      : offered ? "levels on"
                                : "levels on: no server offers them (camcastd 1.2 does)";
    cc_vlog_info("%s", msg);
    notice(v, now_ms, msg);
}

/* The tile the E and G keys act on: the one shown alone, else the one
 * under the mouse pointer. */
static bool key_tile(viewer *v, source **src, size_t *tile)
{
    if (v->solo_src >= 0) {
        *src = &v->src[v->solo_src];
        *tile = (size_t)v->solo_tile;
        return *tile < (*src)->n_tiles;
    }
    int x, y, win_w, win_h, out_w, out_h;
    SDL_GetMouseState(&x, &y);
    SDL_GetWindowSize(v->win, &win_w, &win_h);
    SDL_GetRendererOutputSize(v->ren, &out_w, &out_h);
    if (win_w > 0 && win_h > 0) { /* window points to framebuffer pixels (HiDPI) */
        x = (int)((int64_t)x * out_w / win_w);
        y = (int)((int64_t)y * out_h / win_h);
    }
    for (size_t k = 0; k < v->n_src; k++)
        for (size_t i = 0; i < v->src[k].n_tiles; i++) {
            cc_rect c = v->src[k].tiles[i].cell;
            if (c.w > 0 && x >= c.x && x < c.x + c.w && y >= c.y && y < c.y + c.h) {
                *src = &v->src[k];
                *tile = i;
                return true;
            }
        }
    return false;
}

/* Why tile's f cannot be stepped now into msg, or false when it can. */
static bool cannot_step(const source *s, size_t tile, const cc_session_camera *cam,
                        const char *what, char *msg, size_t cap)
{
    const char *name = s->names[tile];
    const cc_control_number *f = &cam->number[what[0] == 'e' ? CC_CONTROL_EXPOSURE
                                                             : CC_CONTROL_GAIN];
    if (!s->hello.control)
        snprintf(msg, cap, "%s: the server offers no camera control", name);
    else if (!cam->loaded)
        snprintf(msg, cap, "%s: camera settings not known yet", name);
    else if (!f->known)
        snprintf(msg, cap, "%s: the camera offers no %s", name, what);
    else if (!cam->may_set)
        snprintf(msg, cap, "%s: view only (the operator right: --token-file with the "
                 "control token)", name);
    else if (!cam->online)
        snprintf(msg, cap, "%s: camera offline", name);
    else if (!f->writable)
        snprintf(msg, cap, "%s: %s %s", name, f->name, f->why[0] ? f->why : "locked");
    else
        return false;
    return true;
}

static void step_feature(viewer *v, cc_control_which which, int dir, uint64_t now_ms)
{
    const char *what = which == CC_CONTROL_EXPOSURE ? "exposure" : "gain";
    char msg[200];
    source *s;
    size_t tile;
    cc_session_camera cam;
    double value;
    if (!key_tile(v, &s, &tile)) {
        snprintf(msg, sizeof msg, "%s: show a camera alone (1-9) or point at it", what);
    } else if (cc_session_camera_get(&s->session, tile, &cam),
               !cannot_step(s, tile, &cam, what, msg, sizeof msg)) {
        const cc_control_number *f = &cam.number[which];
        char from[48], to[48];
        cc_control_format(from, sizeof from, f, f->value);
        if (!cc_control_step(f, which, dir, &value)) {
            snprintf(msg, sizeof msg, "%s: %s %s is at its %s", s->names[tile], f->name,
                     from, dir > 0 ? "maximum" : "minimum");
        } else if (cc_session_post_set(&s->session, tile, which, value) < 0) {
            snprintf(msg, sizeof msg, "%s: too many settings waiting", s->names[tile]);
        } else {
            cc_control_format(to, sizeof to, f, value);
            snprintf(msg, sizeof msg, "%s: %s %s -> %s", s->names[tile], f->name, from, to);
            cc_net_kick(&v->net);
        }
    }
    cc_vlog_info("%s", msg);
    notice(v, now_ms, msg);
}

/* A set the server refused (the network thread logged it): on the bar. */
static void show_refusals(viewer *v, source *s, uint64_t now_ms)
{
    char msg[160];
    uint64_t n = cc_session_refusal(&s->session, msg, sizeof msg);
    if (n != s->refusals_shown) {
        s->refusals_shown = n;
        notice(v, now_ms, msg);
    }
}

/* Key 1-9: the tile of that number in the grid, whichever server's. */
static void show_alone(viewer *v, size_t number)
{
    for (size_t k = 0; k < v->n_src; k++) {
        if (number < v->src[k].n_tiles) {
            v->solo_src = (int)k;
            v->solo_tile = (int)number;
            return;
        }
        number -= v->src[k].n_tiles;
    }
}

static void on_key(viewer *v, SDL_Keysym keysym, uint64_t now_ms)
{
    SDL_Keycode key = keysym.sym;
    int dir = keysym.mod & KMOD_SHIFT ? -1 : 1; /* E, G up; with Shift, down */
    if (key == SDLK_q || key == SDLK_ESCAPE)
        v->quit = true;
    else if (key == SDLK_f)
        toggle_fullscreen(v);
    else if (key == SDLK_SPACE)
        toggle_pause(v);
    else if (key == SDLK_s)
        save_frames(v, now_ms);
    else if (key == SDLK_0)
        v->solo_src = -1;
    else if (key >= SDLK_1 && key <= SDLK_9)
        show_alone(v, (size_t)(key - SDLK_1));
    else if (key == SDLK_l)
        toggle_levels(v, now_ms);
    else if (key == SDLK_e)
        step_feature(v, CC_CONTROL_EXPOSURE, dir, now_ms);
    else if (key == SDLK_g)
        step_feature(v, CC_CONTROL_GAIN, dir, now_ms);
}

static void handle_event(viewer *v, const SDL_Event *ev, uint64_t now_ms)
{
    if (ev->type == SDL_QUIT)
        v->quit = true; /* also SIGINT and SIGTERM, through SDL */
    else if (ev->type == SDL_KEYDOWN && !ev->key.repeat)
        on_key(v, ev->key.keysym, now_ms);
    else if (ev->type == v->wake_event)
        SDL_AtomicSet(&v->wake_pending, 0);
}

static void pump_events(viewer *v)
{
    SDL_Event ev;
    if (!SDL_WaitEventTimeout(&ev, IDLE_WAIT_MS))
        return;
    do
        handle_event(v, &ev, SDL_GetTicks64());
    while (SDL_PollEvent(&ev));
}

/* ---- the end: --headless, --screenshot, --timeout ---- */

static void take_screenshot(viewer *v)
{
    const cc_viewer_options *o = v->opt;
    if (!o->screenshot || v->screenshot_done || v->bundles_shown < o->after)
        return;
    v->screenshot_done = true;
    if (cc_render_screenshot(v->ren, o->screenshot)) {
        cc_vlog_error("screenshot %s: %s", o->screenshot, SDL_GetError());
        v->status = 1;
    } else {
        cc_vlog_info("screenshot %s after %" PRIu64 " bundles", o->screenshot,
                     v->bundles_shown);
    }
}

static void check_done(viewer *v, uint64_t now_ms)
{
    const cc_viewer_options *o = v->opt;
    bool headless_done = !o->headless || v->bundles_shown >= o->headless;
    bool shot_done = !o->screenshot || v->screenshot_done;
    if ((o->headless || o->screenshot) && headless_done && shot_done)
        v->quit = true;
    if (o->timeout_s > 0 && now_ms - v->start_ms > (uint64_t)(o->timeout_s * 1000)) {
        cc_vlog_error("timed out after %.1f s", o->timeout_s);
        v->status = 1;
        v->quit = true;
    }
}

static void run_loop(viewer *v)
{
    while (!v->quit) {
        pump_events(v);
        uint64_t now_ms = SDL_GetTicks64();
        size_t base = 0;
        for (size_t k = 0; k < v->n_src; k++) {
            source *s = &v->src[k];
            s->st = cc_session_get_status(&s->session);
            sync_hello(v, s, now_ms);
            show_refusals(v, s, now_ms);
            if (!v->paused)
                take_frames(v, s, base, now_ms);
            base += s->n_tiles;
        }
        draw(v, now_ms);
        take_screenshot(v);
        SDL_RenderPresent(v->ren);
        check_done(v, now_ms);
    }
}

static bool url_is_local(const char *url)
{
    char host[256], path[1024];
    uint16_t port;
    return cc_ws_url_parse(url, host, sizeof host, &port, path, sizeof path) == 0 &&
           cc_host_is_local(host);
}

/* Zeroes the token's copy once the clients have their own (volatile: not
 * optimised away; explicit_bzero is not on every platform the viewer
 * builds on). */
static void forget(char *s, size_t n)
{
    volatile char *p = s;
    while (n--)
        *p++ = 0;
}

/* The token from --token-file, before any window opens. */
static int read_token(const cc_viewer_options *o, char token[CC_TOKEN_MAX + 1])
{
    if (!o->token_file)
        return 0;
    char err[512];
    int rc = cc_token_read_file(o->token_file, token, err, sizeof err);
    if (rc < 0)
        cc_vlog_error("--token-file %s", err);
    return rc;
}

static void init_sources(viewer *v)
{
    const cc_viewer_options *o = v->opt;
    v->n_src = o->n_urls;
    for (size_t k = 0; k < v->n_src; k++) {
        source *s = &v->src[k];
        s->url = o->urls[k];
        s->same_clock = o->same_clock || url_is_local(s->url);
        /* One server: plain camera names, as always. */
        if (v->n_src > 1)
            cc_url_label(s->label, sizeof s->label, s->url);
    }
}

static void log_start(const viewer *v)
{
    for (size_t k = 0; k < v->n_src; k++)
        cc_vlog_info("viewer for %s (%s)", v->src[k].url,
                     v->src[k].same_clock ? "same clock: latency"
                                          : "other clock: jitter, latency once "
                                            "ping/pong has measured the offset");
}

int cc_viewer_run(const cc_viewer_options *o)
{
    static viewer v; /* big (tiles, frames): not on the stack */
    memset(&v, 0, sizeof v);
    v.opt = o;
    v.solo_src = -1;
    init_sources(&v);
    char token[CC_TOKEN_MAX + 1] = "";
    if (read_token(o, token) < 0)
        return 1;
    int rc = init_sdl(&v);
    if (rc) {
        cc_vlog_error("cannot open a window: %s", SDL_GetError());
        v.status = 1;
    } else if ((rc = init_pipeline(&v, o->token_file ? token : NULL)) != 0) {
        cc_vlog_error("cannot start: %s", strerror(-rc));
        v.status = 1;
    }
    forget(token, sizeof token);
    if (v.status == 0) {
        v.start_ms = SDL_GetTicks64();
        log_start(&v);
        run_loop(&v);
    }
    cc_bundle_counts c = {0};
    for (size_t k = 0; k < v.n_src; k++) {
        cc_bundle_counts s = cc_bundle_decoder_counts(&v.src[k].dec);
        c.malformed += s.malformed;
        c.undecodable += s.undecodable;
        c.rejected += s.rejected;
    }
    teardown(&v);
    printf("displayed %" PRIu64 " bundles, %" PRIu64 " frames, %" PRIu64
           " malformed, %" PRIu64 " undecodable, %" PRIu64 " rejected\n",
           v.bundles_shown, v.frames_shown, c.malformed, c.undecodable, c.rejected);
    return v.status;
}
