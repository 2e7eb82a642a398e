/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A main() for fuzz targets outside libFuzzer: feeds every file named on the
 * command line (directories are walked one level) to LLVMFuzzerTestOneInput,
 * so that `make check` replays each parser's seed corpus under the normal
 * build and the sanitizers. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
        FILE *f = fopen(path, "rbe");
        uint8_t *buf;
        long n;

        if (!f) {
                perror(path);
                return -1;
        }
        if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
                fclose(f);
                return -1;
        }
        buf = malloc((size_t) n + 1);
        if (!buf || fread(buf, 1, (size_t) n, f) != (size_t) n) {
                free(buf);
                fclose(f);
                return -1;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t) n);
        free(buf);
        return 0;
}

int main(int argc, char **argv) {
        unsigned ran = 0, failed = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                DIR *d;
                struct dirent *de;

                if (stat(argv[i], &st) < 0) {
                        perror(argv[i]);
                        failed++;
                        continue;
                }
                if (!S_ISDIR(st.st_mode)) {
                        failed += run_file(argv[i]) < 0;
                        ran++;
                        continue;
                }
                d = opendir(argv[i]);
                if (!d) {
                        failed++;
                        continue;
                }
                while ((de = readdir(d))) {
                        char p[4096];

                        if (de->d_name[0] == '.')
                                continue;
                        snprintf(p, sizeof p, "%s/%s", argv[i], de->d_name);
                        failed += run_file(p) < 0;
                        ran++;
                }
                closedir(d);
        }
        /* The plain closing line CI counts. */
        printf("%s: %u passed, %u failed\n", strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0],
               ran - failed, failed);
        return failed ? 1 : 0;
}
