/* standin-flyctl: what the deploy benchmark runs instead of flyctl (bench/README.md).
 *
 *   standin-flyctl deploy --app NAME --region R [other flags ignored]
 *
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

int main(int argc, char **argv) {
    const char *app = NULL, *region = NULL;
    if (argc < 2 || strcmp(argv[1], "deploy") != 0) {
        fprintf(stderr, "Error: standin-flyctl only knows `deploy`\n");
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
    return 0;
}
