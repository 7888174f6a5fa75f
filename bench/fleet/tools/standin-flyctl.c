/* standin-flyctl: what the deploy benchmark runs instead of flyctl (bench/README.md).
 *
 *   standin-flyctl deploy --app NAME --region R [other flags ignored]
 *   standin-flyctl status|releases|logs ... --app NAME
 *
 * The queries r1's deploy lifecycle makes (issue 15) answer in flyctl's JSON shapes, statelessly:
 * the app runs release v1 (registry.fly.io/NAME:deployment-1) on one started machine with its
 * checks passing, `releases` lists v1, `logs` prints nothing. A deploy prints that same release
 * as its last line when FLY_EMIT_RELEASE_JSON is set, so r1's proof finds it serving at once.
 * Prints 10 lines, sleeps 200 ms (R1_STANDIN_SLEEP_MS overrides), prints 10 more, exits 0:
 * 20 lines in all, each written and flushed on its own, as a real deploy streams its log.
 * Exits 2 on a malformed command line, so a tool that passes the wrong argv shows up as failed;
 * exits 1 after its output when NAME equals $R1_STANDIN_FAIL_APP (a negative control).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *app_of(int argc, char **argv) {
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--app") == 0 && i + 1 < argc) return argv[i + 1];
        if (strncmp(argv[i], "--app=", 6) == 0) return argv[i] + 6;
    }
    return NULL;
}

/* status --json, releases --json --image, logs --no-tail: see the comment at the top. */
static int query(const char *what, const char *app) {
    if (strcmp(what, "status") == 0) {
        printf("{\"ID\":\"%s\",\"Name\":\"%s\",\"Deployed\":true,\"Status\":\"deployed\",\"Version\":1,"
               "\"Machines\":[{\"id\":\"148e4d5b7d0589\",\"name\":\"%s-1\",\"state\":\"started\",\"region\":\"iad\","
               "\"image_ref\":{\"registry\":\"registry.fly.io\",\"repository\":\"%s\",\"tag\":\"deployment-1\"},"
               "\"config\":{\"image\":\"registry.fly.io/%s:deployment-1\",\"metadata\":{\"fly_release_version\":\"1\","
               "\"fly_process_group\":\"app\",\"fly_platform_version\":\"v2\"}},"
               "\"checks\":[{\"name\":\"servicecheck-00-http-8080\",\"status\":\"passing\"}]}]}\n",
               app, app, app, app, app);
    } else if (strcmp(what, "releases") == 0) {
        printf("[{\"ID\":\"rel_1\",\"Version\":1,\"Status\":\"complete\",\"ImageRef\":\"registry.fly.io/%s:deployment-1\"}]\n",
               app);
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *app = NULL, *region = NULL;
    if (argc >= 2 && (strcmp(argv[1], "status") == 0 || strcmp(argv[1], "releases") == 0 || strcmp(argv[1], "logs") == 0)) {
        app = app_of(argc, argv);
        if (!app || !*app) {
            fprintf(stderr, "Error: standin-flyctl %s needs --app NAME\n", argv[1]);
            return 2;
        }
        return query(argv[1], app);
    }
    if (argc < 2 || strcmp(argv[1], "deploy") != 0) {
        fprintf(stderr, "Error: standin-flyctl only knows deploy, status, releases and logs\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--app") == 0 && i + 1 < argc) app = argv[++i];
        else if (strcmp(argv[i], "--region") == 0 && i + 1 < argc) region = argv[++i];
        else if (strncmp(argv[i], "--app=", 6) == 0) app = argv[i] + 6;
        else if (strncmp(argv[i], "--region=", 9) == 0) region = argv[i] + 9;
    }
    if (!app || !region || !*app || !*region) {
        fprintf(stderr, "Error: standin-flyctl deploy needs --app NAME and --region R\n");
        return 2;
    }
    long ms = 200;
    const char *env = getenv("R1_STANDIN_SLEEP_MS");
    if (env && *env) ms = strtol(env, NULL, 10);
    char cwd[512];
    if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "?");

    for (int i = 1; i <= 20; i++) {
        if (i == 11) {
            struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (i == 1) printf("==> Verifying app config for %s in %s\n", app, cwd);
        else if (i == 20) printf("Visit your newly deployed app at https://%s.fly.dev/ (region %s)\n", app, region);
        else printf("#%02d standin step %d of 20 for app %s region %s: done\n", i, i, app, region);
        fflush(stdout);
    }
    const char *fail = getenv("R1_STANDIN_FAIL_APP");
    if (fail && strcmp(fail, app) == 0) {
        fprintf(stderr, "Error: standin-flyctl was told to fail app %s\n", app);
        return 1;
    }
    if (getenv("FLY_EMIT_RELEASE_JSON"))
        printf("{\"id\":\"rel_1\",\"version\":1,\"image_ref\":\"registry.fly.io/%s:deployment-1\"}\n", app);
    return 0;
}
