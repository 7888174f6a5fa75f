/* measure: run one command and report what it cost, for the fleet benchmarks (bench/README.md).
 *
 *   measure OUT.json CMD [ARGS...]
 *
 * Raises RLIMIT_NOFILE to its hard limit, forks, execs CMD, and samples the child's
 * /proc/PID/status (threads) and /proc/PID/fd (open descriptors) every 10 ms until it exits.
 * Writes JSON to OUT.json:
 *   exit       exit status, or -SIGNAL
 *   wall_s     fork to reap
 *   user_s, sys_s  CPU of the whole process tree (this process's RUSAGE_CHILDREN after the
 *              reap: the child and every descendant it waited for)
 *   maxrss_kb  ru_maxrss from wait4: the largest single process in that tree. The child is
 *              forked from this small program, so the high-water mark it inherits across exec
 *              is this program's (about 1 MB), not the Python driver's.
 *   peak_fds, peak_threads  largest values seen by the sampler (lower bounds)
 * Its stdin/stdout/stderr are passed to CMD unchanged.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + tv.tv_usec / 1e6; }

static long count_fds(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (!d) return -1;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static long threads(pid_t pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long n = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "Threads:", 8) == 0) n = strtol(line + 8, NULL, 10);
    fclose(f);
    return n;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: measure OUT.json CMD [ARGS...]\n");
        return 2;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);

    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 2;
    }
    if (pid == 0) {
        sigprocmask(SIG_UNBLOCK, &chld, NULL);
        execvp(argv[2], argv + 2);
        fprintf(stderr, "measure: exec %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    long peak_fds = 0, peak_threads = 0;
    int status = 0;
    struct rusage ru;
    for (;;) {
        pid_t r = wait4(pid, &status, WNOHANG, &ru);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) {
            perror("wait4");
            return 2;
        }
        long n = count_fds(pid);
        if (n > peak_fds) peak_fds = n;
        n = threads(pid);
        if (n > peak_threads) peak_threads = n;
        struct timespec ts = {0, 10 * 1000 * 1000};
        sigtimedwait(&chld, NULL, &ts); /* wakes at once when the child exits */
    }
    double wall = now_s() - t0;
    struct rusage tree;
    getrusage(RUSAGE_CHILDREN, &tree);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);

    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 2;
    }
    fprintf(out,
            "{\"exit\": %d, \"wall_s\": %.6f, \"user_s\": %.6f, \"sys_s\": %.6f, \"maxrss_kb\": %ld, "
            "\"peak_fds\": %ld, \"peak_threads\": %ld}\n",
            code, wall, tv_s(tree.ru_utime), tv_s(tree.ru_stime), ru.ru_maxrss, peak_fds, peak_threads);
    fclose(out);
    return code < 0 ? 128 - code : code;
}
