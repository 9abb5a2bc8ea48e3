/*
 * raminate-slowfs: a FUSE filesystem holding one slow disk image, for tests.
 *
 * Usage: raminate-slowfs [--read-delay-ms N] [--write-delay-ms N]
 *                        [-f] [-d] [-o OPT[,OPT...]] IMAGE MOUNTPOINT
 *
 * MOUNTPOINT gets one regular file, disk.img, whose contents are IMAGE:
 * reads and writes are pread()/pwrite() on IMAGE, and each one sleeps its
 * delay before it is answered.  Every open is FOPEN_DIRECT_IO, so the
 * kernel bypasses its page cache, O_DIRECT opens (QEMU's cache=none) work,
 * and a reader's buffer pages stay pinned by the kernel for as long as the
 * request is in flight.  That is what the tests want: guest RAM under a
 * slow read that the kernel holds pinned, while raminate tries to move it.
 *
 * The requests are served by libfuse's multithreaded loop, so many reads
 * can be sleeping at once (by default up to 64; -o max_threads=N to change).
 *
 * Runs in the foreground and prints nothing on success.  A test starts it
 * in the background, waits for "mountpoint -q MOUNTPOINT", and stops it
 * with "fusermount3 -u MOUNTPOINT" (which fails with EBUSY while disk.img
 * is open) or SIGTERM (which answers the reads in flight, then detaches
 * the mount even if disk.img is open, and exits).
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* 3.12, not 3.1: for fuse_loop_cfg_set_max_threads(), see run_fuse(). */
#define FUSE_USE_VERSION 312

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROG "raminate-slowfs"
#define DISK_NAME "disk.img"
#define DISK_PATH "/" DISK_NAME

/* An hour: anything longer is surely a typo, and would hang the test. */
#define MAX_DELAY_MS 3600000UL

/*
 * libfuse starts worker threads on demand, up to this many, so a high
 * limit costs nothing while idle; its own default (10) would queue a
 * guest's eleventh in-flight read behind the others' delays.
 */
#define DEFAULT_MAX_THREADS "64"

static int image_fd = -1;
static unsigned long read_delay_ms;
static unsigned long write_delay_ms;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: " PROG " [--read-delay-ms N] [--write-delay-ms N]\n"
            "       [-f] [-d] [-o OPT[,OPT...]] IMAGE MOUNTPOINT\n"
            "\n"
            "Mount a filesystem at MOUNTPOINT holding one file, " DISK_NAME
            ", backed by\n"
            "IMAGE, whose every read (write) is answered N ms late.  Runs in\n"
            "the foreground; -f is accepted for symmetry, -d turns on FUSE\n"
            "debugging, -o passes FUSE options (e.g. max_threads=N, default\n"
            DEFAULT_MAX_THREADS ").\n"
            "Stop it with fusermount3 -u MOUNTPOINT or SIGTERM.\n");
}

static void __attribute__((noreturn)) usage_error(const char *fmt,
                                                  const char *what)
{
    fprintf(stderr, PROG ": ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\nTry '" PROG " --help'.\n");
    exit(2);
}

static void sleep_ms(unsigned long ms)
{
    struct timespec left = {
        .tv_sec = ms / 1000,
        .tv_nsec = (ms % 1000) * 1000000L,
    };

    /* Sleep on after a signal: every reply is at least the delay late. */
    while (nanosleep(&left, &left) < 0 && errno == EINTR) {
        continue;
    }
}

static int slowfs_getattr(const char *path, struct stat *st,
                          struct fuse_file_info *fi)
{
    (void)fi;

    if (strcmp(path, "/") == 0) {
        memset(st, 0, sizeof(*st));
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
        return 0;
    }
    if (strcmp(path, DISK_PATH) != 0) {
        return -ENOENT;
    }
    /* IMAGE's own size, owner and times; the name is ours. */
    if (fstat(image_fd, st) < 0) {
        return -errno;
    }
    st->st_mode = S_IFREG | (st->st_mode & 07777);
    st->st_nlink = 1;
    return 0;
}

static int slowfs_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
                          off_t offset, struct fuse_file_info *fi,
                          enum fuse_readdir_flags flags)
{
    (void)offset;
    (void)fi;
    (void)flags;

    if (strcmp(path, "/") != 0) {
        return -ENOTDIR;
    }
    filler(buf, ".", NULL, 0, 0);
    filler(buf, "..", NULL, 0, 0);
    filler(buf, DISK_NAME, NULL, 0, 0);
    return 0;
}

static int slowfs_open(const char *path, struct fuse_file_info *fi)
{
    if (strcmp(path, DISK_PATH) != 0) {
        return strcmp(path, "/") == 0 ? -EISDIR : -ENOENT;
    }
    /*
     * No page cache: every read and write reaches us, O_DIRECT is allowed,
     * and the kernel pins the caller's pages until we answer.
     */
    fi->direct_io = 1;
    return 0;
}

static int slowfs_read(const char *path, char *buf, size_t size, off_t offset,
                       struct fuse_file_info *fi)
{
    size_t done = 0;

    (void)path;
    (void)fi;

    while (done < size) {
        ssize_t n = pread(image_fd, buf + done, size - done, offset + done);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (n == 0) {
            break;              /* end of IMAGE: a short read */
        }
        done += n;
    }
    sleep_ms(read_delay_ms);
    return done;
}

static int slowfs_write(const char *path, const char *buf, size_t size,
                        off_t offset, struct fuse_file_info *fi)
{
    size_t done = 0;

    (void)path;
    (void)fi;

    while (done < size) {
        ssize_t n = pwrite(image_fd, buf + done, size - done, offset + done);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        done += n;
    }
    sleep_ms(write_delay_ms);
    return done;
}

static int slowfs_truncate(const char *path, off_t size,
                           struct fuse_file_info *fi)
{
    (void)fi;

    if (strcmp(path, DISK_PATH) != 0) {
        return -EINVAL;
    }
    return ftruncate(image_fd, size) < 0 ? -errno : 0;
}

static int slowfs_flush(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    (void)fi;

    return 0;                   /* nothing is buffered here */
}

static int slowfs_fsync(const char *path, int datasync,
                        struct fuse_file_info *fi)
{
    (void)path;
    (void)fi;

    return (datasync ? fdatasync(image_fd) : fsync(image_fd)) < 0 ? -errno : 0;
}

static const struct fuse_operations slowfs_ops = {
    .getattr = slowfs_getattr,
    .readdir = slowfs_readdir,
    .open = slowfs_open,
    .read = slowfs_read,
    .write = slowfs_write,
    .truncate = slowfs_truncate,
    .flush = slowfs_flush,
    .fsync = slowfs_fsync,
};

static unsigned long parse_delay(const char *option, const char *value)
{
    unsigned long ms = 0;
    const char *p;

    if (!value) {
        usage_error("%s needs a number of milliseconds", option);
    }
    /* By hand, not strtoul(): no sign, no spaces, no overflow to check. */
    for (p = value; *p >= '0' && *p <= '9' && ms <= MAX_DELAY_MS; p++) {
        ms = ms * 10 + (*p - '0');
    }
    if (p == value || *p || ms > MAX_DELAY_MS) {
        fprintf(stderr, PROG ": %s: '%s' is not a number of milliseconds"
                " (0..%lu)\n", option, value, MAX_DELAY_MS);
        exit(2);
    }
    return ms;
}

/*
 * Whether argv[*I] is OPTION, given as "OPTION VALUE" or "OPTION=VALUE"
 * (in *MATCHED).  If it is, return VALUE, or NULL when it is missing, and
 * leave *I on the last argument consumed.
 */
static const char *option_value(const char *option, int argc, char **argv,
                                int *i, int *matched)
{
    const char *arg = argv[*i];
    size_t len = strlen(option);

    *matched = strncmp(arg, option, len) == 0 &&
               (arg[len] == '\0' || arg[len] == '=');
    if (!*matched) {
        return NULL;
    }
    if (arg[len] == '=') {
        return arg + len + 1;
    }
    return *i + 1 < argc ? argv[++*i] : NULL;
}

/*
 * fuse_main(), by hand, minus daemonizing.  libfuse 3.14.0's fuse_main()
 * mangles the thread limits on their way to fuse_loop_mt() (libfuse issue
 * #1003): it prints "Ignoring invalid max threads value 4294967295" and
 * drops -o max_threads.
 */
static int run_fuse(int argc, char **argv)
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    struct fuse_cmdline_opts opts;
    struct fuse_loop_config *loop_config;
    struct fuse *fuse;
    int ret = 1;

    if (fuse_parse_cmdline(&args, &opts) != 0) {
        return 2;
    }
    fuse = fuse_new(&args, &slowfs_ops, sizeof(slowfs_ops), NULL);
    if (!fuse) {
        ret = 2;                /* it has said which -o option is bad */
        goto out_args;
    }
    if (fuse_mount(fuse, opts.mountpoint) != 0) {
        goto out_destroy;
    }
    /* SIGTERM, SIGINT and SIGHUP end the loop, and we unmount. */
    if (fuse_set_signal_handlers(fuse_get_session(fuse)) != 0) {
        goto out_unmount;
    }
    loop_config = fuse_loop_cfg_create();
    if (!loop_config) {
        goto out_signals;
    }
    fuse_loop_cfg_set_clone_fd(loop_config, opts.clone_fd);
    fuse_loop_cfg_set_max_threads(loop_config, opts.max_threads);
    ret = fuse_loop_mt(fuse, loop_config) ? 1 : 0;
    fuse_loop_cfg_destroy(loop_config);
out_signals:
    fuse_remove_signal_handlers(fuse_get_session(fuse));
out_unmount:
    fuse_unmount(fuse);
out_destroy:
    fuse_destroy(fuse);
out_args:
    free(opts.mountpoint);
    fuse_opt_free_args(&args);
    return ret;
}

int main(int argc, char **argv)
{
    /* argv[0], our and the user's "-o OPTS" (two each), -d, MOUNTPOINT, NULL */
    char **fuse_argv = calloc(2 * argc + 5, sizeof(*fuse_argv));
    int fuse_argc = 0;
    const char *image = NULL, *mountpoint = NULL;
    int debug = 0;
    int i;

    if (!fuse_argv) {
        perror(PROG);
        return 1;
    }
    fuse_argv[fuse_argc++] = argv[0];
    /* Before the user's -o options, so that theirs win. */
    fuse_argv[fuse_argc++] = "-o";
    fuse_argv[fuse_argc++] = "max_threads=" DEFAULT_MAX_THREADS;

    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value;
        int matched;

        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        value = option_value("--read-delay-ms", argc, argv, &i, &matched);
        if (matched) {
            read_delay_ms = parse_delay("--read-delay-ms", value);
            continue;
        }
        value = option_value("--write-delay-ms", argc, argv, &i, &matched);
        if (matched) {
            write_delay_ms = parse_delay("--write-delay-ms", value);
            continue;
        }
        if (strcmp(arg, "-f") == 0) {
            continue;                   /* we never leave the foreground */
        }
        if (strcmp(arg, "-d") == 0) {
            debug = 1;
            continue;
        }
        if (strncmp(arg, "-o", 2) == 0) {
            const char *opts = arg[2] ? arg + 2 : NULL;

            if (!opts && i + 1 < argc) {
                opts = argv[++i];
            }
            if (!opts || !*opts) {
                usage_error("%s needs mount options", "-o");
            }
            fuse_argv[fuse_argc++] = "-o";
            fuse_argv[fuse_argc++] = (char *)opts;
            continue;
        }
        if (arg[0] == '-' && arg[1]) {
            usage_error("unknown option '%s'", arg);
        }
        if (!image) {
            image = arg;
        } else if (!mountpoint) {
            mountpoint = arg;
        } else {
            usage_error("unexpected argument '%s'", arg);
        }
    }
    if (!image) {
        usage_error("%s", "missing IMAGE and MOUNTPOINT");
    }
    if (!mountpoint) {
        usage_error("%s", "missing MOUNTPOINT");
    }
    if (debug) {
        fuse_argv[fuse_argc++] = "-d";
    }
    fuse_argv[fuse_argc++] = (char *)mountpoint;

    /* Opened once, before mounting: a bad IMAGE fails here, not on read. */
    image_fd = open(image, O_RDWR | O_CLOEXEC);
    if (image_fd < 0) {
        fprintf(stderr, PROG ": %s: %s\n", image, strerror(errno));
        return 1;
    }
    return run_fuse(fuse_argc, fuse_argv);
}
