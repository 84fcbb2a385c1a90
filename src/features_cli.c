#include "features_cli.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture/camera.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define TIMEOUT_MS 5000
#define ANSWER_MAX (8u << 20)

static const cc_camera_config *find_camera(const cc_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_cameras; i++)
        if (strcmp(cfg->cameras[i].name, name) == 0)
            return &cfg->cameras[i];
    return NULL;
}

static void list_names(const cc_config *cfg, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < cfg->n_cameras && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                                 cfg->cameras[i].name);
}

/* ---- --list-features ---- */

static void print_feature(const cc_feature_state *f)
{
    char value[CC_FEATURE_TEXT_MAX + 32] = "-", range[CC_FEATURE_ENTRIES_BYTES + 64];
    if (f->kind != CC_FEATURE_COMMAND)
        cc_feature_value_format(&f->value, value, sizeof value);
    cc_feature_describe_range(f, range, sizeof range);
    printf("%-26s %-8s %-14s %-8s %s\n", f->name, cc_feature_kind_name(f->kind), value,
           f->writable ? "yes" : "no", range);
    if (!f->writable && f->why[0])
        printf("%-26s %-8s %-14s %-8s (%s)\n", "", "", "", "", f->why);
}

int cc_list_features(const cc_config *cfg, const char *name)
{
    const cc_camera_config *cc = find_camera(cfg, name);
    char err[1024];
    if (!cc) {
        list_names(cfg, err, sizeof err);
        fprintf(stderr, "camcastd: --list-features: no [camera %s] in %s (it has: %s)\n",
                name, cfg->path, err);
        return EXIT_USAGE;
    }
    cc_camera cam;
    int rc = cc_camera_init(&cam, cc, 0, cfg->server.stream_fps, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "camcastd: %s\n", err);
        return rc == -ENODEV || rc == -EINVAL || rc == -ENOTSUP ? EXIT_USAGE : EXIT_FAILED;
    }
    cc_source *src = cam.source;
    static cc_feature_state table[CC_FEATURES_MAX];
    int n = -1;
    if (!src->connected)
        fprintf(stderr, "camcastd: camera %s is offline: %s\n", name, cam.reason);
    else if (!src->ops->list_features)
        fprintf(stderr, "camcastd: camera %s has no features to set\n", name);
    else
        n = src->ops->list_features(src, table, CC_FEATURES_MAX);
    if (n >= 0) {
        printf("%-26s %-8s %-14s %-8s %s\n", "FEATURE", "KIND", "VALUE", "WRITABLE",
               "TAKES");
        for (int i = 0; i < n; i++)
            print_feature(&table[i]);
    }
    cc_camera_destroy(&cam); /* releases the device */
    return n >= 0 ? EXIT_SUCCESS : EXIT_FAILED;
}

/* ---- --save-config: asking the running daemon ---- */

/* Where the daemon listens, as a client reaches it: a wildcard address
 * means this host. */
static int daemon_address(const cc_server_config *s, struct sockaddr_storage *ss,
                          socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    if (strchr(s->listen, ':')) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(s->port);
        const char *host = strcmp(s->listen, "::") == 0 ? "::1" : s->listen;
        *len = sizeof *a;
        return inet_pton(AF_INET6, host, &a->sin6_addr) == 1 ? 0 : -EINVAL;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(s->port);
    const char *host = strcmp(s->listen, "0.0.0.0") == 0 ? "127.0.0.1" : s->listen;
    *len = sizeof *a;
    return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -EINVAL;
}

static int wait_fd(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    int n = poll(&p, 1, TIMEOUT_MS);
    return n == 1 ? 0 : n == 0 ? -ETIMEDOUT : -errno;
}

static int connect_daemon(const cc_server_config *s)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (daemon_address(s, &ss, &len) < 0)
        return -EINVAL;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    int rc = connect(fd, (struct sockaddr *)&ss, len) == 0 ? 0 : -errno;
    if (rc == -EINPROGRESS) {
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        rc = wait_fd(fd, POLLOUT);
        if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0)
            rc = -soerr;
    }
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) {
            int rc = wait_fd(fd, POLLOUT);
            if (rc < 0)
                return rc;
            continue;
        }
        if (n < 0)
            return errno == EINTR ? 0 : -errno;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Everything until the daemon closes (it always does), bounded. */
static int read_all(int fd, char **out, size_t *len)
{
    size_t cap = 65536, used = 0;
    char *buf = malloc(cap + 1);
    int rc = buf ? 0 : -ENOMEM;
    while (rc == 0) {
        if (used == cap) {
            char *more = cap < ANSWER_MAX ? realloc(buf, cap * 2 + 1) : NULL;
            if (!more) {
                rc = cap < ANSWER_MAX ? -ENOMEM : -EFBIG;
                break;
            }
            buf = more;
            cap *= 2;
        }
        ssize_t n = recv(fd, buf + used, cap - used, 0);
        if (n > 0)
            used += (size_t)n;
        else if (n == 0)
            break;
        else if (errno == EAGAIN)
            rc = wait_fd(fd, POLLIN);
        else if (errno != EINTR)
            rc = -errno;
    }
    if (rc < 0) {
        free(buf);
        return rc;
    }
    buf[used] = '\0';
    *out = buf;
    *len = used;
    return 0;
}

/* GET /api/cameras: the parsed answer, or NULL with the reason printed. */
static cJSON *ask_daemon(const cc_server_config *s)
{
    int fd = connect_daemon(s);
    if (fd < 0) {
        fprintf(stderr, "camcastd: --save-config: cannot reach the daemon on %s port %u: "
                "%s (is it running with this config? --listen says where)\n", s->listen,
                s->port, strerror(-fd));
        return NULL;
    }
    /* The viewing right reads; the control token has it too. */
    const char *token = s->token[0] ? s->token : s->control_token;
    char req[512];
    snprintf(req, sizeof req, "GET /api/cameras HTTP/1.1\r\nHost: camcastd\r\n%s%s%s"
             "Connection: close\r\n\r\n", token[0] ? "Authorization: Bearer " : "", token,
             token[0] ? "\r\n" : "");
    char *answer = NULL;
    size_t len = 0;
    int rc = send_all(fd, req, strlen(req));
    if (rc == 0)
        rc = read_all(fd, &answer, &len);
    close(fd);
    if (rc < 0) {
        fprintf(stderr, "camcastd: --save-config: asking the daemon: %s\n", strerror(-rc));
        return NULL;
    }
    int status = 0;
    const char *body = strstr(answer, "\r\n\r\n");
    if (sscanf(answer, "HTTP/1.1 %d", &status) != 1 || !body || status != 200) {
        fprintf(stderr, "camcastd: --save-config: the daemon answered %d: %.200s\n", status,
                body ? body + 4 : answer);
        free(answer);
        return NULL;
    }
    cJSON *root = cJSON_Parse(body + 4);
    free(answer);
    if (!cJSON_IsObject(root))
        fprintf(stderr, "camcastd: --save-config: the daemon's answer is not JSON\n");
    return root;
}

/* ---- --save-config: the live values into the config ---- */

static bool named(const char *name, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

static const char *const exposure_names[] = {"ExposureTime", "ExposureTimeAbs"};
static const char *const gain_names[] = {"Gain", "GainAbs", "GainRaw"};
static const char *const rate_names[] = {"AcquisitionFrameRate", "AcquisitionFrameRateAbs"};

static void give(cc_camera_config *c, cc_camera_key key)
{
    c->set |= UINT32_C(1) << key;
}

/* A key the file sets after the feature.NAME lines (genicam.h) must say
 * the live value, or it would undo it at the next start. */
static bool set_key_instead(cc_camera_config *c, const char *name, double v)
{
    bool test = c->source == CC_SOURCE_TESTPATTERN;
    if (named(name, exposure_names, 2) && (test || cc_camera_has(c, CC_KEY_EXPOSURE_US))) {
        c->aravis.exposure_us = v;
        give(c, CC_KEY_EXPOSURE_US);
        return true;
    }
    if (named(name, gain_names, 3) && (test || cc_camera_has(c, CC_KEY_GAIN_DB))) {
        c->aravis.gain_db = v;
        give(c, CC_KEY_GAIN_DB);
        return true;
    }
    if (named(name, rate_names, 2) && cc_camera_has(c, CC_KEY_GRAB_FPS) &&
        c->aravis.trigger == CC_TRIGGER_OFF) {
        c->grab_fps = v;
        return true;
    }
    return false;
}

/* An automatic control left on: the key that would turn it off goes. */
static void auto_left_on(cc_camera_config *c, const char *name, const char *v)
{
    if (strcmp(v, "Off") == 0)
        return;
    if (strcmp(name, "ExposureAuto") == 0)
        c->set &= ~(UINT32_C(1) << CC_KEY_EXPOSURE_US);
    if (strcmp(name, "GainAuto") == 0)
        c->set &= ~(UINT32_C(1) << CC_KEY_GAIN_DB);
}

/* The trigger key is applied after the feature lines: TriggerMode is said
 * there. Returns false when the mode cannot be said in a config. */
static bool set_trigger(cc_camera_config *c, const char *mode, const char *source)
{
    cc_aravis_config *a = &c->aravis;
    if (strcmp(mode, "Off") == 0) {
        a->trigger = CC_TRIGGER_OFF;
    } else if (source && strcmp(source, "Software") != 0) {
        a->trigger = CC_TRIGGER_LINE;
        snprintf(a->trigger_source, sizeof a->trigger_source, "%s", source);
    } else {
        return false; /* trigger = software means camcastd fires them itself */
    }
    give(c, CC_KEY_TRIGGER);
    return true;
}

static const char *string_value(const cJSON *list, const char *name)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, list) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(f, "name");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(f, "value");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0 && cJSON_IsString(v))
            return v->valuestring;
    }
    return NULL;
}

static int apply_live(cc_camera_config *c, const cJSON *live, const cJSON *features)
{
    const cJSON *one;
    int kept = 0;
    cJSON_ArrayForEach(one, live) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(one, "name");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(one, "value");
        if (!cJSON_IsString(n))
            continue;
        const char *name = n->valuestring;
        char text[CC_VALUE_MAX];
        if (cJSON_IsNumber(v))
            snprintf(text, sizeof text, "%.15g", v->valuedouble);
        else if (cJSON_IsBool(v))
            snprintf(text, sizeof text, "%s", cJSON_IsTrue(v) ? "true" : "false");
        else if (cJSON_IsString(v))
            snprintf(text, sizeof text, "%s", v->valuestring);
        else
            continue;
        if (cJSON_IsNumber(v) && set_key_instead(c, name, v->valuedouble)) {
            kept++;
            continue;
        }
        if (c->source != CC_SOURCE_ARAVIS)
            continue; /* the test pattern has keys only */
        if (strcmp(name, "TriggerMode") == 0) {
            const char *source = string_value(live, "TriggerSource");
            if (!source)
                source = string_value(features, "TriggerSource");
            if (!set_trigger(c, text, source))
                fprintf(stderr, "camcastd: --save-config: camera %s: TriggerMode %s with "
                        "TriggerSource Software is not saved (trigger = software has "
                        "camcastd fire the triggers itself)\n", c->name, text);
            else
                kept++;
            continue;
        }
        auto_left_on(c, name, text);
        if (cc_camera_config_set_feature(c, name, text) < 0) {
            fprintf(stderr, "camcastd: --save-config: camera %s: %s = %s does not fit a "
                    "config line\n", c->name, name, text);
            return -1;
        }
        kept++;
    }
    return kept;
}

static int fold_in(cc_config *cfg, const cJSON *root)
{
    const cJSON *cams = cJSON_GetObjectItemCaseSensitive(root, "cameras"), *cam;
    int total = 0;
    cJSON_ArrayForEach(cam, cams) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(cam, "name");
        cc_camera_config *c = cJSON_IsString(name)
                                  ? (cc_camera_config *)find_camera(cfg, name->valuestring)
                                  : NULL;
        if (!c) {
            fprintf(stderr, "camcastd: --save-config: the daemon runs a camera this config "
                    "does not have (%s): is it the same config?\n",
                    cJSON_IsString(name) ? name->valuestring : "?");
            return -1;
        }
        int n = apply_live(c, cJSON_GetObjectItemCaseSensitive(cam, "live"),
                           cJSON_GetObjectItemCaseSensitive(cam, "features"));
        if (n < 0)
            return -1;
        total += n;
    }
    return total;
}

/* Written beside, then renamed: a failure leaves no half file. */
static int write_config(const cc_config *cfg, const char *path)
{
    if (strcmp(path, "-") == 0) {
        cc_config_write(cfg, stdout);
        return fflush(stdout) == 0 ? 0 : -errno;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return -e;
    }
    cc_config_write(cfg, f);
    int rc = ferror(f) ? -EIO : 0;
    if (fclose(f) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc < 0)
        unlink(tmp);
    return rc;
}

int cc_save_config(cc_config *cfg, const char *out_path)
{
    cJSON *root = ask_daemon(&cfg->server);
    if (!root)
        return EXIT_FAILED;
    int n = fold_in(cfg, root);
    cJSON_Delete(root);
    if (n < 0)
        return EXIT_FAILED;
    int rc = write_config(cfg, out_path);
    if (rc < 0) {
        fprintf(stderr, "camcastd: --save-config: cannot write %s: %s\n", out_path,
                strerror(-rc));
        return EXIT_FAILED;
    }
    fprintf(stderr, "camcastd: %d value%s set live saved into %s\n", n, n == 1 ? "" : "s",
            strcmp(out_path, "-") == 0 ? "standard output" : out_path);
    return EXIT_SUCCESS;
}
