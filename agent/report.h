/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "mamori-plugin.h"
#include "policy.h"

/* The JSON report (schema in mamorid(8), REPORT FORMAT). `schema` grows by
 * adding keys, never by changing one. */
#define REPORT_SCHEMA 1

typedef struct ReportRule {
        const Rule *rule;
        const char *plugin;                      /* the check's plugin name */
        mamori_status status;
        char *const *evidence;                   /* NULL-terminated, may be NULL */
        uint64_t since_usec;                     /* 0: unknown */
        uint64_t evaluated_usec;
} ReportRule;

typedef struct ReportInput {
        const char *terminal;
        uint64_t generated_usec;
        const char *agent_version;
        const char *policy_id;
        const char *policy_version;
        const ReportRule *rules;
        size_t n_rules;
        uint64_t last_change_usec;               /* newest since_usec, 0 if none */
        uint64_t event_seq;
        const char *event_head;
} ReportInput;

/* Split a clause citation into the clauses it names:
 * "詳細編 2.2(3)② 2.2(4)①②" -> "詳細編 2.2(3)②", "詳細編 2.2(4)①②".
 * Returns a NULL-terminated list the caller frees with strv_free(). */
int report_split_clauses(const char *clause, char ***ret);

int report_build(const ReportInput *in, json_object **ret);
int report_write(const char *path, json_object *report);
