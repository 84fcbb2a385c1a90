#include "viewer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <camcast/token.h>
#include <camcast/ws_client.h>

#include "bundle_decoder.h"
#include "clock.h"
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

#define IDLE_WAIT_MS 100 /* redraw at least this often: clocks in overlays */
#define GAP 4            /* pixels between tiles */
#define NOTICE_MS 3000   /* how long "saved ..." stays on the status bar */

typedef struct viewer {
    const cc_viewer_options *opt;
    bool same_clock;
    SDL_Window *win;
    SDL_Renderer *ren;
    cc_text text;
    Uint32 wake_event;
    SDL_atomic_t wake_pending;

    cc_session session;
    cc_frames *frames;
    cc_raw_bundle raw[3];
    cc_mailbox bundles;
    cc_bundle_decoder dec;
    cc_net net;

    cc_hello hello;
    uint64_t gen;
    cc_tile tiles[CC_MAX_TILES];
    size_t n_tiles;
    int solo; /* the tile shown alone, or -1 for the grid */
    bool paused, quit;
    char layout_sig[64];
    char notice[160];
    uint64_t notice_until_ms;

    uint64_t start_ms;
    uint64_t bundles_shown, frames_shown, upload_failures;
    bool have_seq;
    uint64_t last_seq;
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

/* Decode thread: frames are ready. One wake event at a time is enough. */
static void wake_render(void *arg)
{
    viewer *v = arg;
    if (!SDL_AtomicCAS(&v->wake_pending, 0, 1))
        return;
    SDL_Event ev = {.type = v->wake_event};
    SDL_PushEvent(&ev);
}

static int init_pipeline(viewer *v, const char *token)
{
    int rc = cc_session_init(&v->session);
    if (!rc)
        rc = cc_frames_new(&v->frames);
    for (int i = 0; i < 3; i++)
        cc_raw_bundle_init(&v->raw[i]);
    if (!rc)
        rc = cc_mailbox_init(&v->bundles, &v->raw[2]);
    if (!rc)
        rc = cc_bundle_decoder_init(&v->dec, &v->session, v->frames);
    if (rc)
        return rc;
    v->dec.on_frames = wake_render;
    v->dec.arg = v;
    rc = cc_bundle_decoder_start(&v->dec, &v->bundles, &v->raw[1]);
    if (!rc)
        rc = cc_net_start(&v->net, v->opt->url, token, &v->session, &v->bundles,
                          &v->raw[0]);
    return rc;
}

static void teardown(viewer *v)
{
    /* Producers first: the net thread feeds the decoder, which feeds us. */
    cc_net_stop(&v->net);
    cc_bundle_decoder_stop(&v->dec);
    cc_bundle_decoder_destroy(&v->dec);
    if (v->bundles.lock)
        cc_mailbox_destroy(&v->bundles);
    for (int i = 0; i < 3; i++)
        cc_raw_bundle_destroy(&v->raw[i]);
    for (size_t i = 0; i < CC_MAX_TILES; i++)
        cc_tile_destroy(&v->tiles[i]);
    cc_frames_free(v->frames);
    cc_hello_destroy(&v->hello);
    if (v->session.lock)
        cc_session_destroy(&v->session);
    cc_text_destroy(&v->text);
    if (v->ren)
        SDL_DestroyRenderer(v->ren);
    if (v->win)
        SDL_DestroyWindow(v->win);
    SDL_Quit();
}

/* ---- the session's hello and the frames ---- */

static void sync_hello(viewer *v, uint64_t now_ms)
{
    cc_session_status st = cc_session_get_status(&v->session);
    if (st.gen == v->gen)
        return;
    cc_hello h;
    uint64_t gen;
    if (cc_session_hello(&v->session, &h, &gen))
        return; /* out of memory: try again next frame */
    cc_hello_destroy(&v->hello);
    v->hello = h;
    v->gen = gen;
    v->n_tiles = h.n_cameras < CC_MAX_TILES ? h.n_cameras : CC_MAX_TILES;
    for (size_t i = 0; i < CC_MAX_TILES; i++)
        cc_tile_reset(&v->tiles[i], now_ms);
    if (v->solo >= (int)v->n_tiles)
        v->solo = -1;
    v->have_seq = false; /* a new server counts bundles from its own start */
    v->layout_sig[0] = '\0';
}

/* Counts the bundles that had a frame shown in this pass: seqs[] are the
 * bundle numbers of the frames taken. Bundles are decoded in order, so a
 * bundle at or below the last one counted was counted in an earlier pass
 * (its other tiles were taken then). */
static void count_bundles(viewer *v, uint64_t *seqs, size_t n)
{
    uint64_t max = v->last_seq;
    for (size_t i = 0; i < n; i++) {
        bool seen = v->have_seq && seqs[i] <= v->last_seq;
        for (size_t j = 0; j < i && !seen; j++)
            seen = seqs[j] == seqs[i];
        if (seen)
            continue;
        v->bundles_shown++;
        max = !v->have_seq || seqs[i] > max ? seqs[i] : max;
    }
    if (n) {
        v->have_seq = true;
        v->last_seq = max;
    }
}

static void take_frames(viewer *v, uint64_t now_ms)
{
    uint64_t now_ns = cc_wall_ns(), seqs[CC_MAX_TILES];
    size_t n = 0;
    for (size_t i = 0; i < v->n_tiles; i++) {
        if (!cc_frames_take(v->frames, i))
            continue;
        const cc_frame *f = v->frames->consumer[i];
        cc_tile *t = &v->tiles[i];
        if (f->gen != v->gen)
            continue; /* decoded for the previous hello */
        if (cc_tile_upload(t, v->ren, f)) {
            if (cc_vlog_sample(++v->upload_failures))
                cc_vlog_warn("tile %zu: texture: %s (%" PRIu64 " failures)", i + 1,
                             SDL_GetError(), v->upload_failures);
            continue;
        }
        cc_tile_stats_frame(&t->stats, now_ms, now_ns, f->entry.capture_time_ns,
                            f->mux_time_ns, f->recv_ns, f->entry.dropped);
        v->frames_shown++;
        seqs[n++] = f->bundle_seq;
    }
    count_bundles(v, seqs, n);
}

/* ---- layout ---- */

static void log_layout(viewer *v, int out_w, int out_h)
{
    char sig[64];
    snprintf(sig, sizeof sig, "%dx%d/%zu/%d/%" PRIu64, out_w, out_h, v->n_tiles,
             v->solo, v->gen);
    if (!strcmp(sig, v->layout_sig))
        return;
    snprintf(v->layout_sig, sizeof v->layout_sig, "%s", sig);
    /* Tests find the tiles in screenshots from these lines. */
    for (size_t i = 0; i < v->n_tiles; i++) {
        const cc_tile *t = &v->tiles[i];
        if (t->image.w > 0)
            cc_vlog_info("layout %dx%d: tile %zu %s: cell %d,%d %dx%d image %d,%d %dx%d",
                         out_w, out_h, i + 1, v->hello.cameras[i].name, t->cell.x,
                         t->cell.y, t->cell.w, t->cell.h, t->image.x, t->image.y,
                         t->image.w, t->image.h);
    }
}

static void layout(viewer *v, cc_rect area)
{
    cc_size sizes[CC_MAX_TILES];
    cc_rect cells[CC_MAX_TILES], images[CC_MAX_TILES];
    for (size_t i = 0; i < v->n_tiles; i++)
        sizes[i] = (cc_size){(int)v->hello.cameras[i].width,
                             (int)v->hello.cameras[i].height};
    if (v->solo >= 0) {
        for (size_t i = 0; i < v->n_tiles; i++)
            cells[i] = images[i] = (cc_rect){0, 0, 0, 0};
        cc_layout_grid(1, &sizes[v->solo], area, GAP, &cells[v->solo], &images[v->solo]);
    } else {
        cc_layout_grid(v->n_tiles, sizes, area, GAP, cells, images);
    }
    for (size_t i = 0; i < v->n_tiles; i++) {
        v->tiles[i].cell = cells[i];
        v->tiles[i].image = images[i];
        /* A hidden tile still decodes, at the smallest scale. */
        int w = images[i].w > 0 ? images[i].w : 1, h = images[i].h > 0 ? images[i].h : 1;
        cc_frames_set_want(v->frames, i, w, h);
    }
}

/* ---- drawing ---- */

static void draw_tile(viewer *v, size_t i, bool streaming, uint64_t now_ms)
{
    cc_tile *t = &v->tiles[i];
    const cc_hello_camera *cam = &v->hello.cameras[i];
    const cc_frame *f = v->frames->consumer[i];
    cc_tile_stats_tick(&t->stats, now_ms);
    cc_tile_status st = cc_tile_status_of(streaming, cam->online, &t->stats,
                                          t->since_ms, now_ms);
    char banner[64], lines[CC_OVERLAY_LINES][CC_OVERLAY_LINE_CAP];
    cc_overlay_banner(banner, sizeof banner, st, &t->stats, now_ms);
    bool shown = t->has_frame && f->gen == v->gen;
    cc_overlay_tile_in in = {
        .number = (int)i + 1,
        .name = cam->name,
        .width = shown ? f->entry.width : cam->width,
        .height = shown ? f->entry.height : cam->height,
        .pixel_format = cam->pixel_format,
        .scale_num = shown ? f->scale_num : 1,
        .scale_denom = shown ? f->scale_denom : 1,
        .stats = &t->stats,
        .same_clock = v->same_clock,
        .viewer_dropped = cc_frames_replaced(v->frames, i),
    };
    cc_overlay_tile(&in, lines);
    cc_render_tile(v->ren, &v->text, t, lines, banner);
}

static void draw_status(viewer *v, cc_rect bar, const cc_session_status *st,
                        uint64_t now_ms)
{
    char left[320];
    cc_overlay_status_in in = {
        .url = v->opt->url,
        .session = st,
        .n_cameras = v->hello.n_cameras,
        .stream_fps = v->hello.stream_fps,
        .skipped = cc_bundle_decoder_counts(&v->dec).skipped,
        .paused = v->paused,
        .now_ms = now_ms,
    };
    cc_overlay_status(left, sizeof left, &in);
    const char *right = now_ms < v->notice_until_ms ? v->notice : cc_overlay_keys();
    cc_render_status(v->ren, &v->text, bar, left, right);
}

static void draw(viewer *v, uint64_t now_ms)
{
    int out_w, out_h;
    SDL_GetRendererOutputSize(v->ren, &out_w, &out_h);
    int bar_h = cc_render_status_height(out_w);
    cc_rect area = {0, 0, out_w, out_h - bar_h > 0 ? out_h - bar_h : 0};
    cc_rect bar = {0, area.h, out_w, bar_h};
    cc_session_status st = cc_session_get_status(&v->session);
    layout(v, area);
    log_layout(v, out_w, out_h);

    cc_render_clear(v->ren);
    bool streaming = st.state == CC_CONN_STREAMING;
    for (size_t i = 0; i < v->n_tiles; i++)
        draw_tile(v, i, streaming, now_ms);
    if (v->gen == 0)
        cc_render_centered(v->ren, &v->text, area, cc_render_text_scale(area.w) + 1,
                           st.state == CC_CONN_WAITING ? "offline" : "connecting");
    else if (v->n_tiles == 0)
        cc_render_centered(v->ren, &v->text, area, cc_render_text_scale(area.w) + 1,
                           "the server has no cameras");
    draw_status(v, bar, &st, now_ms);
}

/* ---- keys ---- */

static void notice(viewer *v, uint64_t now_ms, const char *msg)
{
    snprintf(v->notice, sizeof v->notice, "%s", msg);
    v->notice_until_ms = now_ms + NOTICE_MS;
}

static void save_frames(viewer *v, uint64_t now_ms)
{
    int saved = 0, failed = 0;
    for (size_t i = 0; i < v->n_tiles; i++) {
        const cc_frame *f = v->frames->consumer[i];
        if (!v->tiles[i].has_frame || f->gen != v->gen)
            continue;
        char path[1024];
        int rc = cc_save_path(path, sizeof path, v->opt->save_dir,
                              v->hello.cameras[i].name, f->entry.frame_id);
        if (!rc)
            rc = cc_save_file(path, f->jpeg, f->entry.payload_size);
        if (rc) {
            cc_vlog_error("saving camera %s: %s", v->hello.cameras[i].name, strerror(-rc));
            failed++;
        } else {
            cc_vlog_debug("saved %s (%" PRIu32 " bytes)", path, f->entry.payload_size);
            saved++;
        }
    }
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

static void on_key(viewer *v, SDL_Keycode key, uint64_t now_ms)
{
    if (key == SDLK_q || key == SDLK_ESCAPE)
        v->quit = true;
    else if (key == SDLK_f)
        toggle_fullscreen(v);
    else if (key == SDLK_SPACE)
        toggle_pause(v);
    else if (key == SDLK_s)
        save_frames(v, now_ms);
    else if (key == SDLK_0)
        v->solo = -1;
    else if (key >= SDLK_1 && key <= SDLK_9 && (size_t)(key - SDLK_1) < v->n_tiles)
        v->solo = (int)(key - SDLK_1);
}

static void handle_event(viewer *v, const SDL_Event *ev, uint64_t now_ms)
{
    if (ev->type == SDL_QUIT)
        v->quit = true; /* also SIGINT and SIGTERM, through SDL */
    else if (ev->type == SDL_KEYDOWN && !ev->key.repeat)
        on_key(v, ev->key.keysym.sym, now_ms);
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
        sync_hello(v, now_ms);
        if (!v->paused)
            take_frames(v, now_ms);
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

/* Zeroes the token's copy once the client has its own (volatile: not
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

int cc_viewer_run(const cc_viewer_options *o)
{
    static viewer v; /* big (tiles, frames): not on the stack */
    memset(&v, 0, sizeof v);
    v.opt = o;
    v.solo = -1;
    v.same_clock = o->same_clock || url_is_local(o->url);
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
        cc_vlog_info("viewer for %s (%s)", o->url,
                     v.same_clock ? "same clock: latency" : "other clock: jitter");
        run_loop(&v);
    }
    cc_bundle_counts c = cc_bundle_decoder_counts(&v.dec);
    teardown(&v);
    printf("displayed %" PRIu64 " bundles, %" PRIu64 " frames, %" PRIu64
           " malformed, %" PRIu64 " undecodable, %" PRIu64 " rejected\n",
           v.bundles_shown, v.frames_shown, c.malformed, c.undecodable, c.rejected);
    return v.status;
}
