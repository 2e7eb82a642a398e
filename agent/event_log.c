/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <string.h>

#include "event_log.h"
#include "log.h"

void event_message_id(const char *kind, char out[static MESSAGE_ID_SIZE]) {
        _cleanup_free_ char *s = NULL;
        char hex[SHA256_HEX_SIZE];

        if (asprintf(&s, "mamori-event:%s", kind) < 0) {
                memset(out, '0', MESSAGE_ID_SIZE - 1);
                out[MESSAGE_ID_SIZE - 1] = '\0';
                return;
        }
        sha256_hex(s, strlen(s), hex);
        memcpy(out, hex, MESSAGE_ID_SIZE - 1);
        out[MESSAGE_ID_SIZE - 1] = '\0';
}

void event_log_journal(const StoreEvent *e, const char *kind, const char *subject,
                       const char *text) {
        char mid[MESSAGE_ID_SIZE];
        _cleanup_free_ char *fkind = NULL, *fsubject = NULL, *fseq = NULL, *fhash = NULL;
        const char *fields[5] = {};
        size_t n = 0;

        event_message_id(kind, mid);
        if (asprintf(&fkind, "MAMORI_EVENT=%s", kind) >= 0)
                fields[n++] = fkind;
        if (asprintf(&fsubject, "MAMORI_SUBJECT=%s", subject) >= 0)
                fields[n++] = fsubject;
        if (e && asprintf(&fseq, "MAMORI_EVENT_SEQ=%" PRIu64, e->seq) >= 0)
                fields[n++] = fseq;
        if (e && asprintf(&fhash, "MAMORI_EVENT_HASH=%s", e->hash) >= 0)
                fields[n++] = fhash;

        /* The "event N" wording is what tests and administrators grep for:
         * it is printed only after the event was committed. */
        if (e)
                log_struct_internal(LOG_NOTICE, mid, fields, "event %" PRIu64 " %s %s: %s",
                                    e->seq, kind, subject, text);
        else
                log_struct_internal(LOG_WARNING, mid, fields, "event (not in the log) %s %s: %s",
                                    kind, subject, text);
}
