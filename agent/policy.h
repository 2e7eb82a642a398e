/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori-plugin.h"

/* The policy: rules loaded from YAML files (libyaml).
 *
 * A rule file holds one mapping with the keys `policy` (optional: `id`,
 * `version`, both strings) and `rules` (a sequence of rule mappings). A
 * rule mapping has exactly these keys:
 *
 *   id        string, [a-z0-9._-]+, unique across the whole policy   required
 *   title     mapping { ja: string, en: string }, both required        required
 *   clause    string, e.g. "詳細編 5.4(3)"                              required
 *   severity  critical | high | medium | low                           required
 *   check     string, a check name a loaded plugin claims              required
 *   params    mapping: key -> scalar, or key -> sequence of scalars    optional
 *   enforce   boolean (true/false/yes/no)                              optional, false
 *   interval  duration ("30s", "10m", "1h", "1d")                      optional
 *
 * Anything else (unknown keys, wrong types, duplicate keys or ids, unknown
 * checks, params a plugin's validate() refuses) is an error reported as
 * `file:line:column: message` (1-based line and column of the offending
 * node). Files are read from each directory in order, `*.yaml` and `*.yml`
 * only, sorted by name; a file in a later directory replaces the file of the
 * same name in an earlier one (systemd drop-in habit); an empty file (0
 * bytes) in a later directory masks the earlier file. At most one file may
 * carry a `policy` mapping. */

typedef enum Severity {
        SEVERITY_LOW,
        SEVERITY_MEDIUM,
        SEVERITY_HIGH,
        SEVERITY_CRITICAL,
        _SEVERITY_MAX,
        _SEVERITY_INVALID = -EINVAL,
} Severity;

const char *severity_to_string(Severity s);      /* "low" ... "critical" */
Severity severity_from_string(const char *s);    /* _SEVERITY_INVALID if unknown */
unsigned severity_weight(Severity s);            /* critical 10, high 6, medium 3, low 1 */

typedef struct SourceMark {
        unsigned line, column;                   /* 1-based */
} SourceMark;

typedef struct Rule {
        char *id;
        char *title_ja;
        char *title_en;
        char *clause;
        Severity severity;
        char *check;
        bool enforce;
        uint64_t interval_usec;                  /* 0: the agent's default interval */

        /* Params in file order. Each values array is NULL-terminated and
         * owned by the rule; param_marks[i] is where param i's key stood. */
        struct mamori_param *params;
        SourceMark *param_marks;
        size_t n_params;

        char *file;                              /* the file it came from */
        SourceMark mark;                         /* where the rule mapping starts */

        struct mamori_rule abi;                  /* the view handed to plugins; points into the above */
} Rule;

typedef struct Policy {
        char *id;                                /* NULL when no file named one */
        char *version;
        Rule *rules;
        size_t n_rules;
        char **files;                            /* NULL-terminated, the files loaded */
} Policy;

/* How the loader asks the plugin host about checks. validate returns 0 for
 * a known check whose params are fine, -ENOENT for an unknown check (the
 * loader words the message), or another negative errno with a message in
 * msg and the offending param index in *reterr_param ((size_t) -1: the rule). */
typedef struct PolicyChecker {
        int (*validate)(void *userdata, const struct mamori_rule *r, size_t *reterr_param,
                        char *msg, size_t msg_size);
        void *userdata;
} PolicyChecker;

typedef struct PolicyError {
        char file[512];
        unsigned line, column;                   /* 0 when the error has no position */
        char message[512];
} PolicyError;

/* Load every rule file from dirs (NULL-terminated) into a new policy.
 * checker may be NULL (then any check name is accepted: used by tools and
 * fuzzers). On error returns a negative errno and fills *reterr; the first
 * error stops the load. A directory that does not exist is skipped; one
 * that cannot be read is an error. */
int policy_load(char *const *dirs, const PolicyChecker *checker, Policy **ret,
                PolicyError *reterr);

/* Parse one file's contents (name is only used in messages and Rule.file)
 * and append its rules to p. Does not check ids against rules already in p
 * from other files: policy_load() does that. Pure: no file system access. */
int policy_parse_buffer(Policy *p, const char *name, const char *buf, size_t size,
                        const PolicyChecker *checker, PolicyError *reterr);

Policy *policy_new(void);
Policy *policy_free(Policy *p);
const Rule *policy_find_rule(const Policy *p, const char *id);

/* "file:line:column: message" (or "file: message") into buf. */
const char *policy_error_format(const PolicyError *e, char *buf, size_t size);

static inline void policy_freep(Policy **p) {
        policy_free(*p);
}
