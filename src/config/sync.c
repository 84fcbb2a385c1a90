/* [sync NAME]: cameras that capture one moment together. The section is
 * read as written; cc_sync_resolve checks it against the cameras at the end
 * of the file (a group may come before its cameras) and gives each camera
 * its part (cc_camera_config.sync, and the trigger the group asks of it). */
#include "config/sync.h"

#include "config/load.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static int note_cameras(cc_load *st, void *obj, const char *value)
{
    ((cc_sync_config *)obj)->cameras_line = st->line;
    return cc_need_value(st, obj, value);
}

/* software, free, or the trigger line the cameras share ("Line1"). GigE
 * Vision action commands are not implemented: said so, not taken for a
 * line named "action". */
static void parse_trigger(cc_load *st, void *obj, const char *value)
{
    cc_sync_config *s = obj;
    s->trigger_key_line = st->line;
    if (strcasecmp(value, "software") == 0)
        s->trigger = CC_SYNC_SOFTWARE;
    else if (strcasecmp(value, "free") == 0)
        s->trigger = CC_SYNC_FREE;
    else if (strcasecmp(value, "action") == 0)
        cc_key_error(st, "GigE Vision action commands are not supported by this camcastd "
                     "(use software, free or the trigger line the cameras share)");
    else if (cc_valid_feature_name(value) && strlen(value) < CC_NAME_MAX) {
        s->trigger = CC_SYNC_LINE;
        snprintf(s->trigger_line, sizeof s->trigger_line, "%s", value);
    } else
        cc_key_error(st, "expected software, free or a trigger line such as Line1, "
                     "got '%s'", value);
}

const char *cc_sync_trigger_name(const cc_sync_config *s)
{
    switch (s->trigger) {
    case CC_SYNC_SOFTWARE: return "software";
    case CC_SYNC_FREE: return "free";
    case CC_SYNC_LINE: return s->trigger_line;
    case CC_SYNC_NONE: break;
    }
    return "";
}

static const char *format_trigger(const void *obj, char *buf, size_t len)
{
    (void)buf;
    (void)len;
    return cc_sync_trigger_name(obj);
}

enum { S_CAMERAS, S_TRIGGER, S_TOLERANCE, S_WAIT };
static const cc_key sync_keys[] = {
    [S_CAMERAS] = CC_TEXT("cameras", NULL, cc_sync_config, cameras_text,
                          .check = note_cameras),
    [S_TRIGGER] = CC_CUSTOM("trigger", NULL, cc_sync_config, trigger, parse_trigger,
                            format_trigger),
    [S_TOLERANCE] = CC_UINT("tolerance_us", 1, 1000000, "500", cc_sync_config,
                            tolerance_us),
    /* 0: one frame interval of the group's slowest camera */
    [S_WAIT] = CC_NUMBER("wait_ms", 0.1, 10000, NULL, cc_sync_config, wait_ms,
                         .flags = CC_KEY_OMIT_EMPTY),
};

static void *current_sync(cc_load *st)
{
    cc_server_config *s = &st->cfg->server;
    return &s->syncs[s->n_syncs - 1];
}

static void end_sync(cc_load *st)
{
    static const int required[] = {S_CAMERAS, S_TRIGGER};
    for (size_t i = 0; i < CC_N_OF(required); i++)
        if (!st->sec.key_lines[required[i]])
            cc_load_fail(st, st->sec.line, "%s missing required key '%s'", st->sec.label,
                         sync_keys[required[i]].name);
}

static int find_sync(const cc_server_config *s, const char *name)
{
    for (size_t i = 0; i < s->n_syncs; i++)
        if (strcmp(s->syncs[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void begin_sync(cc_load *st, const char *name, size_t len)
{
    cc_server_config *s = &st->cfg->server;
    snprintf(st->sec.label, sizeof st->sec.label, "[sync %.*s]", (int)len, name);
    if (!cc_valid_name(name, len)) {
        cc_load_fail(st, st->line, "%s invalid sync group name '%.*s' (1..%d characters "
                     "of A-Z a-z 0-9 _ . -)", st->sec.label, (int)len, name,
                     CC_NAME_MAX - 1);
        return;
    }
    char gname[CC_NAME_MAX];
    snprintf(gname, sizeof gname, "%.*s", (int)len, name);
    int first = find_sync(s, gname);
    if (first >= 0)
        cc_load_fail(st, st->line, "%s duplicate sync group name (first defined at line "
                     "%d)", st->sec.label, s->syncs[first].line);
    else if (s->n_syncs == CC_MAX_SYNC)
        cc_load_fail(st, st->line, "%s too many sync groups (at most %d)", st->sec.label,
                     CC_MAX_SYNC);
    if (st->rc)
        return;
    cc_sync_config *g = &s->syncs[s->n_syncs++];
    *g = (cc_sync_config){.line = st->line};
    memcpy(g->name, gname, sizeof gname);
    cc_load_enter(st, &cc_sync_section, g);
}

const cc_section_type cc_sync_section = {
    .name = "sync",
    .named = true,
    .keys = sync_keys,
    .n_keys = CC_N_OF(sync_keys),
    .begin = begin_sync,
    .object = current_sync,
    .end = end_sync,
};

void cc_sync_config_write(const cc_sync_config *g, const cc_config *cfg, FILE *out)
{
    char names[CC_VALUE_MAX] = "";
    for (size_t i = 0; i < cfg->n_cameras; i++) {
        size_t used = strlen(names);
        if (g->cameras >> i & 1)
            snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "",
                     cfg->cameras[i].name);
    }
    fprintf(out, "\n[sync %s]\n", g->name);
    cc_write_text_key(out, "", "cameras", names);
    cc_keys_write(out, sync_keys + S_TRIGGER, CC_N_OF(sync_keys) - S_TRIGGER, g);
}

/* ---- against the cameras, at the end of the file ---- */

static int camera_index(const cc_config *cfg, const char *name, size_t len)
{
    for (size_t i = 0; i < cfg->n_cameras; i++)
        if (strlen(cfg->cameras[i].name) == len &&
            memcmp(cfg->cameras[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

/* cameras = a, b, c: each a [camera NAME], in no other group, once. */
static void resolve_names(cc_load *st, size_t gi, uint64_t *taken, const int *taken_by)
{
    cc_server_config *s = &st->cfg->server;
    cc_sync_config *g = &s->syncs[gi];
    const char *label = g->name;
    int line = g->cameras_line;
    for (const char *p = g->cameras_text; *p && !st->rc;) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, ",");
        while (n && isspace((unsigned char)p[n - 1]))
            n--;
        if (!n)
            break;
        int i = camera_index(st->cfg, p, n);
        if (i < 0)
            cc_load_fail(st, line, "[sync %s] cameras: no [camera %.*s]", label, (int)n, p);
        else if (g->cameras >> i & 1)
            cc_load_fail(st, line, "[sync %s] cameras: camera %.*s is listed twice", label,
                         (int)n, p);
        else if (*taken >> i & 1)
            cc_load_fail(st, line, "[sync %s] cameras: camera %.*s is in [sync %s] already "
                         "(line %d): a camera can be in one group", label, (int)n, p,
                         s->syncs[taken_by[i]].name, s->syncs[taken_by[i]].line);
        else
            g->cameras |= UINT64_C(1) << i;
        p += strcspn(p, ",");
    }
    if (!st->rc && __builtin_popcountll(g->cameras) < 2)
        cc_load_fail(st, line, "[sync %s] cameras: a group needs at least two cameras, "
                     "got %d", label, __builtin_popcountll(g->cameras));
    *taken |= g->cameras;
}

/* The camera's own trigger key, when given, must be what the group asks. */
static void check_camera_trigger(cc_load *st, const cc_sync_config *g,
                                 const cc_camera_config *c, cc_trigger want)
{
    const cc_aravis_config *a = &c->aravis;
    if (!cc_camera_has(c, CC_KEY_TRIGGER) ||
        (a->trigger == want &&
         (want != CC_TRIGGER_LINE || strcmp(a->trigger_source, g->trigger_line) == 0)))
        return;
    const char *mine = a->trigger == CC_TRIGGER_OFF        ? "off"
                       : a->trigger == CC_TRIGGER_SOFTWARE ? "software"
                                                           : a->trigger_source;
    cc_load_fail(st, c->key_line[CC_KEY_TRIGGER], "[camera %s] trigger: %s, but its [sync "
                 "%s] (line %d) has trigger = %s: leave the key out or make them agree",
                 c->name, mine, g->name, g->line, cc_sync_trigger_name(g));
}

/* What the group asks of camera c; software groups fire their cameras at
 * one rate, so every camera of one has the same grab_fps. */
static void apply_to_camera(cc_load *st, const cc_sync_config *g, cc_camera_config *c,
                            const cc_camera_config *first)
{
    static const cc_trigger by_group[] = {
        [CC_SYNC_SOFTWARE] = CC_TRIGGER_SOFTWARE,
        [CC_SYNC_FREE] = CC_TRIGGER_OFF,
        [CC_SYNC_LINE] = CC_TRIGGER_LINE,
    };
    cc_aravis_config *a = &c->aravis;
    if (c->source != CC_SOURCE_ARAVIS && g->trigger == CC_SYNC_LINE) {
        cc_load_fail(st, g->trigger_key_line, "[sync %s] trigger: %s is a camera's trigger "
                     "input, and camera %s is a %s", g->name, g->trigger_line, c->name,
                     cc_source_kind_name(c->source));
        return;
    }
    if (c->source == CC_SOURCE_ARAVIS) {
        check_camera_trigger(st, g, c, by_group[g->trigger]);
        if (st->rc)
            return;
        a->trigger = by_group[g->trigger];
        if (g->trigger == CC_SYNC_LINE)
            snprintf(a->trigger_source, sizeof a->trigger_source, "%s", g->trigger_line);
        if (g->trigger == CC_SYNC_SOFTWARE && !cc_camera_has(c, CC_KEY_GRAB_FPS)) {
            cc_load_fail(st, c->line, "[camera %s] missing key 'grab_fps' (required in "
                         "[sync %s], trigger = software)", c->name, g->name);
            return;
        }
    }
    if (g->trigger == CC_SYNC_SOFTWARE && c->grab_fps != first->grab_fps)
        cc_load_fail(st, g->cameras_line, "[sync %s] cameras: %s has grab_fps %g and %s "
                     "%g: trigger = software fires the group at one rate", g->name,
                     first->name, first->grab_fps, c->name, c->grab_fps);
}

static void resolve_group(cc_load *st, size_t gi)
{
    cc_config *cfg = st->cfg;
    cc_sync_config *g = &cfg->server.syncs[gi];
    const cc_camera_config *first = NULL;
    double slowest_ms = 0;
    for (size_t i = 0; i < cfg->n_cameras && !st->rc; i++) {
        if (!(g->cameras >> i & 1))
            continue;
        cc_camera_config *c = &cfg->cameras[i];
        if (!first)
            first = c;
        apply_to_camera(st, g, c, first);
        double interval = 1000.0 / c->grab_fps;
        slowest_ms = interval > slowest_ms ? interval : slowest_ms;
    }
    g->wait_resolved_ms = g->wait_ms > 0 ? g->wait_ms : slowest_ms;
    for (size_t i = 0; i < cfg->n_cameras; i++) {
        if (g->cameras >> i & 1)
            cfg->cameras[i].sync = (cc_camera_sync){.group = (int)gi, .trigger = g->trigger,
                                                    .wait_ms = g->wait_resolved_ms};
    }
}

void cc_sync_resolve(cc_load *st)
{
    cc_server_config *s = &st->cfg->server;
    uint64_t taken = 0;
    int taken_by[CC_MAX_CAMERAS] = {0};
    for (size_t gi = 0; gi < s->n_syncs && !st->rc; gi++) {
        resolve_names(st, gi, &taken, taken_by);
        for (size_t i = 0; i < CC_MAX_CAMERAS; i++)
            if (s->syncs[gi].cameras >> i & 1)
                taken_by[i] = (int)gi;
    }
    for (size_t gi = 0; gi < s->n_syncs && !st->rc; gi++)
        resolve_group(st, gi);
}
